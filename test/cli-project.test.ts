/**
 * Project files (`.fusionlab`) on the command line: `train` takes one (its graph, its settings as
 * the defaults, its included dataset without `--data`) and writes one with `--out x.fusionlab`;
 * `predict`, `evaluate` and `export` read the model inside it exactly as they read a bundle; a
 * project saved before training says so plainly.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strToU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newProject, type ProjectDoc } from '../engine/project/project';
import { NO_MODEL_MESSAGE, readProjectFile, writeProjectFile } from '../engine/project/project-file';
import { signsCsv, signsGraph } from './fixtures/signs';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/fusionlab.mjs');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fusionlab-cli-project-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], timeout = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, timeout });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const CSV = strToU8(signsCsv({ seed: 5, rows: 120, trainEnd: 90, valEnd: 105 }));
const DATA = path.join(tmp, 'signs');
const GRAPH = path.join(tmp, 'signs.json');
/** A project holding the dataset (as files) and its train settings, not yet trained. */
const SOURCE = path.join(tmp, 'signs.fusionlab');
/** The same project without a dataset. */
const BARE = path.join(tmp, 'bare.fusionlab');
const TRAINED = path.join(tmp, 'p.fusionlab');
const BUNDLE = path.join(tmp, 'b.zip');
const SETTINGS = { epochs: 2, batchSize: 16, seed: 11, learningRate: 0.01 };
const INPUT = ['--input', 'a=0.3', '--input', 'b=-0.7'];

interface PredictJson {
  ok: boolean;
  outputs: { nodeId: string; predicted: string; probabilities: Record<string, number> }[];
}

let trainedProject: { code: number | null; stdout: string; stderr: string };
let trainedBundle: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  mkdirSync(DATA, { recursive: true });
  writeFileSync(path.join(DATA, 'samples.csv'), CSV);
  const graph = signsGraph();
  writeFileSync(GRAPH, JSON.stringify(graph, null, 2));
  const project: ProjectDoc = { ...newProject(graph, { name: 'Signs project' }), train: SETTINGS, dataset: { name: 'signs', kind: 'files', bytes: CSV.length, files: 1 } };
  writeFileSync(SOURCE, writeProjectFile({ project, dataset: { kind: 'files', name: 'signs', files: [{ path: 'samples.csv', bytes: CSV }] } }));
  writeFileSync(BARE, writeProjectFile({ project: { ...project, dataset: undefined } }));
  // The two runs are independent: in parallel to keep the test short.
  [trainedProject, trainedBundle] = await Promise.all([
    run(['train', SOURCE, '--out', TRAINED, '--json']),
    run(['train', GRAPH, '--data', DATA, '--epochs', '2', '--batch-size', '16', '--seed', '11', '--lr', '0.01', '--out', BUNDLE, '--json']),
  ]);
});

describe('fusionlab train with a project file', () => {
  it('trains the project graph on its included dataset with its settings and writes the project back', () => {
    expect(trainedProject.code, trainedProject.stderr.slice(-2000)).toBe(0);
    expect(trainedProject.stderr).toMatch(/data: the dataset included in .*signs\.fusionlab: signs \(1 files\)/);
    expect(trainedProject.stderr).toMatch(/project file written: .*p\.fusionlab \(\d+ KiB, with the trained model and the dataset\)/);
    const out = JSON.parse(trainedProject.stdout) as { ok: boolean; epochs: number; project: string; history: unknown[] };
    expect(out).toMatchObject({ ok: true, epochs: 2, project: TRAINED });
    expect(out.history).toHaveLength(2);
    const r = readProjectFile(new Uint8Array(readFileSync(TRAINED)));
    if (!r.ok) throw new Error(r.message);
    expect(r.warnings).toEqual([]);
    expect(r.bundle).toBeDefined();
    expect(r.project.name).toBe('Signs project');
    expect(r.project.model).toMatchObject({ epoch: expect.any(Number), complete: true });
    expect(r.project.train).toMatchObject(SETTINGS);
    expect(r.dataset?.kind).toBe('files');
    expect(trainedBundle.code, trainedBundle.stderr.slice(-2000)).toBe(0);
    expect(trainedBundle.stderr).toMatch(/bundle written: .*b\.zip/);
  });

  it('without a dataset and without --data: a usage error that says so', async () => {
    const r = await run(['train', BARE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bare\.fusionlab includes no dataset: pass --data <dir\|zip>/);
  });
});

describe('predict, evaluate and export read the model inside a project file', () => {
  it('predict gives the same probabilities as the bundle trained with the same seed and settings', async () => {
    const [p, b] = await Promise.all([run(['predict', TRAINED, ...INPUT, '--json']), run(['predict', BUNDLE, ...INPUT, '--json'])]);
    expect(p.code, p.stderr.slice(-1000)).toBe(0);
    expect(b.code, b.stderr.slice(-1000)).toBe(0);
    const fromProject = JSON.parse(p.stdout) as PredictJson;
    const fromBundle = JSON.parse(b.stdout) as PredictJson;
    expect(fromProject.ok).toBe(true);
    const a = fromProject.outputs[0].probabilities;
    const z = fromBundle.outputs[0].probabilities;
    expect(Object.keys(a).sort()).toEqual(['neg', 'pos']);
    for (const c of Object.keys(z)) expect(Math.abs(a[c] - z[c]), c).toBeLessThan(1e-5);
    expect(fromProject.outputs[0].predicted).toBe(fromBundle.outputs[0].predicted);
  });

  it('evaluate uses the included dataset without --data, and takes --data too; export writes trained code', async () => {
    const [own, given, ex] = await Promise.all([
      run(['evaluate', TRAINED, '--json']),
      run(['evaluate', TRAINED, '--data', DATA, '--split', 'val', '--json']),
      run(['export', TRAINED, '--target', 'keras', '--out', path.join(tmp, 'keras.zip'), '--json']),
    ]);
    expect(own.code, own.stderr.slice(-1000)).toBe(0);
    expect(JSON.parse(own.stdout)).toMatchObject({ ok: true, split: 'test', count: 15 });
    expect(given.code, given.stderr.slice(-1000)).toBe(0);
    expect(JSON.parse(given.stdout)).toMatchObject({ ok: true, split: 'val', count: 15 });
    expect(ex.code, ex.stderr.slice(-1000)).toBe(0);
    expect(JSON.parse(ex.stdout)).toMatchObject({ ok: true, target: 'keras', trained: true });
  });

  it('a project file without a trained model: the plain message from predict, evaluate and export', async () => {
    const rs = await Promise.all([
      run(['predict', SOURCE, ...INPUT]),
      run(['evaluate', SOURCE]),
      run(['export', SOURCE, '--target', 'tfjs', '--json']),
    ]);
    for (const r of rs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(NO_MODEL_MESSAGE);
    }
    expect(JSON.parse(rs[2].stdout)).toEqual({ ok: false, error: NO_MODEL_MESSAGE });
  });

  it('evaluate on a bundle without --data is still a usage error', async () => {
    const r = await run(['evaluate', BUNDLE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage: fusionlab evaluate <bundle\.zip\|project\.fusionlab>/);
  });
});
