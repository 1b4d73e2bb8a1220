/**
 * The teaching point of fusion on the built-in demo dataset: the demo template reaches ≥ 95 %
 * accuracy, while every single-modality variant of it (engine/variants.ts) stays ≤ 65 %.
 * Trains through the CLI on the WASM backend.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoDatasetZip } from '../engine/data/demo';
import { parseGraphText } from '../engine/graph';
import { singleModalityVariants } from '../engine/variants';
import { registry } from '../nodes';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/fusionlab.mjs');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fusionlab-demo-'));
const DATA = path.join(tmp, 'demo.zip');
const EPOCHS = '40';

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface TrainOut {
  ok: boolean;
  evaluation: { split: string; count: number; primary: string; outputs: Record<string, { accuracy: number }> };
}

function train(graphFile: string): TrainOut {
  const r = spawnSync(process.execPath, [BIN, 'train', graphFile, '--data', DATA, '--epochs', EPOCHS, '--seed', '1', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 1_200_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`train ${graphFile} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as TrainOut;
}

const accuracy = (o: TrainOut) => o.evaluation.outputs[o.evaluation.primary].accuracy;

describe('demo: fusion beats every single modality', () => {
  writeFileSync(DATA, demoDatasetZip({ seed: 42 }));
  const parsed = parseGraphText(readFileSync(path.join(ROOT, 'templates/demo.json'), 'utf8'));
  if (!parsed.ok) throw new Error('templates/demo.json does not parse');
  const demo = parsed.graph;

  it('the demo template reaches ≥ 95 %', () => {
    const out = train('templates/demo.json');
    console.log(`demo fused: ${(100 * accuracy(out)).toFixed(1)} % on ${out.evaluation.split} (${out.evaluation.count})`);
    expect(accuracy(out)).toBeGreaterThanOrEqual(0.95);
  }, 1_300_000);

  it('each single-modality variant stays ≤ 65 %', () => {
    const variants = singleModalityVariants(demo, registry);
    expect(variants.length).toBe(4);
    for (const v of variants) {
      expect(v.ok, v.diagnostics.map((d) => d.message).join(' ')).toBe(true);
      const file = path.join(tmp, `variant-${v.inputId}.json`);
      writeFileSync(file, JSON.stringify(v.graph));
      const out = train(file);
      console.log(`demo ${v.inputId} only: ${(100 * accuracy(out)).toFixed(1)} %`);
      expect(accuracy(out), v.inputId).toBeLessThanOrEqual(0.65);
    }
  }, 2_400_000);
});
