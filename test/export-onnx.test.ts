/**
 * The ONNX export (engine/export/onnx): graphs of the standard layer vocabulary written as
 * opset-17 models with the compiled model's weights, loaded in onnxruntime-node and compared with
 * tfjs on the same random inputs (within 1e-4); graphs with a layer the export does not cover yet
 * get a diagnostic naming the node, never a broken file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { wasmBinaryUrls } from '../components/train/wasmUrls';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { readBundle } from '../engine/bundle';
import { compileGraph } from '../engine/compile';
import { exportOnnx, ONNX_OPSET } from '../engine/export/onnx';
import { transposeArray } from '../engine/export/onnx/layers';
import type { GraphDoc } from '../engine/graph';
import { registry } from '../nodes';
import { registerCustomLayers } from '../nodes/shared';
import { graph } from './fixtures/graphs';
import { kindGraphs, UNEXPORTABLE_KINDS } from './fixtures/kind-graphs';
import { sessionHarness, signsDataset, signsGraph } from './fixtures/signs';
import { loadTemplate, PYTHON, ROOT, templateNames } from './fixtures/export-harness';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Seeded inputs for each model input: floats in [-1, 1]; token rows as the featuriser writes them,
 * ids in [1, 20) then padding (0) to the end, one row all padding (an empty text).
 */
function randomInputs(model: tf.LayersModel, tokens: boolean[], batch: number): tf.Tensor[] {
  let s = 12345;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return model.inputs.map((t, k) => {
    const shape = [batch, ...(t.shape.slice(1) as number[])];
    const n = shape.reduce((a, b) => a * b, 1);
    if (!tokens[k]) return tf.tensor(Float32Array.from({ length: n }, () => 2 * rnd() - 1), shape, t.dtype as 'float32' | 'int32');
    const len = n / batch;
    const ids = new Float32Array(n);
    for (let b = 0; b < batch; b++) {
      const used = b === batch - 1 ? 0 : 1 + Math.floor(rnd() * len);
      for (let j = 0; j < used; j++) ids[b * len + j] = 1 + Math.floor(rnd() * 19);
    }
    return tf.tensor(ids, shape, t.dtype as 'float32' | 'int32');
  });
}

/**
 * Every weight of `model` replaced by seeded values far from its initialisation (biases and batch
 * norm statistics included; variances kept positive), as training leaves them: the export must
 * map each one to the right place, which freshly initialised zeros and ones cannot show.
 */
function scrambleWeights(model: tf.LayersModel): void {
  let s = 777;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const next = model.weights.map((w) => {
    const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    const positive = /variance/i.test(w.originalName);
    return tf.tensor(Float32Array.from({ length: n }, () => (positive ? 0.5 + rnd() : 0.6 * (2 * rnd() - 1))), w.shape as number[]);
  });
  model.setWeights(next);
  tf.dispose(next);
}

/** Every model written by `parity`, checked by the ONNX project's own checker at the end. */
const CHECK_DIR = mkdtempSync(path.join(os.tmpdir(), 'fusionlab-onnx-check-'));
let written = 0;

