/**
 * The node contract, checked for every kind in the registry (whoever wrote it):
 *  1. default params parse and every field has a default and a description;
 *  2. params survive a JSON round trip;
 *  3. the node builds on small sample inputs (the first accepted kind of each port);
 *  4. `infer` gives exactly the shapes that `build` produces (batch dimension dropped);
 *  5. a model holding the node saves and reloads through tf.io with identical outputs;
 *  6. one training step changes every trainable weight of the node.
 * A kind whose defaults do not suit the generic samples needs an entry in OVERRIDES below, so
 * that a kind nobody handled fails loudly instead of being skipped.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { sizeOf, type AnyNodeSpec, type BuildContext, type InferInputs, type TensorKind, type TensorType } from '../engine/spec';
import { DIAGNOSTIC_CODES } from '../engine/diagnostics';
import { registry } from '../nodes/index';
import { registerCustomLayers } from '../nodes/shared';

const BATCH = 4;
const NODE_ID = 'n1';
/** A weight whose largest move is below this fraction of the node's largest move counts as unmoved. */
const RELATIVE_MOVE = 1e-4;

/** Sample types per tensor kind, tried in order until `infer` accepts one. */
const SAMPLES: Record<TensorKind, number[][]> = {
  image: [[12, 12, 3]],
  audio: [[16, 12, 1], [256]], // a spectrogram, or a waveform where only that fits
  tokens: [[10]],
  tabular: [[5]],
  video: [[3, 12, 12, 3]],
  sequence: [[6, 8]],
  features: [[8]],
  prediction: [[3]],
};

interface Override {
  /** Params replacing the defaults (still parsed by the kind's schema). */
  params?: Record<string, unknown>;
  /** Input types by port id, instead of the generic samples. */
  inputs?: Record<string, TensorType[]>;
  /** User models for `ctx.assets`. */
  assets?: () => Map<string, tf.LayersModel>;
}

