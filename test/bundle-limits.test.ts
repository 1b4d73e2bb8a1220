/**
 * Untrusted bundles and project files (issue 13): the zip's limits are checked before anything is
 * inflated, model.json's topology before tfjs builds anything, its size before tfjs allocates
 * anything, and fitted.json / bundle.json by schema with bounds; every refusal names the file and
 * the field. Also: the layer classes allowed in model.json cover every template and every node
 * kind, and fitted.json's bounds are the input nodes' own.
 */
import { runtimeProblem } from '../engine/export/runtime';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUNDLE_LIMITS, readBundle, writeBundle } from '../engine/bundle';
import { compileGraph } from '../engine/compile';
import { audioFeatureShape } from '../engine/data/audio';
import type { FittedState } from '../engine/data/loader';
import { INPUT_KINDS } from '../engine/data/params';
import { predictArrays } from '../engine/evaluate';
import { FITTED_PARAMS } from '../engine/fitted-schema';
import { parseGraphText, type GraphDoc } from '../engine/graph';
import { allowedLayerClasses, checkModelJson, CONTAINER_CLASSES, loadCheckedModel, measureModelJson, NODE_LAYER_CLASSES, registeredCustomLayerClasses } from '../engine/model-json';
import { newProject } from '../engine/project/project';
import { readModelFile, readProjectFile, writeProjectFile } from '../engine/project/project-file';
import { serialiseModel } from '../engine/bundle';
import { declaredEntryCount } from '../engine/zip-limits';
import type { AnyNodeSpec, InferInputs, TensorKind } from '../engine/spec';
import { registry } from '../nodes';
import { customLayers, registerCustomLayers } from '../nodes/shared';
import { graph } from './fixtures/graphs';
import { templates } from './fixtures/template-files';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const register = (t: typeof tf) => registerCustomLayers(t);

function mixGraph(): GraphDoc {
  return graph(
    [
      ['words', 'input.text', { column: 'text', vocabSize: 20, seqLength: 6 }],
      ['nums', 'input.tabular', { columns: ['a', 'b'], categorical: [{ column: 'colour', cardinality: 3 }] }],
      ['sound', 'input.audio', { column: 'audio', sampleRate: 1000, clipSeconds: 0.1, melBins: 4, frameLength: 16, hop: 8 }],
      ['wordsEnc', 'encoder.text-embedding', { vocabSize: 20, dim: 4 }],
      ['numsEnc', 'encoder.tabular-mlp', { units: 4 }],
      ['soundEnc', 'encoder.audio-cnn', { filters: 2, blocks: 1, units: 4 }],
      ['fuse', 'fusion.concat', {}],
      ['out', 'head.classify', { column: 'label', classes: 2 }],
    ],
    ['words.out->wordsEnc.in', 'nums.out->numsEnc.in', 'sound.out->soundEnc.in', 'wordsEnc.out->fuse.in', 'numsEnc.out->fuse.in', 'soundEnc.out->fuse.in', 'fuse.out->out.in'],
    'Mix',
  );
}

function paramsOf(g: GraphDoc, id: string): Record<string, unknown> {
  const n = g.nodes.find((x) => x.id === id);
  if (!n) throw new Error(id);
  return (registry.get(n.kind) as AnyNodeSpec).params.parse(n.params) as Record<string, unknown>;
}

/** The fitted state the loader would write for {@link mixGraph}, by hand. */
function mixFitted(g: GraphDoc): FittedState {
  const audio = paramsOf(g, 'sound') as unknown as Parameters<typeof audioFeatureShape>[0];
  return {
    format: 'fusionlab/fitted',
    version: 1,
    inputs: {
      words: { kind: 'input.text', columns: ['text'], shape: [6], params: paramsOf(g, 'words') as never, vocab: ['<pad>', '<unk>', 'the', 'cat'] },
      nums: { kind: 'input.tabular', columns: ['a', 'b', 'colour'], shape: [5], params: paramsOf(g, 'nums') as never, fitted: { means: [0.5, -1], stds: [2, 0.5], categories: [['red', 'blue']] } },
      sound: { kind: 'input.audio', columns: ['audio'], shape: audioFeatureShape(audio), params: audio as never, mean: -3, std: 1.5 },
    },
    heads: { out: { task: 'classify', column: 'label', classes: ['no', 'yes'] } },
  };
}

async function mixBundle(): Promise<Uint8Array> {
  const g = mixGraph();
  const c = compileGraph(g, registry, { tf, seed: 2 });
  if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
  const zip = await writeBundle(tf, { model: c.model, graph: g, fitted: mixFitted(g), io: { inputs: c.summary.inputs, outputs: c.summary.outputs }, training: { epochs: 1 } });
  c.model.dispose();
  return zip;
}

/** The bundle's entries as text or bytes, for editing. */
function entries(zip: Uint8Array): Record<string, Uint8Array> {
  return unzipSync(zip);
}

