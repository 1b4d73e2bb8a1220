/**
 * `fusionlab export`: a graph gives untrained code; a trained model bundle gives a zip with code,
 * weights in the target's format, preprocessing state and a README, and the PyTorch model read
 * from that zip predicts what the bundle's tfjs model predicts.
 */
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeBundle } from '../engine/bundle';
import { compileGraph } from '../engine/compile';
import type { FittedState } from '../engine/data/loader';
import { main } from '../cli/main';
import { registry } from '../nodes';
import { registerCustomLayers } from '../nodes/shared';
import { lastJson, loadTemplate, npzOf, python, randomInputs, randomiseWeights, ROOT, TMP, TORCH_CHECK, writeFiles } from './fixtures/export-harness';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerCustomLayers(tf);
  fs.mkdirSync(TMP, { recursive: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Run the CLI in this process, capturing stdout. */
async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    out += `${a.join(' ')}\n`;
  });
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, out };
}

describe('fusionlab export', () => {
  it('prints the main file of a graph, writes a folder, and refuses a bad target', async () => {
    const file = path.join(ROOT, 'templates', 'avmnist.json');
    const printed = await cli(['export', file, '--target', 'keras']);
    expect(printed.code).toBe(0);
    expect(printed.out).toContain('def build_model():');
    const dir = path.join(TMP, 'cli-folder');
    fs.rmSync(dir, { recursive: true, force: true });
    const written = await cli(['export', file, '--target', 'pytorch', '--out', dir, '--json']);
    expect(written.code).toBe(0);
    expect(JSON.parse(written.out)).toMatchObject({ ok: true, target: 'pytorch', main: 'model.py', trained: false });
    expect(fs.readdirSync(dir).sort()).toEqual(['README.md', 'data.py', 'fusionlab_layers.py', 'model.py', 'train.py']);
    expect((await cli(['export', file, '--target', 'onnx'])).code).toBe(2);
    expect((await cli(['export', file])).code).toBe(2);
  });

  it('exports a trained bundle: PyTorch weights from the zip reproduce the tfjs predictions', async () => {
    const graph = loadTemplate('avmnist-late');
    const c = compileGraph(graph, registry, { tf, seed: 3 });
    if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
    randomiseWeights(c.model, 9);
    const classes = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    const fitted: FittedState = {
      format: 'fusionlab/fitted',
      version: 1,
      inputs: {},
      heads: { image_head: { task: 'classify', column: 'label', classes }, audio_head: { task: 'classify', column: 'label', classes } },
    };
    const bundle = path.join(TMP, 'cli-bundle.zip');
    fs.writeFileSync(bundle, await writeBundle(tf, { model: c.model, graph, fitted, io: { inputs: c.summary.inputs, outputs: c.summary.outputs } }));
    const out = path.join(TMP, 'cli-export.zip');
    const res = await cli(['export', bundle, '--target', 'pytorch', '--out', out, '--json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out)).toMatchObject({ ok: true, trained: true });
    const files = unzipSync(new Uint8Array(fs.readFileSync(out)));
    const names = Object.keys(files).map((f) => f.replace(/^fusionlab-pytorch\//, ''));
    expect(names.sort()).toEqual(['README.md', 'data.py', 'fusionlab_layers.py', 'model.py', 'preprocess.json', 'train.py', 'weights.npz']);
    const flat: Record<string, Uint8Array> = {};
    for (const [k, v] of Object.entries(files)) flat[k.replace(/^fusionlab-pytorch\//, '')] = v;
    expect(new TextDecoder().decode(flat['README.md'])).toContain('torchrun --nproc_per_node');
    expect(JSON.parse(new TextDecoder().decode(flat['preprocess.json']))).toEqual(fitted);

    const xs = randomInputs(c.model, ['input.image', 'input.audio'], 4);
    const ys = c.model.predict(xs) as tf.Tensor[];
    const inputNames = ['handwritten_digit', 'spoken_digit'];
    const dir = writeFiles('cli-bundle-torch', {
      ...flat,
      'check.py': TORCH_CHECK,
      'inputs.npz': npzOf(Object.fromEntries(inputNames.map((n, k) => [n, xs[k]]))),
      'expected.npz': npzOf(Object.fromEntries(ys.map((y, k) => [`out${k}`, y]))),
    });
    const check = lastJson(python(['check.py'], dir)) as { params: number; diffs: number[] };
    expect(check.params).toBe(c.summary.trainableParams);
    expect(check.diffs).toHaveLength(3);
    for (const d of check.diffs) expect(d).toBeLessThan(1e-4);

    // The tfjs export of the same bundle ships the app's model.json + weights.bin.
    const tfjsOut = path.join(TMP, 'cli-export-tfjs.zip');
    expect((await cli(['export', bundle, '--target', 'tfjs', '--out', tfjsOut])).code).toBe(0);
    expect(Object.keys(unzipSync(new Uint8Array(fs.readFileSync(tfjsOut)))).sort()).toEqual(
      ['README.md', 'model.json', 'model.ts', 'preprocess.json', 'weights.bin'].map((f) => `fusionlab-tfjs/${f}`),
    );
    tf.dispose([...xs, ...ys]);
    c.model.dispose();
  }, 120_000);
});