/** Max |tfjs − onnxruntime| over every output of `g`, or the export's diagnostics. */
async function parity(g: GraphDoc, opts: { scramble?: boolean } = {}): Promise<{ ok: true; delta: number; outputs: string[] } | { ok: false; messages: string[] }> {
  const compiled = compileGraph(g, registry, { tf, seed: 7 });
  if (!compiled.ok) throw new Error(compiled.diagnostics.map((d) => d.message).join(' '));
  const model = compiled.model;
  if (opts.scramble) scrambleWeights(model);
  const r = exportOnnx(g, registry, model);
  if (!r.ok) {
    model.dispose();
    return { ok: false, messages: r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message) };
  }
  writeFileSync(path.join(CHECK_DIR, `${String(++written).padStart(3, '0')}-${g.name.replace(/[^A-Za-z0-9]+/g, '_')}.onnx`), r.bytes!);
  const xs = randomInputs(model, r.inputs.map((i) => i.dtype === 'int32'), 3);
  const expected = ([] as tf.Tensor[]).concat(model.predict(xs) as tf.Tensor | tf.Tensor[]);
  const session = await ort.InferenceSession.create(r.bytes!);
  const feeds: Record<string, ort.Tensor> = {};
  r.inputs.forEach((inp, k) => {
    const data = xs[k].dataSync();
    feeds[inp.nodeId] = new ort.Tensor(inp.dtype, inp.dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data), xs[k].shape);
  });
  const got = await session.run(feeds);
  let delta = 0;
  r.outputs.forEach((o, k) => {
    const want = expected[k].dataSync();
    const have = got[o.nodeId].data as Float32Array;
    expect(have.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) delta = Math.max(delta, Math.abs(want[i] - have[i]));
  });
  tf.dispose([...xs, ...expected]);
  model.dispose();
  return { ok: true, delta, outputs: r.outputs.map((o) => o.nodeId) };
}