// any: the tests reach into hostile JSON freely, field by field.
function json(files: Record<string, Uint8Array>, name: string): any {
  return JSON.parse(strFromU8(files[name]));
}

function rezip(files: Record<string, Uint8Array>, edits: Record<string, unknown> = {}): Uint8Array {
  const out: Zippable = { ...files };
  for (const [k, v] of Object.entries(edits)) out[k] = v instanceof Uint8Array ? v : strToU8(typeof v === 'string' ? v : JSON.stringify(v));
  return zipSync(out);
}

async function refused(zip: Uint8Array, limits = {}): Promise<string> {
  const r = await readBundle(tf, zip, register, limits);
  if (r.ok) {
    r.bundle.model.dispose();
    throw new Error('expected the bundle to be refused');
  }
  return r.message;
}

describe('allowed layer classes', () => {
  /** Every layer class in a model, wrapped and nested layers included. */
  function classesOf(model: tf.LayersModel): Set<string> {
    const out = new Set<string>();
    const stack: tf.layers.Layer[] = [...model.layers];
    while (stack.length) {
      const l = stack.pop() as tf.layers.Layer & { layers?: tf.layers.Layer[]; layer?: tf.layers.Layer; forwardLayer?: tf.layers.Layer; backwardLayer?: tf.layers.Layer };
      out.add(l.getClassName());
      for (const x of [...(l.layers ?? []), l.layer, l.forwardLayer, l.backwardLayer]) if (x) stack.push(x);
    }
    return out;
  }

  it('every template compiles to allowed classes only, and its bundle reads back', async () => {
    register(tf);
    const allowed = allowedLayerClasses(tf);
    for (const t of templates()) {
      const p = parseGraphText(t.text);
      if (!p.ok) throw new Error(t.id);
      const c = compileGraph(p.graph, registry, { tf, seed: 1 });
      if (!c.ok) throw new Error(t.id);
      for (const cls of classesOf(c.model)) expect(allowed.has(cls), `${t.id}: ${cls}`).toBe(true);
      const zip = await writeBundle(tf, { model: c.model, graph: p.graph, fitted: { format: 'fusionlab/fitted', version: 1, inputs: {}, heads: {} }, io: { inputs: c.summary.inputs, outputs: c.summary.outputs } });
      c.model.dispose();
      const r = await readBundle(tf, zip, register);
      if (!r.ok) throw new Error(`${t.id}: ${r.message}`);
      r.bundle.model.dispose();
    }
  });

  const SAMPLES: Record<TensorKind, number[][]> = { image: [[12, 12, 3]], audio: [[16, 12, 1], [256]], tokens: [[10]], tabular: [[5]], video: [[3, 12, 12, 3]], sequence: [[6, 8]], features: [[8]], prediction: [[3]] };
  const VARIANTS: Record<string, Record<string, unknown>[]> = {
    'encoder.image-cnn': [{ batchNorm: false, pooling: 'avg', ending: 'flatten', dropout: 0.2, blocks: 1 }],
    'encoder.audio-cnn1d': [{ blocks: 1, poolSize: 2, kernelSize: 3, batchNorm: false }],
    'encoder.text-embedding': [{ pooling: 'max', dropout: 0.1 }],
    'encoder.text-rnn': [{ cell: 'lstm', bidirectional: true, output: 'sequence', dropout: 0.1 }, { cell: 'gru', bidirectional: true }],
    'encoder.text-cnn': [{ minWidth: 2, widths: 1, dropout: 0.3 }],
    'encoder.text-transformer': [{ output: 'sequence', blocks: 2, heads: 4 }],
    'encoder.video-cnn': [{ temporal: 'gru', batchNorm: false }, { temporal: 'max', ending: 'flatten' }],
    'head.classify': [{ hidden: 5, dropout: 0.2, classes: 4 }],
  };
  function userModels(): Map<string, tf.LayersModel> {
    const seq = tf.sequential({ name: 'user_seq', layers: [tf.layers.dense({ inputShape: [8], units: 6, activation: 'relu', name: 'u1' }), tf.layers.dense({ units: 4, name: 'u2', kernelInitializer: 'orthogonal' })] });
    const x = tf.input({ shape: [8], name: 'u_in' });
    const y = tf.layers.dense({ units: 4, name: 'u_dense' }).apply(tf.layers.leakyReLU({ name: 'u_relu' }).apply(x)) as tf.SymbolicTensor;
    return new Map<string, tf.LayersModel>([
      ['seq', seq],
      ['fn', tf.model({ inputs: x, outputs: y, name: 'user_fn' })],
    ]);
  }

  it('every node kind (and its variants) builds allowed classes only, each custom layer has its tfjs, Keras and PyTorch runtimes, and its model.json passes the checks and the measurement', async () => {
    register(tf);
    const allowed = allowedLayerClasses(tf);
    const assets = userModels();
    let checkedKinds = 0;
    for (const spec of registry.all()) {
      const variants: Record<string, unknown>[] =
        spec.kind === 'encoder.pretrained'
          ? [{ asset: 'seq', inputShape: [8], outputWidth: 4 }, { asset: 'fn', inputShape: [8], outputWidth: 4, fineTune: true }]
          : [{}, ...(VARIANTS[spec.kind] ?? [])];
      for (const v of variants) {
        const params = spec.params.parse({ ...(spec.kind.startsWith('encoder.text') ? { vocabSize: 64 } : {}), ...v }) as Record<string, unknown>;
        const ports = spec.ports(params).inputs;
        let sample: { inputs: InferInputs; outputs: Record<string, { kind: TensorKind; shape: number[] }> } | null = null;
        for (let c = 0; c < 2 && !sample; c++) {
          const inputs: InferInputs = {};
          for (const port of ports) {
            const k = spec.kind === 'encoder.pretrained' ? 'features' : port.accepts[0];
            const cs = SAMPLES[k];
            const n = port.multiple ? ((port.minConnections ?? 1) > 2 ? 3 : 2) : 1;
            inputs[port.id] = Array.from({ length: n }, () => ({ kind: k, shape: [...cs[Math.min(c, cs.length - 1)]] }));
          }
          const r = spec.infer(inputs, params);
          if (r.ok) sample = { inputs, outputs: r.outputs };
        }
        if (!sample) throw new Error(`${spec.kind}: no sample inputs fit`);
        const symbolic = Object.fromEntries(Object.entries(sample.inputs).map(([p, ts]) => [p, ts.map((t) => tf.input({ shape: t.shape }))]));
        let seed = 1;
        const built = spec.build({ tf, nodeId: 'n', name: (s) => `n__${s}`, seed: () => seed++, inputTypes: sample.inputs, outputTypes: sample.outputs, assets }, symbolic, params);
        const outs = Object.values(built);
        const ins = Object.values(symbolic).flat();
        const model = ins.length ? tf.model({ inputs: ins, outputs: outs }) : tf.model({ inputs: outs.map((o) => o.sourceLayer.inboundNodes[0].inputTensors[0]), outputs: outs });
        for (const cls of classesOf(model)) {
          if (cls.startsWith('FusionLab>')) {
            const layer = customLayers().find((l) => l.className === cls);
            expect(layer, `${spec.kind}: ${cls} is defined with defineCustomLayer`).toBeDefined();
            for (const target of ['tfjs', 'keras', 'pytorch'] as const) expect(runtimeProblem(layer!, target), `${spec.kind}: ${cls} has a ${target} runtime`).toBeNull();
          }
          const nested = spec.kind === 'encoder.pretrained' && !['Dense', 'Flatten', 'InputLayer'].includes(cls);
          if (!nested) expect(allowed.has(cls) || CONTAINER_CLASSES.includes(cls), `${spec.kind} ${JSON.stringify(v)}: ${cls}`).toBe(true);
        }
        const { modelJson, weights } = await serialiseModel(tf, model);
        const checked = checkModelJson(JSON.parse(strFromU8(modelJson)), weights.length, { layerClasses: allowed });
        if (!checked.ok) throw new Error(`${spec.kind} ${JSON.stringify(v)}: ${checked.message}`);
        const measured = await measureModelJson(tf, checked);
        if (!measured.ok) throw new Error(`${spec.kind} ${JSON.stringify(v)}: ${measured.message}`);
        expect(measured.size.params, spec.kind).toBe(model.countParams());
        // The checked topology (initializers zeroed) loads and predicts the same.
        const read = await loadCheckedModel(tf, checked, weights.slice().buffer);
        if (!read.ok) throw new Error(`${spec.kind} ${JSON.stringify(v)}: ${read.message}`);
        const loaded = read.model;
        const xs = model.inputs.map((t, i) => tf.randomUniform([2, ...(t.shape.slice(1) as number[])], 0, 5, 'int32', 7 + i).cast('float32'));
        const a = [model.predict(xs)].flat() as tf.Tensor[];
        const b = [loaded.predict(xs)].flat() as tf.Tensor[];
        for (let i = 0; i < a.length; i++) expect(tf.tidy(() => a[i].sub(b[i]).abs().max().dataSync()[0]), `${spec.kind} output ${i}`).toBeLessThanOrEqual(1e-5);
        tf.dispose([...xs, ...a, ...b]);
        loaded.dispose();
        model.dispose();
        checkedKinds++;
      }
    }
    expect(checkedKinds).toBeGreaterThan(registry.all().length);
    for (const m of assets.values()) m.dispose();
  });

  it('the custom classes are the ones registered at run time', () => {
    const names = registerCustomLayers(tf);
    expect(new Set(registeredCustomLayerClasses(tf))).toEqual(new Set(names));
    for (const n of NODE_LAYER_CLASSES) expect(n.includes('>')).toBe(false);
  });
});