/** A tiny "user model" for encoder.pretrained: [8] → dense 6 → dense 4. */
function tinyUserModel(): tf.LayersModel {
  return tf.sequential({
    name: 'user_model',
    layers: [
      tf.layers.dense({ inputShape: [8], units: 6, activation: 'relu', name: 'user_dense1', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
      tf.layers.dense({ units: 4, name: 'user_dense2', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
    ],
  });
}

/**
 * A small vocabulary for the text encoders: sample ids are < 20, and the CPU backend's gradient
 * of a large embedding table (UnsortedSegmentSum, one pass per row) takes seconds per step.
 */
const SMALL_VOCAB: Override = { params: { vocabSize: 64 } };

/** Kinds whose defaults do not fit the generic samples (or are too slow for a unit test). */
const OVERRIDES: Record<string, Override> = {
  'encoder.text-embedding': SMALL_VOCAB,
  'encoder.text-rnn': SMALL_VOCAB,
  'encoder.text-cnn': SMALL_VOCAB,
  'encoder.text-transformer': SMALL_VOCAB,
  'encoder.pretrained': {
    params: { asset: 'tiny', inputShape: [8], outputWidth: 4, fineTune: true },
    inputs: { in: [{ kind: 'features', shape: [8] }] },
    assets: () => new Map([['tiny', tinyUserModel()]]),
  },
};

/** Non-default params worth building too (other branches of a kind's build). */
const VARIANTS: Record<string, Record<string, unknown>[]> = {
  'encoder.image-cnn': [{ batchNorm: false, pooling: 'avg', ending: 'flatten', dropout: 0.2, blocks: 1 }],
  'encoder.audio-cnn': [{ batchNorm: false, ending: 'flatten' }],
  'encoder.audio-cnn1d': [{ blocks: 1, poolSize: 2, kernelSize: 3, batchNorm: false }],
  'encoder.text-embedding': [{ pooling: 'max', dropout: 0.1 }],
  'encoder.text-rnn': [
    { cell: 'lstm', bidirectional: true, output: 'sequence', dropout: 0.1 },
    { cell: 'gru', bidirectional: true },
  ],
  'encoder.text-cnn': [{ minWidth: 2, widths: 1, dropout: 0.3 }],
  'encoder.text-transformer': [{ output: 'sequence', blocks: 2, heads: 4 }],
  'encoder.tabular-mlp': [{ batchNorm: true, dropout: 0.2, layers: 1 }],
  'encoder.video-cnn': [{ temporal: 'gru', batchNorm: false }, { temporal: 'max', ending: 'flatten' }],
  'encoder.dense': [{ layers: 2, dropout: 0.5 }],
  'encoder.pretrained': [{ fineTune: false }],
  'head.classify': [{ hidden: 5, dropout: 0.2, classes: 4 }],
  'head.regress': [{ hidden: 3, outputs: 2 }],
  'head.multilabel': [{ hidden: 3, classes: 5 }],
};

function override(kind: string): Override {
  return OVERRIDES[kind] ?? {};
}

/** Sample input types for a kind, or why none fits. */
function sampleInputs(spec: AnyNodeSpec, params: Record<string, unknown>): { inputs: InferInputs } | { problem: string } {
  const o = override(spec.kind);
  const ports = spec.ports(params).inputs;
  const tries = Math.max(1, ...ports.map((p) => SAMPLES[p.accepts[0]].length));
  let last = '';
  for (let c = 0; c < tries; c++) {
    const inputs: InferInputs = {};
    for (const port of ports) {
      const given = o.inputs?.[port.id];
      if (given) {
        inputs[port.id] = given;
        continue;
      }
      const kind = port.accepts[0];
      const candidates = SAMPLES[kind];
      const shape = candidates[Math.min(c, candidates.length - 1)];
      const n = port.multiple ? ((port.minConnections ?? 1) > 2 ? 3 : 2) : 1;
      inputs[port.id] = Array.from({ length: n }, () => ({ kind, shape: [...shape] }));
    }
    const r = spec.infer(inputs, params);
    if (r.ok) return { inputs };
    last = r.diagnostics.map((d) => `${d.code}: ${d.message}`).join('; ');
  }
  return { problem: `infer rejects the generic sample inputs (${last}); add an OVERRIDES entry for ${spec.kind}` };
}

/** A field's `.describe()` text, whether it was called before or after `.default()`. */
function describedText(schema: unknown): string | undefined {
  let s = schema as { description?: string; _zod?: { def?: { innerType?: unknown } } } | undefined;
  for (let depth = 0; s && depth < 5; depth++) {
    if (s.description) return s.description;
    s = s._zod?.def?.innerType as typeof s;
  }
  return undefined;
}

/** Random data for one input of the given kind and shape (with the batch dimension). */
function sampleData(kind: TensorKind | 'int', shape: number[], salt: number): tf.Tensor {
  return tf.tidy(() => {
    const full = [BATCH, ...shape];
    switch (kind) {
      case 'tokens':
      case 'int': {
        const ids = tf.randomUniform(full, 1, 20, 'int32', 100 + salt).cast('float32');
        // Pad the end of the first row (id 0) as a tokenizer does with a short text: a mask that
        // is 0 on the last 3 steps of row 0 and 1 elsewhere.
        const len = shape[shape.length - 1];
        const steps = sizeOf(shape);
        const keep = new Float32Array(BATCH * steps).fill(1);
        for (let j = 0; j < steps; j++) if (j % len >= len - 3) keep[j] = 0;
        const pad = tf.tensor(keep, full);
        return ids.mul(pad);
      }
      case 'prediction':
        return tf.softmax(tf.randomNormal(full, 0, 1, 'float32', 200 + salt));
      case 'image':
      case 'video':
        return tf.randomUniform(full, 0, 1, 'float32', 300 + salt);
      case 'audio':
      case 'tabular':
      case 'sequence':
      case 'features':
        return tf.randomNormal(full, 0, 1, 'float32', 400 + salt);
      default: {
        const never: never = kind;
        throw new Error(`no sample data for ${String(never)}`);
      }
    }
  });
}

function makeCtx(inputTypes: InferInputs, outputTypes: Record<string, TensorType>, assets: ReadonlyMap<string, tf.LayersModel>): BuildContext {
  let seed = 1;
  return { tf, nodeId: NODE_ID, name: (s) => `${NODE_ID}__${s}`, seed: () => seed++, inputTypes, outputTypes, assets };
}

/** The tf.input tensors that `outputs` depend on (input.* kinds make their own). */
function findModelInputs(outputs: tf.SymbolicTensor[]): tf.SymbolicTensor[] {
  const found: tf.SymbolicTensor[] = [];
  const seen = new Set<tf.SymbolicTensor>();
  const visit = (t: tf.SymbolicTensor) => {
    if (seen.has(t)) return;
    seen.add(t);
    const layer = t.sourceLayer;
    if (layer.getClassName() === 'InputLayer') {
      found.push(t);
      return;
    }
    for (const inp of layer.inboundNodes[t.nodeIndex].inputTensors) visit(inp);
  };
  outputs.forEach(visit);
  return found;
}

async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts) throw new Error('nothing saved');
  // Saved artifacts go through JSON as they would in a file.
  const topology = JSON.parse(JSON.stringify(artifacts.modelTopology)) as object;
  return tf.loadLayersModel(tf.io.fromMemory({ ...artifacts, modelTopology: topology }));
}

function asList(x: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(x) ? x : [x];
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);
}

/** Build the node on sample inputs and run checks 3–6. */
async function checkBuild(spec: AnyNodeSpec, params: Record<string, unknown>): Promise<void> {
  const o = override(spec.kind);
  const sample = sampleInputs(spec, params);
  if ('problem' in sample) throw new Error(sample.problem);
  const tensorsBefore = tf.memory().numTensors;
  const inferred = spec.infer(sample.inputs, params);
  expect(tf.memory().numTensors, 'infer is pure: it makes no tensors').toBe(tensorsBefore);
  if (!inferred.ok) throw new Error('unreachable: sampleInputs checked infer');
  const outPorts = spec.ports(params).outputs;
  expect(Object.keys(inferred.outputs).sort()).toEqual(outPorts.map((p) => p.id).sort());
  for (const port of outPorts) expect(port.accepts).toContain(inferred.outputs[port.id].kind);

  // 3. build on symbolic sample inputs
  const symbolic: Record<string, tf.SymbolicTensor[]> = {};
  const feeds: { t: tf.SymbolicTensor; kind: TensorKind; shape: number[] }[] = [];
  for (const [portId, types] of Object.entries(sample.inputs)) {
    symbolic[portId] = types.map((t, i) => {
      const s = tf.input({ shape: t.shape, name: `sample_${portId}_${i}` });
      feeds.push({ t: s, kind: t.kind, shape: t.shape });
      return s;
    });
  }
  const assets = o.assets?.() ?? new Map<string, tf.LayersModel>();
  const built = spec.build(makeCtx(sample.inputs, inferred.outputs, assets), symbolic, params);
  expect(Object.keys(built).sort()).toEqual(Object.keys(inferred.outputs).sort());

  // 4. inferred shapes = real shapes
  const portIds = outPorts.map((p) => p.id);
  for (const id of portIds) expect({ port: id, shape: built[id].shape.slice(1) }).toEqual({ port: id, shape: inferred.outputs[id].shape });

  const outputs = portIds.map((id) => built[id]);
  const inputs = feeds.length > 0 ? feeds.map((f) => f.t) : findModelInputs(outputs);
  expect(inputs.length).toBeGreaterThan(0);
  const model = tf.model({ inputs, outputs });
  const sampleNames = new Set(feeds.map((f) => f.t.sourceLayer.name));
  const unnamed = model.layers.map((l) => l.name).filter((n) => !sampleNames.has(n) && !n.startsWith(`${NODE_ID}__`));
  expect(unnamed, 'every layer is named through ctx.name').toEqual([]);

  const outputKinds = Object.values(inferred.outputs).map((t) => t.kind);
  const data = inputs.map((t, i) => {
    const f = feeds[i];
    if (f) return sampleData(f.kind, f.shape, i);
    const shape = t.shape.slice(1) as number[];
    return sampleData(t.dtype === 'int32' || outputKinds.includes('tokens') ? 'int' : 'features', shape, i);
  });

  try {
    // 5. save, reload, same outputs
    const before = asList(model.predict(data) as tf.Tensor | tf.Tensor[]);
    for (const [i, t] of before.entries()) expect(t.shape.slice(1), `predict shape of ${portIds[i]}`).toEqual(inferred.outputs[portIds[i]].shape);
    for (const t of before) expect(Number.isFinite(tf.tidy(() => t.abs().max().dataSync()[0])), 'outputs are finite').toBe(true);
    const reloaded = await roundTrip(model);
    const after = asList(reloaded.predict(data) as tf.Tensor | tf.Tensor[]);
    expect(after.length).toBe(before.length);
    for (let i = 0; i < before.length; i++) expect(maxAbsDiff(before[i], after[i]), `reloaded output ${portIds[i]}`).toBeLessThanOrEqual(1e-6);
    tf.dispose([...before, ...after]);
    reloaded.dispose();

    // 6. one training step changes every trainable weight of the node
    const nodeWeights = model.layers.filter((l) => l.name.startsWith(`${NODE_ID}__`)).flatMap((l) => l.trainableWeights);
    if (nodeWeights.length > 0) {
      const start = nodeWeights.map((w) => w.read().dataSync().slice());
      model.compile({ optimizer: tf.train.sgd(0.5), loss: outputs.map(() => 'meanSquaredError') });
      const targets = outputs.map((t, i) => tf.randomNormal([BATCH, ...(t.shape.slice(1) as number[])], 0, 1, 'float32', 500 + i));
      await model.trainOnBatch(data, targets);
      tf.dispose(targets);
      const nonFinite: string[] = [];
      const moved = nodeWeights.map((w, i) => {
        const now = w.read().dataSync();
        if (now.some((v) => !Number.isFinite(v))) nonFinite.push(w.name);
        let m = 0;
        now.forEach((v, j) => (m = Math.max(m, Math.abs(v - start[i][j]))));
        return m;
      });
      expect(nonFinite, 'weights stay finite after a step').toEqual([]);
      // A structurally zero gradient still moves a weight by float32 round-off (e.g. a conv bias
      // right before batch norm): so "changed" means moved by more than a tiny fraction of the
      // largest move among the node's weights.
      const largest = Math.max(...moved);
      const unchanged = nodeWeights
        .map((w, i) => ({ name: w.name, moved: moved[i] }))
        .filter((w) => !(w.moved > RELATIVE_MOVE * largest))
        .map((w) => `${w.name} (moved ${w.moved.toExponential(2)}, the node's largest move ${largest.toExponential(2)})`);
      if (process.env.CONTRACT_DEBUG) console.log(spec.kind, nodeWeights.map((w, i) => `${w.name}: ${(moved[i] / largest).toExponential(1)}`).join(', '));
      expect(unchanged, 'trainable weights left (almost) unchanged by a training step').toEqual([]);
    }
  } finally {
    tf.dispose(data);
    model.dispose();
  }
}

beforeAll(async () => {
  // CONTRACT_BACKEND=wasm runs the same checks on the WASM backend with FusionLab's training
  // kernels (slower; for checking that every kind trains where the CLI runs).
  if (process.env.CONTRACT_BACKEND === 'wasm') {
    const { initNodeBackend } = await import('../engine/backend/node-backend');
    await initNodeBackend('wasm');
  } else {
    await tf.setBackend('cpu');
  }
  await tf.ready();
});

const specs = registry.all();

describe('node catalogue', () => {
  it('has kinds (and runs on the chosen backend)', () => {
    expect(specs.length).toBeGreaterThan(0);
    expect(tf.getBackend()).toBe(process.env.CONTRACT_BACKEND === 'wasm' ? 'wasm' : 'cpu');
  });
  it('every override and variant names a registered kind', () => {
    for (const k of [...Object.keys(OVERRIDES), ...Object.keys(VARIANTS)]) expect(registry.get(k), k).toBeDefined();
  });
});

describe.each(specs.map((s) => [s.kind, s] as const))('%s', (kind, spec) => {
  const base = (): Record<string, unknown> => spec.params.parse({ ...(override(kind).params ?? {}) }) as Record<string, unknown>;

  it('1. describes itself; default params parse, every field has a default and a description', () => {
    expect(kind.startsWith(`${spec.category}.`)).toBe(true);
    expect(spec.label.length).toBeGreaterThan(0);
    expect(spec.summary.length).toBeGreaterThan(0);
    expect(spec.doc.length, 'doc text').toBeGreaterThan(80);
    const defaults = spec.params.parse({}) as Record<string, unknown>;
    for (const [field, schema] of Object.entries(spec.params.shape)) {
      expect(defaults[field], `${field} has a default`).not.toBeUndefined();
      const description = describedText(schema);
      expect(description && description.length > 0, `${field} has a description`).toBe(true);
    }
    if (spec.category === 'head') {
      expect(spec.head, 'heads have head info').toBeDefined();
      expect(typeof spec.head?.labelColumn(defaults)).toBe('string');
      expect(['categoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError']).toContain(spec.head?.loss(defaults));
    }
    if (spec.category === 'input') expect(spec.input?.columns(defaults).length, 'input nodes name their columns').toBeGreaterThan(0);
    if (spec.category !== 'input') expect(spec.ports(defaults).inputs.length, 'non-input kinds have input ports').toBeGreaterThan(0);
    expect(spec.ports(defaults).outputs.length).toBeGreaterThan(0);
  });

  it('2. params survive a JSON round trip', () => {
    for (const raw of [{}, override(kind).params ?? {}, ...(VARIANTS[kind] ?? [])]) {
      const p = spec.params.parse(raw);
      expect(spec.params.parse(JSON.parse(JSON.stringify(p)))).toEqual(p);
    }
  });

  it('infer reports problems as diagnostics with known codes', () => {
    const p = base();
    const ports = spec.ports(p).inputs.filter((port) => !port.optional);
    if (ports.length === 0) return;
    const r = spec.infer({}, p);
    expect(r.ok, 'infer with nothing connected').toBe(false);
    if (!r.ok) {
      expect(r.diagnostics.length).toBeGreaterThan(0);
      for (const d of r.diagnostics) expect(Object.keys(DIAGNOSTIC_CODES)).toContain(d.code);
    }
  });

  it('3–6. builds; infer = build shapes; saves and reloads; a training step moves every weight', async () => {
    await checkBuild(spec, base());
  });

  for (const [i, v] of (VARIANTS[kind] ?? []).entries()) {
    it(`3–6 with variant ${i + 1}: ${JSON.stringify(v)}`, async () => {
      await checkBuild(spec, spec.params.parse({ ...(override(kind).params ?? {}), ...v }) as Record<string, unknown>);
    });
  }
});

describe('custom layers', () => {
  it('registerCustomLayers makes every FusionLab layer class known to tf.serialization', () => {
    const names = registerCustomLayers(tf);
    for (const n of names) {
      expect(n.startsWith('FusionLab>')).toBe(true);
      expect(tf.serialization.SerializationMap.getMap().classNameMap[n], n).toBeDefined();
    }
  });
});
