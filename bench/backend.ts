/**
 * Training speed of a two-branch CNN (AV-MNIST shape) on tfjs backends in Node:
 * WASM with SIMD (with and without the faster replacement kernels), WASM without SIMD, and the
 * plain CPU backend, batch 32.
 *
 *   npx tsx bench/backend.ts            # full table (a few minutes: the CPU backend is slow)
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
import { BATCH, IMAGE, SPEC, twoBranchCnn } from './two-branch-cnn';

type Variant = 'wasm-simd' | 'wasm-simd-stock' | 'wasm-nosimd' | 'cpu';
const VARIANTS: Variant[] = ['wasm-simd', 'wasm-simd-stock', 'wasm-nosimd', 'cpu'];
const VARIANT_NOTE: Record<Variant, string> = {
  'wasm-simd': 'WASM, SIMD, added + faster kernels (what the CLI runs)',
  'wasm-simd-stock': 'WASM, SIMD, tfjs-wasm\'s own kernels; only those it lacks added (no FusionLab C or faster kernels)',
  'wasm-nosimd': 'WASM without SIMD, added + faster kernels',
  cpu: 'plain JS CPU backend',
};

interface Result {
  variant: Variant;
  simd: boolean;
  threads: number;
  trainBatches: number;
  trainSamplesPerSec: number;
  cpuSamplesPerSec: number;
  cpuMsPerBatch: number;
  msPerBatch: number;
  predictSamplesPerSec: number;
  params: number;
  topKernels: Array<{ name: string; ms: number }>;
}

async function runVariant(variant: Variant, quick: boolean): Promise<Result> {
  if (variant === 'wasm-nosimd') tf.env().set('WASM_HAS_SIMD_SUPPORT', false);
  const info = await initNodeBackend(variant === 'cpu' ? 'cpu' : 'wasm', { faster: variant !== 'wasm-simd-stock' });
  const model = twoBranchCnn(tf);
  const xs = [tf.randomNormal([BATCH, ...IMAGE], 0, 1, 'float32', 1), tf.randomNormal([BATCH, ...SPEC], 0, 1, 'float32', 2)];
  const ys = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32', 3) as tf.Tensor1D, 10);
  const cpu = variant === 'cpu';
  // The CPU backend needs ~1 min per batch here: one timed batch, no warm-up, no profile.
  const batches = cpu ? 1 : quick ? 5 : 15;

  if (!cpu) await model.trainOnBatch(xs, ys); // warm-up: kernels set up, optimizer slots created
  // Per-batch wall and CPU times. This process is single-threaded (no WASM threads in Node), so
  // its CPU time is the work done, whatever else the machine runs; wall time is what a user
  // waits on a quiet machine only. Medians resist outliers.
  const wall: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < batches; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await model.trainOnBatch(xs, ys);
    const c = process.cpuUsage(c0);
    cpuMs.push((c.user + c.system) / 1000);
    wall.push(performance.now() - t0);
  }
  const median = (v: number[]) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const medianMs = median(wall);
  const medianCpuMs = median(cpuMs);

  const p0 = performance.now();
  const predictReps = cpu ? 1 : 4;
  for (let i = 0; i < predictReps; i++) tf.tidy(() => (model.predict(xs) as tf.Tensor).dataSync());
  const predictMs = performance.now() - p0;

  // Kernel-level profile of one training step (synchronous kernel times).
  const byName = new Map<string, number>();
  if (!cpu) {
    const prof = await tf.profile(async () => {
      await model.trainOnBatch(xs, ys);
    });
    for (const k of prof.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + Number(k.kernelTimeMs));
  }
  const topKernels = [...byName.entries()].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms).slice(0, 8);

  tf.dispose([...xs, ys]);
  const params = model.countParams();
  model.dispose();
  return {
    variant, simd: info.simd, threads: info.threads, trainBatches: batches,
    trainSamplesPerSec: BATCH / (medianMs / 1000), cpuSamplesPerSec: BATCH / (medianCpuMs / 1000), msPerBatch: medianMs, cpuMsPerBatch: medianCpuMs,
    predictSamplesPerSec: (predictReps * BATCH) / (predictMs / 1000), params, topKernels,
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
  console.log(`Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), tfjs ${tf.version.tfjs}, load average ${os.loadavg()[0].toFixed(1)} at the end (other processes skew timings)\n`);
  console.log(table([
    ['variant', 'what', 'SIMD', 'threads', 'batches', 'train samples per CPU-s', 'CPU ms / batch', 'train samples/s (wall)', 'wall ms / batch', 'predict samples/s (wall)', 'vs cpu (CPU-s)'],
    ...results.map((r) => [
      r.variant, VARIANT_NOTE[r.variant], r.simd ? 'yes' : 'no', String(r.threads), String(r.trainBatches),
      r.cpuSamplesPerSec.toFixed(1), r.cpuMsPerBatch.toFixed(0), r.trainSamplesPerSec.toFixed(1), r.msPerBatch.toFixed(0),
      r.predictSamplesPerSec.toFixed(1), cpu ? `${(r.cpuSamplesPerSec / cpu.cpuSamplesPerSec).toFixed(0)}x` : '-',
    ]),
  ]));
  for (const r of results.filter((x) => x.variant === 'wasm-simd' || x.variant === 'wasm-simd-stock')) {
    console.log(`\nTop kernels of one training step on ${r.variant} (profiled step; sum of kernel times)`);
    const total = r.topKernels.reduce((a, k) => a + k.ms, 0);
    console.log(table([['kernel', 'ms', 'share of top 8'], ...r.topKernels.map((k) => [k.name, k.ms.toFixed(1), `${((k.ms / total) * 100).toFixed(0)}%`])]));
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