describe('fitted.json bounds are the input nodes\' own', () => {
  type Num = { minValue?: number | null; maxValue?: number | null; isInt?: boolean };
  function unwrap(s: unknown): unknown {
    let x = s as { _zod?: { def?: { type?: string; innerType?: unknown } } };
    for (let i = 0; i < 5 && x?._zod?.def?.innerType && x._zod.def.type !== 'number'; i++) x = x._zod.def.innerType as typeof x;
    return x;
  }

  for (const kind of INPUT_KINDS) {
    it(kind, () => {
      const node = (registry.get(kind) as AnyNodeSpec).params;
      const fitted = FITTED_PARAMS[kind];
      // The same defaults.
      expect(fitted.parse({})).toEqual(node.parse({}));
      const shape = node.shape as Record<string, unknown>;
      for (const [field, s] of Object.entries(shape)) {
        const n = unwrap(s) as Num & { _zod?: { def?: { type?: string } } };
        if (n?._zod?.def?.type !== 'number') continue;
        const base = node.parse({}) as Record<string, unknown>;
        const probe = (v: number) => ({ node: node.safeParse({ ...base, [field]: v }).success, fitted: fitted.safeParse({ ...base, [field]: v }).success });
        for (const v of [n.minValue, n.maxValue]) if (typeof v === 'number' && Number.isFinite(v)) expect(probe(v), `${kind}.${field} = ${v}`).toEqual({ node: true, fitted: true });
        if (typeof n.minValue === 'number' && Number.isFinite(n.minValue)) expect(probe(n.minValue - 1), `${kind}.${field} below`).toEqual({ node: false, fitted: false });
        if (typeof n.maxValue === 'number' && Number.isFinite(n.maxValue)) expect(probe(n.maxValue + 1), `${kind}.${field} above`).toEqual({ node: false, fitted: false });
      }
    });
  }
});

