/**
 * Training speed of a two-branch CNN (AV-MNIST shape) on tfjs backends in Node:
 * WASM with SIMD, WASM without SIMD, and the plain CPU backend, batch 32.
 *
 *   npx tsx bench/backend.ts            # full table (about a minute)
 *   npx tsx bench/backend.ts --quick    # fewer batches
 *
 * Each backend runs in its own child process so that one backend's state (heap, flags) cannot
 * colour another's numbers. Prints tables; asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../engine/backend/node-backend';

type Variant = 'wasm-simd' | 'wasm-nosimd' | 'cpu';
const VARIANTS: Variant[] = ['wasm-simd', 'wasm-nosimd', 'cpu'];
const BATCH = 32;
const IMAGE: [number, number, number] = [28, 28, 1];
const SPEC: [number, number, number] = [98, 32, 1]; // 1 s at 8 kHz, 10 ms hop, 32 log-mel bins

interface Result {
  variant: Variant;
  simd: boolean;
  threads: number;
  trainBatches: number;
  trainSamplesPerSec: number;
  msPerBatch: number;
  predictSamplesPerSec: number;
  params: number;
  topKernels: Array<{ name: string; ms: number }>;
  stepMs: number;
}

/** conv 16 → pool → conv 32 → pool per branch, concat, dense 64, softmax over 10. */
function twoBranchCnn(): tf.LayersModel {
  const branch = (input: tf.SymbolicTensor, name: string): tf.SymbolicTensor => {
    let x = input;
    for (const [i, filters] of [16, 32].entries()) {
      x = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', name: `${name}_conv${i + 1}`, kernelInitializer: tf.initializers.glorotUniform({ seed: i + 1 }) }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.maxPooling2d({ poolSize: 2, name: `${name}_pool${i + 1}` }).apply(x) as tf.SymbolicTensor;
    }
    return tf.layers.flatten({ name: `${name}_flat` }).apply(x) as tf.SymbolicTensor;
  };
  const image = tf.input({ shape: IMAGE, name: 'image' });
  const audio = tf.input({ shape: SPEC, name: 'audio' });
  const fused = tf.layers.concatenate({ name: 'fuse' }).apply([branch(image, 'img'), branch(audio, 'aud')]) as tf.SymbolicTensor;
  const hidden = tf.layers.dense({ units: 64, activation: 'relu', name: 'dense', kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }).apply(fused) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 10, activation: 'softmax', name: 'digit', kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) }).apply(hidden) as tf.SymbolicTensor;
  const m = tf.model({ inputs: [image, audio], outputs: out });
  m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

async function runVariant(variant: Variant, quick: boolean): Promise<Result> {
  if (variant === 'wasm-nosimd') tf.env().set('WASM_HAS_SIMD_SUPPORT', false);
  const info = await initNodeBackend(variant === 'cpu' ? 'cpu' : 'wasm');
  const model = twoBranchCnn();
  const xs = [tf.randomNormal([BATCH, ...IMAGE], 0, 1, 'float32', 1), tf.randomNormal([BATCH, ...SPEC], 0, 1, 'float32', 2)];
  const ys = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32', 3) as tf.Tensor1D, 10);
  const batches = variant === 'cpu' ? (quick ? 1 : 2) : quick ? 4 : 12;

  await model.trainOnBatch(xs, ys); // warm-up: kernels set up, optimizer slots created
  const t0 = performance.now();
  for (let i = 0; i < batches; i++) await model.trainOnBatch(xs, ys);
  const trainMs = performance.now() - t0;

  const p0 = performance.now();
  const predictReps = variant === 'cpu' ? 1 : 4;
  for (let i = 0; i < predictReps; i++) tf.tidy(() => (model.predict(xs) as tf.Tensor).dataSync());
  const predictMs = performance.now() - p0;

  // Kernel-level profile of one training step (synchronous kernel times).
  const prof = await tf.profile(async () => {
    await model.trainOnBatch(xs, ys);
  });
  const byName = new Map<string, number>();
  for (const k of prof.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + Number(k.kernelTimeMs));
  const topKernels = [...byName.entries()].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms).slice(0, 8);

  tf.dispose([...xs, ys]);
  const params = model.countParams();
  model.dispose();
  return {
    variant, simd: info.simd, threads: info.threads, trainBatches: batches,
    trainSamplesPerSec: (batches * BATCH) / (trainMs / 1000), msPerBatch: trainMs / batches,
    predictSamplesPerSec: (predictReps * BATCH) / (predictMs / 1000), params, topKernels,
    stepMs: trainMs / batches,
  };
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function table(rows: string[][]): string {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => pad(c, w[i])).join(' | ') + ' |';
  return [line(rows[0]), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const child = args.indexOf('--variant');
  if (child >= 0) {
    const r = await runVariant(args[child + 1] as Variant, quick);
    process.stdout.write('RESULT ' + JSON.stringify(r) + '\n');
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const results: Result[] = [];
  for (const v of VARIANTS) {
    process.stderr.write(`running ${v}…\n`);
    // Same node + tsx loader flags as this process, fresh V8 and WASM heap per backend.
    const r = spawnSync(process.execPath, [...process.execArgv, self, '--variant', v, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (line == null) {
      process.stderr.write(`${v} failed:\n${r.stderr.slice(-2000)}\n`);
      continue;
    }
    results.push(JSON.parse(line.slice(7)) as Result);
  }
  const cpu = results.find((r) => r.variant === 'cpu');
  console.log(`\nTwo-branch CNN (image ${IMAGE.join('x')} + spectrogram ${SPEC.join('x')}, conv 16/32 per branch, concat, dense 64, softmax 10; ${results[0]?.params ?? '?'} params), batch ${BATCH}`);
  console.log(`Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), tfjs ${tf.version.tfjs}\n`);
  console.log(table([
    ['backend', 'SIMD', 'threads', 'train samples/s', 'ms / batch', 'predict samples/s', 'vs cpu (train)'],
    ...results.map((r) => [
      r.variant, r.simd ? 'yes' : 'no', String(r.threads), r.trainSamplesPerSec.toFixed(1), r.msPerBatch.toFixed(0),
      r.predictSamplesPerSec.toFixed(1), cpu ? `${(r.trainSamplesPerSec / cpu.trainSamplesPerSec).toFixed(1)}x` : '-',
    ]),
  ]));
  for (const r of results.filter((x) => x.variant !== 'cpu')) {
    console.log(`\nTop kernels of one training step on ${r.variant} (profiled step; sum of kernel times)`);
    const total = r.topKernels.reduce((a, k) => a + k.ms, 0);
    console.log(table([['kernel', 'ms', 'share of top 8'], ...r.topKernels.map((k) => [k.name, k.ms.toFixed(1), `${((k.ms / total) * 100).toFixed(0)}%`])]));
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
