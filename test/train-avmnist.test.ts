/**
 * The big one: the CLI trains the AV-MNIST template on ../shared/datasets/avmnist to ≥ 95 % test
 * accuracy on the WASM backend at the default seed (where, on clipped probabilities, three digits
 * once never recovered and it stopped at 70 %), writes a bundle, and the bundle evaluates (with ablation) and
 * predicts one sample. Takes a few minutes on 2 cores.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/fusionlab.mjs');
const DATA = path.resolve(ROOT, '../shared/datasets/avmnist');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fusionlab-avmnist-'));
const BUNDLE = path.join(tmp, 'avmnist.zip');

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], timeout = 1_500_000) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('AV-MNIST from the CLI', () => {
  it('trains the template to ≥ 95 % test accuracy and writes a bundle', () => {
    const r = run(['train', 'templates/avmnist.json', '--data', DATA, '--epochs', '3', '--out', BUNDLE, '--json']);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; backend: string; epochs: number; testAccuracy: number; evaluation: { split: string; count: number }; bundle: string; seconds: number };
    console.log(`AV-MNIST: test accuracy ${(100 * out.testAccuracy).toFixed(2)} % after ${out.epochs} epochs in ${out.seconds.toFixed(0)} s on ${out.backend}`);
    expect(out.ok).toBe(true);
    expect(out.backend).toBe('wasm');
    expect(out.evaluation).toMatchObject({ split: 'test', count: 300 });
    expect(out.testAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(out.bundle).toBe(BUNDLE);
  }, 1_600_000);

  it('evaluates the bundle with modality ablation', () => {
    const r = run(['evaluate', BUNDLE, '--data', DATA, '--split', 'test', '--ablate', '--json'], 300_000);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const out = JSON.parse(r.stdout) as { count: number; summary: Record<string, { accuracy: number }>; outputs: Record<string, { confusion: number[][]; perClass: { f1: number }[] }>; ablation: { fill: string; rows: { nodeId: string; accuracy: number; drop: number }[] } };
    expect(out.count).toBe(300);
    expect(out.summary.digit.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(out.outputs.digit.confusion.flat().reduce((a, b) => a + b, 0)).toBe(300);
    expect(out.outputs.digit.perClass).toHaveLength(10);
    expect(out.ablation.fill).toBe('train-mean');
    expect(out.ablation.rows.map((x) => x.nodeId).sort()).toEqual(['audio', 'image']);
    // Each modality alone carries most of the label, so masking either costs accuracy but not all of it.
    for (const row of out.ablation.rows) expect(row.drop, row.nodeId).toBeGreaterThan(0.01);
  }, 400_000);

  it('predicts one test sample from files', () => {
    const lines = readFileSync(path.join(DATA, 'samples.csv'), 'utf8').trim().split(/\r?\n/);
    const header = lines[0].split(',');
    const rows = lines.slice(1).map((l) => l.split(',')).filter((c) => c[header.indexOf('split')] === 'test');
    expect(rows.length).toBe(300);
    let right = 0;
    for (const row of rows.slice(0, 3)) {
      const cell = (c: string) => row[header.indexOf(c)];
      const r = run(['predict', BUNDLE, '--input', `image=${path.join(DATA, cell('image'))}`, '--input', `audio=${path.join(DATA, cell('audio'))}`, '--json'], 300_000);
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      const out = JSON.parse(r.stdout) as { primary: string; outputs: { nodeId: string; predicted: string; probabilities: Record<string, number> }[] };
      expect(out.primary).toBe('digit');
      const o = out.outputs[0];
      expect(Object.keys(o.probabilities)).toEqual('0123456789'.split(''));
      expect(Object.values(o.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      if (o.predicted === cell('label')) right++;
    }
    expect(right).toBeGreaterThanOrEqual(2);
  }, 900_000);
});
