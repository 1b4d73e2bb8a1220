/**
 * Training speed of the audio + video template (templates/audio-video.json) at its defaults
 * (8 frames of 64×64 RGB, a 2-block per-frame CNN, a log-mel CNN, attention fusion) on the CLI's
 * backend (WASM in Node, 1 thread), in FusionLab's training loop (engine/train), batch 32:
 *
 * - before: the per-frame CNN as tfjs' own TimeDistributed, which steps over the frames with its
 *   RNN loop (one small convolution per frame per layer). Built exactly as a saved model reloads:
 *   the compiled model's JSON deserialised, which gives tfjs' class, with the same weights;
 * - after: the compiled model as the app builds it, every per-frame layer called once on the
 *   frames folded into the batch (nodes/shared.ts framesLayer).
 *
 * Speeds are samples per CPU-second of this process (WASM in Node runs on one thread), so that
 * other work on a shared machine does not skew them; before and after alternate, medians reported.
 * usage: npx tsx --import ./scripts/raw-loader.mjs bench/video.ts [--samples 64] [--repeats 3] [--before-repeats 3] [--backend wasm|cpu]
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend, type NodeBackendKind } from '../engine/backend/node-backend';
import { compileGraph } from '../engine/compile';
import { parseGraphText, type GraphDoc } from '../engine/graph';
import { createTrainer, type TrainingSet } from '../engine/train';
import { registry } from '../nodes';
import { registerCustomLayers } from '../nodes/shared';
import { printTable, stats } from './table';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const SAMPLES = Number(arg('samples', '64'));
const REPEATS = Number(arg('repeats', '3'));
const BATCH = 32;
const TARGET = 20;
/** The before side is ~30× slower: it can train fewer rounds (--before-repeats 0 skips it). */
const BEFORE_REPEATS = Number(arg('before-repeats', String(REPEATS)));
const backend = arg('backend', 'wasm') as NodeBackendKind;

function loadTemplate(): GraphDoc {
  const r = parseGraphText(readFileSync(new URL('../templates/audio-video.json', import.meta.url), 'utf8'));
  if (!r.ok) throw new Error('templates/audio-video.json does not parse');
  return r.graph;
}

type Compiled = Extract<ReturnType<typeof compileGraph>, { ok: true }>;

function compiled(graph: GraphDoc): Compiled {
  const c = compileGraph(graph, registry, { tf, seed: 1 });
  if (!c.ok) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  return c;
}

/** The same model as tfjs reloads it from its JSON (tfjs' own TimeDistributed), same weights. */
async function asReloaded(c: Compiled): Promise<Compiled> {
  registerCustomLayers(tf); // the attention fusion's layer
  const topology = c.model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'];
  const model = await tf.models.modelFromJSON({ modelTopology: topology });
  model.setWeights(c.model.getWeights());
  return { ...c, model };
}

/** Random clips, spectrograms and labels of the template's input shapes. */
function randomSet(c: Compiled, n: number): TrainingSet {
  const kinds = new Map(loadTemplate().nodes.map((x) => [x.id, x.kind]));
  const head = c.summary.outputs[0];
  const classes = head.shape[0];
  const labels = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) labels[i * classes + (i % classes)] = 1;
  const empty = { count: 0, inputs: {}, labels: {} };
  const inputs = Object.fromEntries(c.summary.inputs.map((i) => [i.nodeId, Float32Array.from({ length: n * i.shape.reduce((a, b) => a * b, 1) }, () => Math.random())]));
  return {
    inputs: c.summary.inputs.map((i) => ({ nodeId: i.nodeId, kind: kinds.get(i.nodeId) ?? '', shape: i.shape })),
    heads: [{ nodeId: head.nodeId, task: 'classify', column: head.labelColumn ?? 'label', classes: Array.from({ length: classes }, (_, k) => String(k)), shape: head.shape }],
    splits: { train: { count: n, inputs, labels: { [head.nodeId]: labels } }, val: empty, test: empty },
  };
}

/** CPU seconds (user + system) of this process since `since`. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

/** A trainer on `c` whose `epoch()` trains one epoch of the set and returns samples per CPU-second. */
function epochRunner(c: Compiled, set: TrainingSet, preciseBatchNorm = true): { epoch: () => Promise<number>; dispose: () => void } {
  const trainer = createTrainer(tf, c, set, { epochs: 1_000_000, batchSize: BATCH, validationFraction: 0, preciseBatchNorm });
  return {
    epoch: async () => {
      const start = trainer.epochsDone;
      const t = process.cpuUsage();
      await trainer.train({ onEpochEnd: () => trainer.stop() });
      if (trainer.epochsDone !== start + 1) throw new Error('the loop did not run one epoch');
      return set.splits.train.count / cpuSeconds(t);
    },
    dispose: () => trainer.dispose(),
  };
}

async function main(): Promise<void> {
  const info = await initNodeBackend(backend);
  const after = compiled(loadTemplate());
  const before = await asReloaded(after);
  const classes = (m: tf.LayersModel) => [...new Set(m.layers.map((l) => l.constructor.name))].filter((n) => /TimeDistributed/.test(n)).join(', ');
  process.stderr.write(`per-frame classes: before ${classes(before.model)}, after ${classes(after.model)}\n`);
  const set = randomSet(after, SAMPLES);
  const a = epochRunner(after, set);
  const b = BEFORE_REPEATS > 0 ? epochRunner(before, set) : null;
  // The training steps alone: without the epoch-end batch-norm pass (engine/train/bn-stats.ts),
  // which runs the frames through the CNN once more per depth of batch norms.
  const steps = epochRunner(after, set, false);
  // Warm up both (kernels, the first batch's allocations).
  await a.epoch();
  await b?.epoch();
  await steps.epoch();
  const stepRates: number[] = [];
  const afterRates: number[] = [];
  const beforeRates: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    // Alternate the order so that neither side always runs first.
    if (b && r < BEFORE_REPEATS && r % 2 === 1) beforeRates.push(await b.epoch());
    afterRates.push(await a.epoch());
    stepRates.push(await steps.epoch());
    if (b && r < BEFORE_REPEATS && r % 2 === 0) beforeRates.push(await b.epoch());
    process.stderr.write(`round ${r + 1}/${REPEATS}: before ${beforeRates[r]?.toFixed(2) ?? '-'}, after ${afterRates[r].toFixed(2)} samples/s\n`);
  }
  a.dispose();
  b?.dispose();
  steps.dispose();
  const med = (xs: number[]) => stats(xs).median;
  const be = `${info.backend}${info.simd ? ' SIMD' : ''}, ${info.threads} thread`;
  const beforeM = beforeRates.length ? med(beforeRates).toFixed(2) : 'not run';
  printTable(`Training speed, audio + video template at its defaults (samples per CPU-second of FusionLab's loop, epoch-end batch-norm pass included; ${SAMPLES} samples, batch ${BATCH}, ${be}; medians of ${REPEATS} epochs after, ${beforeRates.length} before)`, [
    ['per-frame CNN', 'samples/s', 'target'],
    ["before: tfjs' TimeDistributed (a loop over the 8 frames)", beforeM, ''],
    ['after: frames folded into the batch, one call per layer', med(afterRates).toFixed(2), `≥ ${TARGET}`],
    ['after, training steps alone (no epoch-end batch-norm pass)', med(stepRates).toFixed(2), ''],
    ['after / before', beforeRates.length ? `${(med(afterRates) / med(beforeRates)).toFixed(1)}×` : 'n/a', ''],
  ]);
  after.model.dispose();
  before.model.dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