describe('hostile bundles are refused with the file and field named', () => {
  it('the real bundle reads and predicts; its fitted state comes back as written', async () => {
    const zip = await mixBundle();
    const r = await readBundle(tf, zip, register);
    if (!r.ok) throw new Error(r.message);
    expect(JSON.parse(JSON.stringify(r.bundle.fitted))).toEqual(mixFitted(mixGraph()));
    expect(Object.getPrototypeOf(r.bundle.fitted.inputs)).toBeNull();
    const io = r.bundle.meta.io;
    const inputs = Object.fromEntries(io.inputs.map((i) => [i.nodeId, new Float32Array(i.shape.reduce((a, b) => a * b, 1))]));
    expect(predictArrays(tf, r.bundle.model, io, inputs, 1)[0].length).toBe(2);
    r.bundle.model.dispose();
  });

  it('zip limits: entries, expanded total, each entry, duplicate names; checked before inflating', async () => {
    const zip = await mixBundle();
    const files = entries(zip);
    expect(await refused(zip, { maxArchiveEntries: 4 })).toBe('The bundle holds 5 files, over the limit maxArchiveEntries = 4.');
    expect(await refused(zip, { maxArchiveExpandedBytes: 1000 })).toMatch(/^The bundle expands to .*, over the limit maxArchiveExpandedBytes = 1000 B\.$/);
    expect(await refused(zip, { maxManifestBytes: 100 })).toMatch(/^"(model|graph|fitted|bundle)\.json" in the bundle is .*, over the limit maxManifestBytes = 100 B\.$/);
    expect(await refused(zip, { maxParams: 10 })).toMatch(/"weights\.bin" in the bundle is .*, over the limit 4 bytes × maxParams = 40 B/);
    // A weights.bin of zeros that deflates to a few kilobytes: refused from the directory alone.
    const bomb = rezip(files, { 'weights.bin': new Uint8Array(16 * 1024 * 1024) });
    expect(bomb.length).toBeLessThan(100_000);
    expect(await refused(bomb, { maxParams: 1_000_000 })).toBe('"weights.bin" in the bundle is 16 MB, over the limit 4 bytes × maxParams = 3.8 MB.');
    // A directory that declares 4 GB for weights.bin (nothing behind it): refused before inflating.
    const declared = zip.slice();
    const dv = new DataView(declared.buffer);
    for (let i = 0; i + 46 < declared.length; i++) {
      if (dv.getUint32(i, true) !== 0x02014b50) continue;
      const nameLength = dv.getUint16(i + 28, true);
      if (strFromU8(declared.subarray(i + 46, i + 46 + nameLength)) === 'weights.bin') dv.setUint32(i + 24, 0xffffff00, true);
    }
    expect(await refused(declared)).toMatch(/^The bundle expands to 4\.0 GB, over the limit maxArchiveExpandedBytes = 2\.0 GB\.$/);
    expect(await refused(declared, { maxArchiveExpandedBytes: 8 * 1024 ** 3 })).toMatch(/^"weights\.bin" in the bundle is 4\.0 GB, over the limit 4 bytes × maxParams = 191 MB\.$/);
    // Two entries named model.json (graph.json renamed in place: same length).
    const dup = zip.slice();
    const from = strToU8('graph.json');
    const to = strToU8('model.json');
    for (let i = 0; i + from.length <= dup.length; i++) if (from.every((b, k) => dup[i + k] === b)) dup.set(to, i);
    expect(await refused(dup)).toBe('The bundle holds two entries named "model.json".');
    // Two bundles' worth of files in two folders.
    expect(await refused(rezip({ ...files, 'copy/fitted.json': files['fitted.json'] }))).toBe('The bundle holds two fitted.json files.');
  });

  it('a directory that claims four billion entries is refused after reading the limit, not four billion', async () => {
    const zip64 = new Uint8Array(56 + 20 + 22);
    const dv = new DataView(zip64.buffer);
    dv.setUint32(0, 0x06064b50, true); // zip64 end of central directory, at offset 0
    dv.setUint32(32, 4_000_000_000, true); // entries
    dv.setUint32(48, 0, true); // directory offset
    dv.setUint32(56, 0x07064b50, true); // zip64 locator
    dv.setUint32(56 + 8, 0, true); // where the zip64 record is
    dv.setUint32(76, 0x06054b50, true); // end of central directory
    dv.setUint16(76 + 8, 0xffff, true);
    dv.setUint16(76 + 10, 0xffff, true);
    expect(declaredEntryCount(zip64)).toBe(4_000_000_000);
    expect(await refused(zip64)).toBe(`The bundle holds 4000000000 files, over the limit maxArchiveEntries = ${DEFAULT_BUNDLE_LIMITS.maxArchiveEntries}.`);
    const p = readProjectFile(zip64);
    expect(p.ok).toBe(false);
    const m = await readModelFile(tf, zip64, register);
    expect(m.ok).toBe(false);
  });

  it('model.json: a cycle, a missing layer, a call that never happens, a reserved name, a class FusionLab does not build', async () => {
    const files = entries(await mixBundle());
    const model = json(files, 'model.json');
    const layers = model.modelTopology.config.layers as { name: string; class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[][][] }[];
    const dense = layers.findIndex((l) => l.class_name === 'Dense');
    const later = layers.findIndex((l, i) => i > dense && l.inbound_nodes.some((c) => c.some((ref) => ref[0] === layers[dense].name)));
    // any: model.json edited field by field.
    const edit = (f: (m: any) => void) => {
      const m = structuredClone(model);
      f(m);
      return rezip(files, { 'model.json': m });
    };
    // dense calls `later`, which calls dense: tfjs would loop forever.
    const cycle = edit((m) => (m.modelTopology.config.layers[dense].inbound_nodes = [[[layers[later].name, 0, 0, {}]]]));
    expect(await refused(cycle)).toMatch(/^model\.json: modelTopology\.config\.layers: the layers' calls form a cycle \(through the layer "[^"]+"\); a model's layers must run in an order\.$/);
    const self = edit((m) => (m.modelTopology.config.layers[dense].inbound_nodes = [[[layers[dense].name, 0, 0, {}]]]));
    expect(await refused(self)).toMatch(/form a cycle/);
    const missing = edit((m) => (m.modelTopology.config.layers[dense].inbound_nodes[0][0][0] = 'nowhere'));
    expect(await refused(missing)).toMatch(new RegExp(`^model\\.json: modelTopology\\.config\\.layers\\.${dense} \\(layer "${layers[dense].name}"\\): inbound_nodes\\.0\\.0 calls the layer "nowhere", which is not in the model\\.$`));
    const never = edit((m) => (m.modelTopology.config.layers[dense].inbound_nodes[0][0][1] = 3));
    expect(await refused(never)).toMatch(/uses call 3 of the layer "[^"]+", which is called 1 time\./);
    const proto = edit((m) => (m.modelTopology.config.layers[dense].name = '__proto__'));
    expect(await refused(proto)).toMatch(/name "__proto__" is not a layer name/);
    const ctor = edit((m) => (m.modelTopology.config.layers[dense].name = m.modelTopology.config.layers[dense].config.name = 'constructor'));
    expect(await refused(ctor)).toMatch(/name "constructor" is a reserved name/);
    const cls = edit((m) => (m.modelTopology.config.layers[dense].class_name = 'constructor'));
    expect(await refused(cls)).toMatch(/the class "constructor" is not a layer FusionLab reads/);
    const other = edit((m) => (m.modelTopology.config.layers[dense].class_name = 'ConvLSTM2D'));
    expect(await refused(other)).toMatch(/the class "ConvLSTM2D" is not a layer FusionLab reads/);
    const act = edit((m) => (m.modelTopology.config.layers[dense].config.activation = 'Dense'));
    expect(await refused(act)).toMatch(/activation "Dense" is not an initializer, constraint, regularizer or activation tfjs knows/);
    const init = edit((m) => (m.modelTopology.config.layers[dense].config.kernel_initializer = { class_name: 'Adam', config: {} }));
    expect(await refused(init)).toMatch(/kernel_initializer\.class_name "Adam" is not a class FusionLab reads/);
    const twice = edit((m) => (m.modelTopology.config.layers[dense].inbound_nodes_ = []));
    expect(await refused(twice)).toMatch(/has two fields that tfjs reads as one \("inboundNodes"\)/);
    const dupLayer = edit((m) => m.modelTopology.config.layers.push(structuredClone(m.modelTopology.config.layers[dense])));
    expect(await refused(dupLayer)).toMatch(/two layers are named/);
    const top = edit((m) => (m.modelTopology.class_name = 'Sequential'));
    expect(await refused(top)).toMatch(/modelTopology\.class_name must be "Model" or "Functional" \(it is "Sequential"\)/);
    const deep = rezip(files, { 'model.json': '['.repeat(10_000) + ']'.repeat(10_000) });
    expect(await refused(deep)).toBe('model.json nests lists and objects more than 64 levels deep.');
    // 12 MB of empty lists (a few kilobytes deflated) would be 170 MB once parsed: counted first.
    const wide = rezip(files, { 'fitted.json': `[${'[],'.repeat(4_000_000)}[]]` });
    expect(wide.length).toBeLessThan(100_000);
    expect(await refused(wide)).toBe('fitted.json holds about 4,000,002 values, over the limit maxJsonValues = 2,000,000.');
    const noOut = edit((m) => (m.modelTopology.config.output_layers = [['ghost', 0, 0]]));
    expect(await refused(noOut)).toMatch(/output_layers\.0 names the layer "ghost", which is not in the model/);
  });

  it('model.json: a Dense of 20,000 units on 20,000 inputs is measured and refused before any weight exists', async () => {
    const files = entries(await mixBundle());
    const m = json(files, 'model.json');
    const layers = m.modelTopology.config.layers as { name: string; class_name: string; config: Record<string, unknown> }[];
    const input = layers.find((l) => l.name.startsWith('nums__input'));
    const dense = layers.find((l) => l.name === 'numsEnc__dense1');
    if (!input || !dense) throw new Error(layers.map((l) => l.name).join(' '));
    input.config.batch_input_shape = [null, 20_000];
    dense.config.units = 20_000;
    const before = tf.memory().numBytes;
    const message = await refused(rezip(files, { 'model.json': m }));
    expect(message).toMatch(/^model\.json: the model has 400,\d{3},\d{3} parameters, over the limit maxParams = 50,000,000; the largest layer is "numsEnc__dense1" \(Dense\) with 400,020,000\.$/);
    expect(tf.memory().numBytes).toBe(before);
    // The limits can be lowered per call.
    expect(await refused(rezip(files), { maxParams: 100 })).toMatch(/weights\.bin|maxParams = 100/);
    expect(await refused(rezip(files), { maxActivationsPerSample: 10 })).toMatch(/^model\.json: the model makes \d+ activation values per sample, over the limit maxActivationsPerSample = 10; the largest output is that of "[^"]+" \(\w+\), \d+ values\.$/);
  });

  it('a model that tfjs fails to build after checks leaves no tensor behind', async () => {
    register(tf);
    const files = entries(await mixBundle());
    const checked = checkModelJson(json(files, 'model.json'), files['weights.bin'].length, { layerClasses: allowedLayerClasses(tf) });
    if (!checked.ok) throw new Error(checked.message);
    // Past the checks (as if they missed it): the output layer's name is not a valid tensor name,
    // so tfjs throws when it builds that layer, after every layer before it has its weights.
    const config = checked.modelTopology.config as { layers: { name: string; config: { name: string } }[]; outputLayers: unknown[][] };
    const out = config.layers[config.layers.length - 1];
    out.name = out.config.name = 'out:bad';
    config.outputLayers[0][0] = 'out:bad';
    const tensors = tf.memory().numTensors;
    const r = await loadCheckedModel(tf, checked, files['weights.bin'].slice().buffer);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/^model\.json: the model could not be built: Not a valid tensor name/);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('model.json: a manifest that differs from the layers, or from weights.bin, is refused', async () => {
    const files = entries(await mixBundle());
    const m = json(files, 'model.json');
    const dense = m.modelTopology.config.layers.find((l: { name: string }) => l.name === 'numsEnc__dense1');
    dense.config.units = 2; // the manifest still says 4
    expect(await refused(rezip(files, { 'model.json': m }))).toMatch(/^model\.json: weight \d+ of the manifest is "numsEnc__dense1\/kernel" float32 \[5, 4\], but the layers make "numsEnc__dense1\/kernel" float32 \[5, 2\] there\.$/);
    const short = files['weights.bin'].slice(0, files['weights.bin'].length - 4);
    expect(await refused(rezip(files, { 'weights.bin': short }))).toMatch(/^model\.json: weightsManifest: the weights take \d+ bytes, but weights\.bin holds \d+\.$/);
    const m2 = json(files, 'model.json');
    m2.weightsManifest[0].weights[0].dtype = 'string';
    expect(await refused(rezip(files, { 'model.json': m2 }))).toMatch(/weightsManifest\.0\.weights\.0\.dtype must be "float32" or "int32" \(it is "string"\)/);
    const m3 = json(files, 'model.json');
    m3.weightsManifest[0].weights[0].shape = [-1, 3];
    expect(await refused(rezip(files, { 'model.json': m3 }))).toMatch(/shape\.0 must be a whole number of at least 0 \(it is -1\)/);
  });

  it('fitted.json: bounded numbers, lengths and keys, each message with the field path', async () => {
    const files = entries(await mixBundle());
    // any: the JSON edited field by field.
    const edit = async (f: (x: any) => void) => {
      const x = json(files, 'fitted.json');
      f(x);
      return refused(rezip(files, { 'fitted.json': x }));
    };
    expect(await edit((x) => (x.inputs.sound.params.clipSeconds = 100000))).toBe('fitted.json: inputs.sound.params.clipSeconds must be at most 60 (it is 100000).');
    expect(await edit((x) => (x.inputs.sound.params.sampleRate = 500))).toBe('fitted.json: inputs.sound.params.sampleRate must be at least 1000 (it is 500).');
    expect(await edit((x) => (x.inputs.sound.std = 0))).toBe('fitted.json: inputs.sound.std must be more than 0 (it is 0).');
    expect(await edit((x) => (x.inputs.sound.mean = 'loud'))).toBe('fitted.json: inputs.sound.mean must be a number (it is "loud").');
    expect(await edit((x) => (x.inputs.words.vocab = Array.from({ length: 21 }, (_, i) => `w${i}`)))).toBe('fitted.json: inputs.words.vocab holds 21 tokens, more than params.vocabSize = 20.');
    expect(await edit((x) => (x.inputs.words.params.seqLength = 7))).toBe('fitted.json: inputs.words.shape must be [7], the shape its params give (it is [6]).');
    expect(await edit((x) => (x.inputs.nums.fitted.stds = [1]))).toBe('fitted.json: inputs.nums.fitted.stds must hold one value per numeric column (2; it holds 1).');
    expect(await edit((x) => (x.inputs.nums.fitted.categories = [['a', 'b', 'c', 'd']]))).toBe('fitted.json: inputs.nums.fitted.categories.0 holds 4 categories, more than its cardinality 3.');
    expect(await edit((x) => (x.inputs.words.kind = 'input.image'))).toBe('fitted.json: inputs.words.kind is input.image, but the graph\'s node "words" is input.text.');
    expect(await edit((x) => (x.inputs.ghost = x.inputs.words))).toBe('fitted.json: inputs.ghost names no node of graph.json.');
    expect(await edit((x) => (x.heads.out.classes = 'no,yes'))).toBe('fitted.json: heads.out.classes must be a list (it is "no,yes").');
    expect(await edit((x) => delete x.heads.out.column)).toBe('fitted.json: heads.out.column is missing.');
    expect(await edit((x) => (x.heads.words = x.heads.out))).toBe('fitted.json: heads.words names the node "words", which is input.text, not a head.');
    expect(await edit((x) => (x.version = '1'))).toBe('fitted.json: version must be a whole number (it is "1").');
    expect(await edit((x) => (x.heads.out.column = 'constructor'))).toBe('fitted.json: heads.out.column is a reserved name (a property of every JavaScript object).');
    expect(await edit((x) => (x.inputs = [1, 2]))).toBe('fitted.json: inputs must be an object (it is a list of 2 items).');
    // `__proto__` as a key (JSON.parse makes it an own property): refused, Object.prototype untouched.
    const text = strFromU8(files['fitted.json']).replace('"inputs":{', '"inputs":{"__proto__":{"kind":"input.text","polluted":true},');
    expect(await refused(rezip(files, { 'fitted.json': text }))).toBe('fitted.json: inputs.__proto__ names no node of graph.json.');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('bundle.json: a version as text is not a whole number, not "newer"; io must match the graph and the model', async () => {
    const files = entries(await mixBundle());
    // any: the JSON edited field by field.
    const edit = async (f: (x: any) => void) => {
      const x = json(files, 'bundle.json');
      f(x);
      return refused(rezip(files, { 'bundle.json': x }));
    };
    expect(await edit((x) => (x.version = '1'))).toBe('bundle.json: version must be a whole number of at least 1 (it is "1").');
    expect(await edit((x) => (x.version = 1.5))).toMatch(/version must be a whole number/);
    expect(await edit((x) => (x.version = 2))).toMatch(/newer than this FusionLab reads \(1\)/);
    expect(await edit((x) => (x.io.inputs[0].nodeId = 'ghost'))).toBe('bundle.json: io.inputs.0.nodeId "ghost" names no node of graph.json.');
    expect(await edit((x) => (x.io.outputs[0].nodeId = 'words'))).toBe('bundle.json: io.outputs.0.nodeId names the node "words", which is input.text, not head.*.');
    expect(await edit((x) => (x.io.inputs = Array.from({ length: 1001 }, () => x.io.inputs[0])))).toBe('bundle.json: io.inputs must hold at most 1000 items (it holds 1001).');
    expect(await edit((x) => (x.io.inputs[1].shape = [6]))).toMatch(/^fitted\.json: inputs\.nums\.shape is \[5\], but bundle\.json gives the model's input "nums" the shape \[6\]\.$/);
    expect(await edit((x) => (x.io.outputs[0].shape = [3]))).toBe('The bundle\'s model does not match its bundle.json: io.outputs.0 ("out") has the shape [3], the model\'s [2].');
    expect(await edit((x) => (x.training.metrics = { a: 'high' }))).toBe('bundle.json: training.metrics.a must be a number (it is "high").');
    expect(await edit((x) => (x.training.history = Array.from({ length: 10_001 }, () => ({}))))).toMatch(/^bundle\.json: training\.history must hold at most 10000 items/);
  });

  it('project files: the same limits, the model left out with a warning when over them, limits passed through readModelFile', async () => {
    const bundle = await mixBundle();
    const bytes = writeProjectFile({ project: newProject(mixGraph()), bundle });
    const sizes = Object.fromEntries(Object.entries(unzipSync(bytes)).map(([k, v]) => [k, v.length]));
    expect(sizes['model.json']).toBeGreaterThan(sizes['project.json']);
    const r = readProjectFile(bytes, { maxManifestBytes: sizes['project.json'] });
    if (!r.ok) throw new Error(r.message);
    expect(r.bundle).toBeUndefined();
    expect(r.warnings.join(' ')).toMatch(/"model\.json" is .*, over the limit maxManifestBytes = .*; it was left out\./);
    expect(r.warnings.join(' ')).toMatch(/The trained model is incomplete \(.*model\.json.* missing\)/);
    const small = readProjectFile(bytes, { maxParams: 10 });
    expect(small.ok && small.warnings.join(' ')).toMatch(/"weights\.bin" is .*, over the limit 4 bytes × maxParams = 40 B; it was left out\./);
    const m = await readModelFile(tf, bytes, register, { maxActivationsPerSample: 10 });
    expect(m.ok).toBe(false);
    if (!m.ok) expect(m.message).toMatch(/maxActivationsPerSample = 10/);
    const fine = await readModelFile(tf, bytes, register);
    if (!fine.ok) throw new Error(fine.message);
    fine.bundle.model.dispose();
    // Dataset files over maxFileBytes are left out, as a dataset zip leaves them out.
    const withData = writeProjectFile({ project: newProject(mixGraph()), dataset: { kind: 'files', name: 'd', files: [{ path: 'big.png', bytes: new Uint8Array(5000) }, { path: 'samples.csv', bytes: strToU8('a\n1\n') }] } });
    const d = readProjectFile(withData, { maxFileBytes: 1000 });
    if (!d.ok) throw new Error(d.message);
    expect(d.dataset?.kind === 'files' && d.dataset.files.map((f) => f.path)).toEqual(['samples.csv']);
    expect(d.warnings.join(' ')).toMatch(/"dataset\/big\.png" is 4\.9 KB, over the limit maxFileBytes = 1000 B; it was left out\./);
    // A name with terminal escapes is shown escaped; results.json too wide to parse is left out.
    const hostile = zipSync({
      'project.json': unzipSync(withData)['project.json'],
      'dataset/\u001b[2Jx.png': new Uint8Array(5000),
      'results.json': strToU8(`[${'0,'.repeat(3_000_000)}0]`),
    });
    const h = readProjectFile(hostile, { maxFileBytes: 1000 });
    if (!h.ok) throw new Error(h.message);
    expect(h.results).toBeUndefined();
    expect(h.warnings.join(' ')).not.toContain('\u001b');
    expect(h.warnings.join(' ')).toContain('"dataset/\\u001b[2Jx.png" is 4.9 KB');
    expect(h.warnings.join(' ')).toContain('results.json could not be read (holds about 3,000,002 values, over the limit maxJsonValues = 2,000,000); the results were left out.');
  });
});
