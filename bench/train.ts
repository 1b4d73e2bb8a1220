/**
 * Training speed of the AV-MNIST template (templates/avmnist.json) on the CLI's backend (WASM in
 * Node, 1 thread), printed as one table:
 *
 * - the compiled graph against a hand-written tfjs model of the same architecture (both `model.fit`);
 * - FusionLab's training loop (engine/train) against a bare `model.fit` on the same tensors (the
 *   loop without precise BN, which does the same work; precise BN's own cost is a row of its own);
 * - the loop with FusionLab's C kernels (engine/backend/native) against the loop without them;
 * - frozen encoders: the loop with cached frozen features against the loop without the cache;
 * - the same model in PyTorch on the same CPU with 1 thread (bench/avmnist_torch.py), as tfjs/PyTorch
 *   (issue 17's target: ≥ 0.5), without and with precise BN;
 * - WASM against WebGL in headless Chromium (bench/backend-browser.ts's page, the two-branch CNN of
 *   bench/two-branch-cnn.ts shaped like AV-MNIST), in wall-clock samples/s.
 *
 * Speeds are samples per CPU-second of this process (WASM in Node runs on one thread), so that
 * other work on a shared machine does not skew the ratios; runs alternate A/B several times and
 * the table reports medians. PyTorch is timed the same way (process CPU time, 1 thread).
 * usage: npx tsx bench/train.ts [--samples 256] [--repeats 5] [--backend wasm|cpu] [--no-browser]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend, type NodeBackendKind } from '../engine/backend/node-backend';
import { setNativeKernelsEnabled } from '../engine/backend/native-kernels';
import { detectSoftwareRenderer } from '../engine/backend/select';
import { compileGraph } from '../engine/compile';
import { parseGraphText, type GraphDoc } from '../engine/graph';
import { createTrainer, type TrainingSet } from '../engine/train';
import { registry } from '../nodes';
import { measureInBrowser, type BrowserResult } from './backend-browser';
import { printTable, stats } from './table';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const SAMPLES = Number(arg('samples', '256'));
const REPEATS = Number(arg('repeats', '5'));
const BATCH = 32;
const backend = arg('backend', 'wasm') as NodeBackendKind;

function loadTemplate(): GraphDoc {
  const r = parseGraphText(readFileSync(new URL('../templates/avmnist.json', import.meta.url), 'utf8'));
  if (!r.ok) throw new Error('templates/avmnist.json does not parse');
  return r.graph;
}

function compiled(graph: GraphDoc) {
  const c = compileGraph(graph, registry, { tf, seed: 1 });
  if (!c.ok) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  return c;
}

/** The template's architecture written by hand with tf.layers (image-cnn/audio-cnn defaults, `ending: flatten`). */
function handWritten(): tf.LayersModel {
  const branch = (input: tf.SymbolicTensor, p: string): tf.SymbolicTensor => {
    let x = input;
    for (const [b, filters] of [[1, 16], [2, 32]] as const) {
      x = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: 'heNormal', name: `${p}_conv${b}` }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.batchNormalization({ name: `${p}_bn${b}` }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.activation({ activation: 'relu', name: `${p}_act${b}` }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `${p}_pool${b}` }).apply(x) as tf.SymbolicTensor;
    }
    x = tf.layers.flatten({ name: `${p}_flat` }).apply(x) as tf.SymbolicTensor; // the template's `ending: flatten`
    return tf.layers.dense({ units: 64, activation: 'relu', name: `${p}_dense` }).apply(x) as tf.SymbolicTensor;
  };
  const img = tf.input({ shape: [28, 28, 1], name: 'hand_image' });
  const aud = tf.input({ shape: [61, 32, 1], name: 'hand_audio' });
  const fused = tf.layers.concatenate({ name: 'hand_concat' }).apply([branch(img, 'img'), branch(aud, 'aud')]) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 10, activation: 'softmax', name: 'hand_out' }).apply(fused) as tf.SymbolicTensor;
  return tf.model({ inputs: [img, aud], outputs: out });
}

