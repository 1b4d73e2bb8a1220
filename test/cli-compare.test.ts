/**
 * `fusionlab compare` (the fused graph, each input alone and the sweep over seeds) and
 * `fusionlab evaluate --robustness`, from the CLI,
 * on a small generated demo set (few rows, one epoch: this checks the rows and their shape, not
 * what fusion buys; test/study.test.ts checks that on a set where it is known).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin/fusionlab.mjs');
const dir = mkdtempSync(path.join(os.tmpdir(), 'fusionlab-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
}

interface Row {
  name: string;
  kind: string;
  status: string;
  mean: number | null;
  ci95: [number, number] | null;
  seeds: number;
  params: number | null;
  seconds: number | null;
}

describe('fusionlab compare', () => {
  it('--seeds 2 --sweep --json: fused, each input alone, every compatible operator and the late variants, each with mean and interval', () => {
    const data = path.join(dir, 'demo');
    expect(cli(['data', 'demo', data, '--rows', '120']).status).toBe(0);
    const r = cli(['compare', 'templates/demo.json', '--data', data, '--seeds', '2', '--sweep', '--epochs', '1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; metric: string; seeds: number; takeaway: string; rows: Row[] };
    expect(out.ok).toBe(true);
    expect(out.metric).toBe('accuracy');
    expect(out.seeds).toBe(2);
    expect(out.rows[0]).toMatchObject({ name: 'fused', kind: 'fused', status: 'ok', seeds: 2 });
    expect(out.rows.filter((x) => x.kind === 'single').map((x) => x.name)).toEqual(['Picture alone', 'Caption alone', 'Tone alone', 'Numbers alone']);
    const ops = out.rows.filter((x) => x.kind === 'fusion-op');
    expect(ops.filter((x) => x.status === 'ok').length).toBeGreaterThanOrEqual(6);
    expect(ops.filter((x) => x.status === 'failed').map((x) => x.name).sort()).toEqual(['fusion.cross-attention', 'fusion.film', 'fusion.mfb']);
    expect(out.rows.filter((x) => x.kind === 'late').map((x) => [x.name, x.status])).toEqual([['late.average', 'ok'], ['late.vote', 'ok'], ['late.stack', 'ok']]);
    for (const x of out.rows.filter((y) => y.status === 'ok')) {
      expect(x.seeds, x.name).toBe(2);
      expect(x.ci95![0], x.name).toBeLessThanOrEqual(x.mean!);
      expect(x.ci95![1], x.name).toBeGreaterThanOrEqual(x.mean!);
      expect(x.ci95![0]).toBeGreaterThanOrEqual(0);
      expect(x.ci95![1]).toBeLessThanOrEqual(1);
      expect(x.params, x.name).toBeGreaterThan(0);
      expect(x.seconds, x.name).toBeGreaterThan(0);
    }
    expect(out.takeaway.length).toBeGreaterThan(10);
  }, 300_000);

  it('the demo set at 600 rows, 10 epochs, 3 seeds: the fused mean beats every input alone, each interval holds its mean', () => {
    const data = path.join(dir, 'demo600');
    expect(cli(['data', 'demo', data, '--rows', '600']).status).toBe(0);
    const r = cli(['compare', 'templates/demo.json', '--data', data, '--seeds', '3', '--epochs', '10', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { rows: Row[]; takeaway: string };
    const fused = out.rows.find((x) => x.kind === 'fused')!;
    const singles = out.rows.filter((x) => x.kind === 'single');
    console.log(`  demo 600: ${out.rows.map((x) => `${x.name} ${x.mean?.toFixed(3)} [${x.ci95?.map((v) => v.toFixed(3)).join(', ')}]`).join(' · ')}`);
    expect(singles).toHaveLength(4);
    for (const x of [fused, ...singles]) {
      expect(x.status, x.name).toBe('ok');
      expect(x.seeds, x.name).toBe(3);
      expect(x.ci95![0], x.name).toBeLessThanOrEqual(x.mean!);
      expect(x.ci95![1], x.name).toBeGreaterThanOrEqual(x.mean!);
    }
    for (const x of singles) expect(fused.mean!, x.name).toBeGreaterThan(x.mean!);
  }, 600_000);

  it('evaluate --robustness --json: each input missing and noisy, text inputs with token noise', () => {
    const data = path.join(dir, 'demo');
    const bundle = path.join(dir, 'demo.zip');
    const t = cli(['train', 'templates/demo.json', '--data', data, '--epochs', '1', '--out', bundle, '--json']);
    expect(t.status, t.stderr).toBe(0);
    const r = cli(['evaluate', bundle, '--data', data, '--robustness', '--noise', '1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { robustness: { input: string; missing: number; noisy: number }[]; robustnessBaseline: { metric: string; clean: number; noise: number } };
    expect(out.robustness.map((x) => x.input)).toEqual(['picture', 'caption', 'tone', 'numbers']);
    for (const x of out.robustness) {
      expect(x.missing).toBeGreaterThanOrEqual(0);
      expect(x.missing).toBeLessThanOrEqual(1);
      expect(x.noisy).toBeGreaterThanOrEqual(0);
      expect(x.noisy).toBeLessThanOrEqual(1);
    }
    expect(out.robustnessBaseline).toMatchObject({ metric: 'accuracy', noise: 1 });
  }, 300_000);

  it('without --data it is a usage error', () => {
    const r = cli(['compare', 'templates/demo.json']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: fusionlab compare/);
  });
});
