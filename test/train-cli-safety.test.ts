/**
 * Issue 10, the CLI face: the photo + caption set trains at the app's defaults and the bundle
 * scores what training reported on its own training rows (`evaluate --split train`); a diverged
 * run (`--lr 1e6`) exits non-zero, names the divergence and leaves an existing `--out` file
 * untouched; numbers are range-checked (usage errors, exit 2); a run without `--out` says how to
 * keep the model; the bundle is written atomically.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../cli/io';
import { demoDatasetZip } from '../engine/data/demo';
import { photoSet, writeFiles } from './fixtures/photo-sets';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/fusionlab.mjs');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fusionlab-cli-safety-'));
const PHOTOS = path.join(tmp, 'photos');
const DEMO = path.join(tmp, 'demo.zip');
writeFiles(PHOTOS, photoSet({ rows: 60 }).files);
writeFileSync(DEMO, demoDatasetZip({ seed: 3, rows: 300 }));

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], timeout = 600_000) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('fusionlab train on a small photo set', () => {
  it('at the defaults, the saved model scores on its training rows what the run reported', () => {
    const bundle = path.join(tmp, 'photos.zip');
    const r = run(['train', 'templates/image-text-gated.json', '--data', PHOTOS, '--seed', '3', '--out', bundle, '--json']);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; final: { train: { outputs: { label: { accuracy: number } } } }; evaluation: { split: string; outputs: { label: { accuracy: number } } }; warnings: unknown[]; history: unknown[] };
    // The CLI starts from the app's defaults: 15 epochs.
    expect(out.history).toHaveLength(15);
    expect(out.evaluation.split).toBe('val');
    expect(out.evaluation.outputs.label.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(out.final.train.outputs.label.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(out.warnings).toEqual([]);
    const ev = run(['evaluate', bundle, '--data', PHOTOS, '--split', 'train', '--json']);
    expect(ev.code, ev.stderr.slice(-2000)).toBe(0);
    const evOut = JSON.parse(ev.stdout) as { count: number; summary: { label: { accuracy: number } } };
    console.log(`evaluate --split train: ${(100 * evOut.summary.label.accuracy).toFixed(1)} % of ${evOut.count}`);
    expect(evOut.summary.label.accuracy).toBeGreaterThanOrEqual(0.9);
  }, 700_000);
});

describe('fusionlab train when things go wrong', () => {
  it('--lr 1e6: a non-zero exit, a message naming the divergence, and the existing --out file untouched', () => {
    const out = path.join(tmp, 'good.zip');
    const before = Buffer.from('a good bundle from yesterday');
    writeFileSync(out, before);
    const r = run(['train', 'templates/demo.json', '--data', DEMO, '--lr', '1e6', '--epochs', '3', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Training diverged/);
    expect(r.stderr).toMatch(/NaN or infinite/);
    expect(r.stderr).toMatch(/Lower the learning rate \(try 0\.001\)/);
    expect(r.stderr).toMatch(/good\.zip was not written \(the file already there is untouched\)/);
    expect(readFileSync(out).equals(before)).toBe(true);
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const j = run(['train', 'templates/demo.json', '--data', DEMO, '--lr', '1e6', '--epochs', '3', '--json']);
    expect(j.code).toBe(1);
    const o = JSON.parse(j.stdout) as { ok: boolean; status: string; error: { code: string }; bundle?: string };
    expect(o).toMatchObject({ ok: false, status: 'failed', error: { code: 'nan-loss' } });
    expect(o.bundle).toBeUndefined();
  }, 300_000);

  it('range-checks numbers: usage errors with exit 2, before any data is read', () => {
    for (const [flag, value, text] of [
      ['--batch-size', '0', /--batch-size needs a whole number ≥ 1/],
      ['--epochs', '2.5', /--epochs needs a whole number ≥ 1/],
      ['--epochs', '-3', /--epochs needs a whole number ≥ 1/],
      ['--lr', '0', /--lr needs a number above 0/],
      ['--lr', 'fast', /--lr needs a number/],
      ['--patience', '-1', /--patience needs a whole number ≥ 0/],
      ['--modality-dropout', '0.95', /--modality-dropout needs a number from 0 to 0.9/],
      ['--modality-dropout', '-0.1', /--modality-dropout needs a number from 0 to 0.9/],
    ] as const) {
      const r = run(['train', 'templates/demo.json', '--data', path.join(tmp, 'nowhere'), flag, value], 60_000);
      expect(r.code, `${flag} ${value}`).toBe(2);
      expect(r.stderr).toMatch(text);
    }
    const dir = path.join(tmp, 'a-folder');
    mkdirSync(dir, { recursive: true });
    const r = run(['train', 'templates/demo.json', '--data', DEMO, '--out', dir], 60_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a folder; give a file name/);
  }, 300_000);

  it('without --out: says the model was not saved and how to keep it', () => {
    const r = run(['train', 'templates/demo.json', '--data', DEMO, '--epochs', '1']);
    expect(r.code, r.stderr.slice(-1000)).toBe(0);
    expect(r.stderr).toMatch(/the model was not saved: add --out model\.zip to keep it/);
  }, 300_000);
});

describe('writeFileAtomic', () => {
  it('writes through a temporary name and leaves the old file when the write fails', async () => {
    const file = path.join(tmp, 'atomic.bin');
    await writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(file)]).toEqual([1, 2, 3]);
    // Renaming over a folder fails: the folder stays, and no temporary file is left behind.
    const dir = path.join(tmp, 'taken');
    mkdirSync(path.join(dir, 'inside'), { recursive: true });
    await expect(writeFileAtomic(dir, new Uint8Array([9]))).rejects.toThrow();
    expect(existsSync(path.join(dir, 'inside'))).toBe(true);
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