describe('ONNX export', () => {
  it(`writes opset ${ONNX_OPSET} and agrees with tfjs on dense, convolution, pooling and batch norm, every element-wise merge, GRU and LSTM (one way and both), and cross-attention over tokens and over a sequence`, async () => {
    const g = graph(
      [
        ['img', 'input.image', { column: 'image', height: 12, width: 10, channels: 3 }],
        ['tab', 'input.tabular', { columns: ['a', 'b', 'c'] }],
        ['cnn', 'encoder.image-cnn', { batchNorm: true }],
        ['mlp', 'encoder.tabular-mlp', { units: 8, layers: 2 }],
        ['mix', 'encoder.dense', { units: 8 }],
        ['cat', 'fusion.concat'],
        ['out', 'head.classify', { column: 'label', classes: 3 }],
        ['reg', 'head.regress', { column: 'y' }],
      ],
      ['img.out->cnn.in', 'tab.out->mlp.in', 'cnn.out->cat.in', 'mlp.out->cat.in', 'cat.out->mix.in', 'mix.out->out.in', 'mix.out->reg.in'],
    );
    const r = await parity(g);
    if (!r.ok) throw new Error(r.messages.join(' | '));
    expect(r.outputs).toEqual(['out', 'reg']);
    expect(r.delta).toBeLessThan(1e-4);
    // Recurrent text encoders: LSTM and GRU, one way and both ways (their last states; the
    // sequence output has no consumer a head can follow in the catalogue).
    for (const [cell, bidirectional] of [['lstm', false], ['lstm', true], ['gru', false]] as const) {
      const r = graph(
        [
          ['txt', 'input.text', { column: 'text', seqLength: 7, vocabSize: 20 }],
          ['rnn', 'encoder.text-rnn', { vocabSize: 20, dim: 5, units: 4, cell, bidirectional }],
          ['out', 'head.classify', { column: 'label', classes: 3 }],
        ],
        ['txt.out->rnn.in', 'rnn.out->out.in'],
      );
      const p = await parity(r);
      if (!p.ok) throw new Error(`${cell} ${bidirectional}: ${p.messages.join(' | ')}`);
      expect(p.delta, `${cell}${bidirectional ? ' bidirectional' : ''}`).toBeLessThan(1e-4);
    }
    // Cross-attention over a sequence context (a recurrent encoder's steps, padding zeroed by its MaskSteps).
    const seqContext = graph(
      [
        ['txt', 'input.text', { column: 'text', seqLength: 6, vocabSize: 20 }],
        ['tab', 'input.tabular', { columns: ['a'] }],
        ['rnn', 'encoder.text-rnn', { vocabSize: 20, dim: 4, units: 4, output: 'sequence' }],
        ['mlp', 'encoder.tabular-mlp', { units: 4, layers: 1 }],
        ['att', 'fusion.cross-attention', {}],
        ['out', 'head.classify', { column: 'label', classes: 2 }],
      ],
      ['txt.out->rnn.in', 'tab.out->mlp.in', 'mlp.out->att.query', 'rnn.out->att.context', 'att.out->out.in'],
    );
    for (const scramble of [false, true]) {
      const sc = await parity(seqContext, { scramble });
      if (!sc.ok) throw new Error(`sequence context: ${sc.messages.join(' | ')}`);
      expect(sc.delta, 'cross-attention over a sequence').toBeLessThan(1e-4);
    }
    // Cross-attention over a feature context split into 4 tokens (queries, keys, values, 2 heads).
    const xa = graph(
      [
        ['a', 'input.tabular', { columns: ['a', 'b'] }],
        ['b', 'input.tabular', { columns: ['c', 'd'] }],
        ['ea', 'encoder.tabular-mlp', { units: 6, layers: 1 }],
        ['eb', 'encoder.tabular-mlp', { units: 8, layers: 1 }],
        ['f', 'fusion.cross-attention', { heads: 2, keyDim: 3, tokens: 4 }],
        ['out', 'head.classify', { column: 'label', classes: 2 }],
      ],
      ['a.out->ea.in', 'b.out->eb.in', 'ea.out->f.query', 'eb.out->f.context', 'f.out->out.in'],
    );
    const x = await parity(xa);
    if (!x.ok) throw new Error(`cross-attention: ${x.messages.join(' | ')}`);
    expect(x.delta, 'cross-attention').toBeLessThan(1e-4);
    for (const op of ['add', 'average', 'multiply', 'max']) {
      const m = graph(
        [
          ['a', 'input.tabular', { columns: ['a', 'b'] }],
          ['b', 'input.tabular', { columns: ['c', 'd'] }],
          ['ea', 'encoder.tabular-mlp', { units: 6, layers: 1 }],
          ['eb', 'encoder.tabular-mlp', { units: 6, layers: 1 }],
          ['f', `fusion.${op}`],
          ['out', 'head.classify', { column: 'label', classes: 2 }],
        ],
        ['a.out->ea.in', 'b.out->eb.in', 'ea.out->f.in', 'eb.out->f.in', 'f.out->out.in'],
      );
      const p = await parity(m);
      if (!p.ok) throw new Error(`${op}: ${p.messages.join(' | ')}`);
      expect(p.delta, op).toBeLessThan(1e-4);
    }
  });

  it('the templates: each either agrees with tfjs within 1e-4 or names the node the export does not cover yet', async () => {
    const seen: string[] = [];
    for (const name of templateNames()) {
      const r = await parity(loadTemplate(name));
      if (r.ok) {
        expect(r.delta, name).toBeLessThan(1e-4);
        // The same with every weight moved far from its initial value (as a trained model's are).
        const moved = await parity(loadTemplate(name), { scramble: true });
        if (!moved.ok) throw new Error(moved.messages.join(' '));
        expect(moved.delta, `${name}, scrambled weights`).toBeLessThan(1e-4);
        seen.push(`${name}: max |Δ| ${r.delta.toExponential(1)}, weights moved ${moved.delta.toExponential(1)}`);
      } else {
        for (const m of r.messages) expect(m, name).toMatch(/cannot be exported to ONNX yet/);
        seen.push(`${name}: ${r.messages[0]}`);
      }
    }
    console.log(`  ${seen.join('\n  ')}`);
    expect(seen.filter((s) => s.includes('max |Δ|')).length).toBe(templateNames().length);
  }, 120_000);

  it('one graph per registry kind: each either agrees with tfjs within 1e-4 or names the node the export does not cover yet', async () => {
    const done: string[] = [];
    const notYet: string[] = [];
    for (const [kind, g] of kindGraphs(registry)) {
      if (!g || UNEXPORTABLE_KINDS.includes(kind)) continue;
      const r = await parity(g);
      if (r.ok) {
        expect(r.delta, kind).toBeLessThan(1e-4);
        const moved = await parity(g, { scramble: true });
        expect(moved.ok && moved.delta, `${kind}, scrambled weights`).toBeLessThan(1e-4);
        done.push(kind);
      } else {
        for (const m of r.messages) expect(m, kind).toMatch(/cannot be exported to ONNX yet/);
        notYet.push(kind);
      }
    }
    console.log(`  in ONNX, fresh and scrambled weights (${done.length}): ${done.join(', ')}`);
    expect(notYet).toEqual([]);
  }, 120_000);

  it('fusionlab export --target onnx: a trained bundle as model.onnx with its preprocessing beside it, predicting as the bundle does', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fusionlab-onnx-'));
    try {
      const cli = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/fusionlab.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
      expect(cli(['data', 'demo', path.join(dir, 'demo'), '--rows', '80']).status).toBe(0);
      const trained = cli(['train', 'templates/demo.json', '--data', path.join(dir, 'demo'), '--epochs', '1', '--out', path.join(dir, 'demo.zip')]);
      expect(trained.status, trained.stderr).toBe(0);
      const r = cli(['export', path.join(dir, 'demo.zip'), '--target', 'onnx', '--out', path.join(dir, 'demo.onnx'), '--json']);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { ok: boolean; opset: number; trained: boolean; preprocess: string };
      expect(out).toMatchObject({ ok: true, opset: 17, trained: true });
      const side = JSON.parse(readFileSync(out.preprocess, 'utf8')) as { inputs: { nodeId: string; dtype: string }[]; outputs: { nodeId: string }[]; fitted: { inputs: Record<string, unknown> } };
      expect(side.inputs.map((i) => [i.nodeId, i.dtype])).toEqual([['picture', 'float32'], ['caption', 'int32'], ['tone', 'float32'], ['numbers', 'float32']]);
      expect(Object.keys(side.fitted.inputs).sort()).toEqual(['caption', 'numbers', 'picture', 'tone']);
      const bundle = await readBundle(tf, new Uint8Array(readFileSync(path.join(dir, 'demo.zip'))), (t) => registerCustomLayers(t));
      if (!bundle.ok) throw new Error(bundle.message);
      const xs = randomInputs(bundle.bundle.model, side.inputs.map((i) => i.dtype === 'int32'), 4);
      const want = (bundle.bundle.model.predict(xs) as tf.Tensor).dataSync();
      const session = await ort.InferenceSession.create(readFileSync(path.join(dir, 'demo.onnx')));
      expect(session.inputNames).toEqual(['picture', 'caption', 'tone', 'numbers']);
      expect(session.outputNames).toEqual(['answer']);
      const feeds = Object.fromEntries(side.inputs.map((inp, k) => [inp.nodeId, new ort.Tensor(inp.dtype as 'float32' | 'int32', inp.dtype === 'int32' ? Int32Array.from(xs[k].dataSync()) : Float32Array.from(xs[k].dataSync()), xs[k].shape)]));
      const got = (await session.run(feeds)).answer.data as Float32Array;
      let delta = 0;
      for (let i = 0; i < want.length; i++) delta = Math.max(delta, Math.abs(want[i] - got[i]));
      console.log(`  trained demo bundle → ONNX: max |Δ| ${delta.toExponential(1)}`);
      expect(delta).toBeLessThan(1e-4);
      tf.dispose(xs);
      bundle.bundle.model.dispose();
      // The README's JavaScript snippet runs as written on the exported files.
      const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
      const section = readme.slice(readme.indexOf('## ONNX: the model for every runtime'));
      const snippet = section.slice(section.indexOf('```js\n') + 6, section.indexOf('```', section.indexOf('```js\n') + 6));
      const run = path.join(ROOT, 'test-results', 'onnx-readme');
      mkdirSync(run, { recursive: true });
      writeFileSync(path.join(run, 'model.onnx'), readFileSync(path.join(dir, 'demo.onnx')));
      writeFileSync(path.join(run, 'model.preprocess.json'), readFileSync(out.preprocess));
      writeFileSync(path.join(run, 'snippet.mjs'), snippet);
      const ran = spawnSync(process.execPath, ['snippet.mjs'], { cwd: run, encoding: 'utf8', timeout: 60_000 });
      expect(ran.status, ran.stderr).toBe(0);
      expect(ran.stdout).toMatch(/answer/);
      // A kind that is not in the ONNX export yet: exit 1, the node named, no file.
      // A graph with an error: exit 1 with its diagnostics, and no file.
      writeFileSync(path.join(dir, 'tt.json'), JSON.stringify(graph([['tab', 'input.tabular', { columns: ['a'] }], ['enc', 'encoder.nothing-like-this'], ['out', 'head.classify', { column: 'label', classes: 2 }]], ['tab.out->enc.in', 'enc.out->out.in'])));
      const bad = cli(['export', path.join(dir, 'tt.json'), '--target', 'onnx', '--out', path.join(dir, 'tt.onnx')]);
      expect(bad.status, bad.stderr).toBe(1);
      expect(bad.stderr).toMatch(/error/);
      expect(existsSync(path.join(dir, 'tt.onnx'))).toBe(false);
      expect(cli(['export', 'templates/demo.json', '--target', 'onnx']).status).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  // Debian's python3-onnx (installed by scripts/install-test-deps.sh): the official checker, with shape inference.
  const hasChecker = spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasChecker && !process.env.CI)('every model written above passes the ONNX checker (python3-onnx, full check)', () => {
    expect(written).toBeGreaterThan(30);
    const r = spawnSync(PYTHON, [path.join(ROOT, 'test/fixtures/python/onnx_check.py'), CHECK_DIR], { encoding: 'utf8', timeout: 300_000 });
    console.log(`  onnx.checker: ${r.stdout.split('\n').filter((l) => l.startsWith('ok')).length} files ok`);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    rmSync(CHECK_DIR, { recursive: true, force: true });
  }, 300_000);

  it('the Code panel\'s ONNX button (the training session): the graph freshly initialised before training, the trained model after', async () => {
    const h = sessionHarness();
    await h.handle({ type: 'init', preferred: 'cpu', wasmUrls: wasmBinaryUrls() });
    await h.handle({ type: 'export-onnx', graph: signsGraph() });
    const untrained = h.last('bundle');
    if (!untrained) throw new Error(`no ONNX zip: ${JSON.stringify(h.of('error'))}`);
    expect(untrained.name).toBe('signs-onnx.zip');
    const files = unzipSync(untrained.bytes);
    expect(Object.keys(files).sort()).toEqual(['signs-onnx/model.onnx', 'signs-onnx/model.preprocess.json']);
    const data = await signsDataset(signsGraph(), { seed: 3, rows: 120, trainEnd: 90, valEnd: 105 });
    await h.handle({ type: 'train', graph: signsGraph(), config: { optimizer: 'adam', learningRate: 0.05, momentum: 0.9, batchSize: 16, epochs: 2, patience: 0, seed: 3, modalityDropout: 0 }, dataset: data });
    await h.handle({ type: 'export-onnx', graph: signsGraph() });
    const trained = h.last('bundle');
    expect(trained?.name).toBe('signs-onnx-trained.zip');
    const side = JSON.parse(strFromU8(unzipSync(trained!.bytes)['signs-onnx/model.preprocess.json'])) as { fitted: { heads: Record<string, { classes: string[] }> } };
    expect(side.fitted.heads.out.classes).toEqual(['neg', 'pos']);
  });

  it('permutes a kernel as ONNX wants it', () => {
    // [2, 3] → [3, 2]
    expect(transposeArray(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], [1, 0])).toEqual({ values: Float32Array.from([1, 4, 2, 5, 3, 6]), shape: [3, 2] });
  });
});