function randomData(n: number) {
  const image = Float32Array.from({ length: n * 784 }, () => Math.random());
  const audio = Float32Array.from({ length: n * 61 * 32 }, () => Math.random() * 2 - 1);
  const labels = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) labels[i * 10 + (i % 10)] = 1;
  const empty = { count: 0, inputs: {}, labels: {} };
  const set: TrainingSet = {
    inputs: [
      { nodeId: 'image', kind: 'input.image', shape: [28, 28, 1] },
      { nodeId: 'audio', kind: 'input.audio', shape: [61, 32, 1] },
    ],
    heads: [{ nodeId: 'digit', task: 'classify', column: 'label', classes: '0123456789'.split(''), shape: [10] }],
    splits: { train: { count: n, inputs: { image, audio }, labels: { digit: labels } }, val: empty, test: empty },
  };
  return { set, xs: [tf.tensor(image, [n, 28, 28, 1]), tf.tensor(audio, [n, 61, 32, 1])], y: tf.tensor(labels, [n, 10]) };
}

/** CPU seconds (user + system) of this process since `since`. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

async function fitRate(model: tf.LayersModel, xs: tf.Tensor[], y: tf.Tensor): Promise<number> {
  const t = process.cpuUsage();
  await model.fit(xs, y, { batchSize: BATCH, epochs: 1, shuffle: true, verbose: 0 });
  return SAMPLES / cpuSeconds(t);
}

async function main(): Promise<void> {
  const info = await initNodeBackend(backend);
  const graph = loadTemplate();
  const { set, xs, y } = randomData(SAMPLES);

  const comp = compiled(graph);
  comp.model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const hand = handWritten();
  hand.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  // The loop as the app runs it (precise BN: an inference pass per batch-norm depth over the
  // training rows after every epoch, bn-stats.ts), and without that pass: the same work as
  // model.fit and PyTorch's script do, for the rows comparing with them.
  const loopModel = compiled(graph);
  const trainer = createTrainer(tf, loopModel, set, { epochs: 1_000_000, batchSize: BATCH, validationFraction: 0, preciseBatchNorm: false });
  const preciseModel = compiled(graph);
  const preciseTrainer = createTrainer(tf, preciseModel, set, { epochs: 1_000_000, batchSize: BATCH, validationFraction: 0 });
  const loopRate = async (tr = trainer, native = true): Promise<number> => {
    // One epoch of the loop: train until the epoch counter moves, then pause.
    const start = tr.epochsDone;
    setNativeKernelsEnabled(native);
    try {
      const t = process.cpuUsage();
      await tr.train({ onEpochEnd: () => tr.stop() });
      if (tr.epochsDone !== start + 1) throw new Error('loop did not run one epoch');
      return SAMPLES / cpuSeconds(t);
    } finally {
      setNativeKernelsEnabled(true);
    }
  };

  // Frozen encoders: both CNNs frozen, only the head trains.
  const frozenGraph: GraphDoc = { ...graph, nodes: graph.nodes.map((n) => (n.kind.startsWith('encoder.') ? { ...n, frozen: true } : n)) };
  const frozenRate = async (cache: boolean): Promise<{ rate: number; cacheSeconds: number }> => {
    const c = compiled(frozenGraph);
    const t = createTrainer(tf, c, set, { epochs: 1000, batchSize: BATCH, validationFraction: 0, cacheFrozen: cache });
    // First epoch: builds the cache (when on); the next eight are timed.
    let cpu = process.cpuUsage();
    let cacheSeconds = 0;
    await t.train({ onBatchEnd: (m) => (m.batch === 1 && m.epoch === 1 ? (cacheSeconds = cpuSeconds(cpu)) : 0), onEpochEnd: () => t.stop() });
    cpu = process.cpuUsage();
    for (let k = 0; k < 8; k++) await t.train({ onEpochEnd: () => t.stop() });
    const rate = (8 * SAMPLES) / cpuSeconds(cpu);
    t.dispose();
    c.model.dispose();
    return { rate, cacheSeconds };
  };

  // Warm up every path once.
  await fitRate(comp.model, xs, y);
  await fitRate(hand, xs, y);
  await loopRate();
  await loopRate(preciseTrainer);
  await loopRate(trainer, false);

  const compRates: number[] = [];
  const handRates: number[] = [];
  const loopRates: number[] = [];
  const fitRates: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    // Alternate which side of each pair runs first (A B, then B A), so that order effects
    // (garbage collection, caches, other load) do not favour one side.
    if (r % 2 === 0) {
      compRates.push(await fitRate(comp.model, xs, y));
      handRates.push(await fitRate(hand, xs, y));
      loopRates.push(await loopRate());
      fitRates.push(await fitRate(comp.model, xs, y));
    } else {
      handRates.push(await fitRate(hand, xs, y));
      compRates.push(await fitRate(comp.model, xs, y));
      fitRates.push(await fitRate(comp.model, xs, y));
      loopRates.push(await loopRate());
    }
    process.stderr.write(`round ${r + 1}/${REPEATS}: compiled ${compRates[r].toFixed(1)}, hand ${handRates[r].toFixed(1)}, loop ${loopRates[r].toFixed(1)}, fit ${fitRates[r].toFixed(1)} samples/s\n`);
  }
  // The loop with and without precise BN, and without FusionLab's C kernels (engine/backend/native).
  const preciseRates: number[] = [];
  const plainRates: number[] = [];
  const noNativeRates: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const order = r % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
    for (const k of order) {
      if (k === 0) preciseRates.push(await loopRate(preciseTrainer));
      else if (k === 1) plainRates.push(await loopRate());
      else noNativeRates.push(await loopRate(trainer, false));
    }
    process.stderr.write(`loop round ${r + 1}/${REPEATS}: precise BN ${preciseRates[r].toFixed(1)}, without ${plainRates[r].toFixed(1)}, without C kernels ${noNativeRates[r].toFixed(1)} samples/s\n`);
  }
  const frozenOn: number[] = [];
  const frozenOff: number[] = [];
  let cacheSeconds = 0;
  for (let r = 0; r < REPEATS; r++) {
    const on = await frozenRate(true);
    frozenOn.push(on.rate);
    cacheSeconds = on.cacheSeconds;
    frozenOff.push((await frozenRate(false)).rate);
    process.stderr.write(`frozen round ${r + 1}: cached ${frozenOn[r].toFixed(1)}, uncached ${frozenOff[r].toFixed(1)} samples/s\n`);
  }

  let torch: { samplesPerSecond: number; version: string } | null = null;
  let torchNote = '';
  try {
    const out = execFileSync('/usr/bin/python3', [new URL('./avmnist_torch.py', import.meta.url).pathname, '--samples', String(Math.max(SAMPLES, 256)), '--repeats', String(REPEATS), '--batch', String(BATCH)], { encoding: 'utf8', timeout: 600_000 });
    torch = JSON.parse(out.trim().split('\n').pop() as string) as { samplesPerSecond: number; version: string };
  } catch (e) {
    torchNote = `PyTorch not run: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }

  // WASM against WebGL in headless Chromium: WASM as the app runs it (SIMD, 1 thread, isolated
  // page) and WebGL on whatever renderer Chromium has here (SwiftShader without a GPU).
  let browser: { wasm: BrowserResult; webgl: BrowserResult; version: string } | null = null;
  let browserNote = '';
  if (!process.argv.includes('--no-browser')) {
    try {
      const r = await measureInBrowser([
        { name: 'wasm', where: 'iso', backend: 'wasm', threads: 1, batches: 10 },
        { name: 'webgl', where: 'iso', backend: 'webgl', threads: 0, batches: 3 },
      ]);
      browser = { wasm: r.results[0], webgl: r.results[1], version: r.version };
      process.stderr.write(`browser: wasm ${r.results[0].trainSamplesPerSec?.toFixed(1) ?? r.results[0].error}, webgl ${r.results[1].trainSamplesPerSec?.toFixed(1) ?? r.results[1].error} samples/s\n`);
    } catch (e) {
      browserNote = `not run: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
    }
  } else browserNote = 'not run (--no-browser)';

  const med = (xs: number[]) => stats(xs).median;
  // Ratios: the median of the per-round ratios (each round runs A and B back to back).
  const ratio = (a: number[], b: number[]) => med(a.map((x, i) => x / b[i]));
  const compM = med(compRates);
  const handM = med(handRates);
  const loopM = med(loopRates);
  const fitM = med(fitRates);
  const onM = med(frozenOn);
  const offM = med(frozenOff);
  const be = `${info.backend}${info.simd ? ' SIMD' : ''}, ${info.threads} thread`;
  const rows = [
    ['measure', 'A (samples/s)', 'B (samples/s)', 'A / B (median of rounds)', 'target'],
    ['compiled graph (A) vs hand-written tfjs (B), model.fit', compM.toFixed(1), handM.toFixed(1), ratio(compRates, handRates).toFixed(3), '≥ 0.97'],
    ['FusionLab loop (A) vs bare model.fit (B)', loopM.toFixed(1), fitM.toFixed(1), ratio(loopRates, fitRates).toFixed(3), '≥ 0.9'],
    [`loop with precise BN after each ${Math.ceil(SAMPLES / BATCH)}-batch epoch (A) vs without (B)`, med(preciseRates).toFixed(1), med(plainRates).toFixed(1), ratio(preciseRates, plainRates).toFixed(3), 'its cost'],
    ["loop with FusionLab's C kernels (A) vs without (B: tfjs' kernels and JS loops)", med(plainRates).toFixed(1), med(noNativeRates).toFixed(1), ratio(plainRates, noNativeRates).toFixed(2) + '×', 'speed-up'],
    [`frozen encoders: cached features (A) vs uncached (B); cache built in ${cacheSeconds.toFixed(1)} CPU-s`, onM.toFixed(1), offM.toFixed(1), ratio(frozenOn, frozenOff).toFixed(1) + '×', 'speed-up'],
    torch
      ? [`FusionLab loop tfjs ${be} (A) vs PyTorch ${torch.version} 1 thread (B)`, loopM.toFixed(1), torch.samplesPerSecond.toFixed(1), (loopM / torch.samplesPerSecond).toFixed(3), '≥ 0.5']
      : ['tfjs vs PyTorch', loopM.toFixed(1), 'n/a', 'n/a', torchNote],
  ];
  if (torch) rows.push(['the same with precise BN (A) vs PyTorch (B)', med(preciseRates).toFixed(1), torch.samplesPerSecond.toFixed(1), (med(preciseRates) / torch.samplesPerSecond).toFixed(3), 'ratio']);
  if (browser && browser.wasm.ok && browser.webgl.ok) {
    const a = browser.wasm.trainSamplesPerSec ?? 0;
    const b = browser.webgl.trainSamplesPerSec ?? 0;
    const r = browser.webgl.renderer;
    const on = r ? ` on ${detectSoftwareRenderer(r) ?? r.replace(/\s+/g, ' ').slice(0, 40)}` : '';
    rows.push([`headless Chromium ${browser.version.split('.')[0]}, two-branch CNN, wall-clock: WASM SIMD 1 thread as in the app (A) vs WebGL${on} (B)`, a.toFixed(1), b.toFixed(1), (a / Math.max(b, 1e-9)).toFixed(1) + '×', 'app picks the faster']);
  } else {
    const why = browserNote || [browser?.wasm, browser?.webgl].filter((r) => r && !r.ok).map((r) => `${r?.case.name}: ${r?.error}`).join('; ');
    rows.push(['WASM vs WebGL, headless Chromium', 'n/a', 'n/a', 'n/a', why.slice(0, 120)]);
  }
  printTable(`Training speed, AV-MNIST template (samples per CPU-second; ${SAMPLES} samples, batch ${BATCH}, ${be}, medians of ${REPEATS})`, rows);
  trainer.dispose();
  preciseTrainer.dispose();
  preciseModel.model.dispose();
  tf.dispose([...xs, y]);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
