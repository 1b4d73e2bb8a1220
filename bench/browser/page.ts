/**
 * Browser side of bench/backend-browser.ts: bundled with esbuild, loaded in Chromium. Trains the
 * shared two-branch CNN on the backend named in the URL and reports samples/s.
 */
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { initBrowserBackend } from '../../engine/backend/browser-backend';
import { detectCapabilities, type BackendName } from '../../engine/backend/select';
import { BATCH, IMAGE, SPEC, twoBranchCnn } from '../two-branch-cnn';

interface PageResult {
  backend: string;
  reason: string;
  threads: number;
  simd: boolean;
  crossOriginIsolated: boolean;
  renderer: string | null;
  trainSamplesPerSec: number;
  msPerBatch: number;
  firstLoss: number;
  lastLoss: number;
  tfjsFlags: string;
}

async function run(preferred: BackendName, batches: number, threads: number, fakeCores = 0): Promise<PageResult> {
  // tfjs-wasm's C++ caps XNNPACK threads at hardwareConcurrency / 2 (it assumes SMT), read when
  // the module starts: reporting more cores is the only way to get 2 threads on a 2-core machine.
  if (fakeCores > 0) Object.defineProperty(navigator, 'hardwareConcurrency', { get: () => fakeCores, configurable: true });
  if (threads > 0) setThreadsCount(threads);
  const info = await initBrowserBackend({ wasmPrefix: '/wasm/', preferred });
  const caps = await detectCapabilities();
  const flags = `simd=${String(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))} mt=${String(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))} caps.threads=${String(caps.wasmThreads)} hc=${caps.hardwareConcurrency}`;
  const model = twoBranchCnn(tf);
  const xs = [tf.randomNormal([BATCH, ...IMAGE], 0, 1, 'float32', 1), tf.randomNormal([BATCH, ...SPEC], 0, 1, 'float32', 2)];
  const ys = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32', 3) as tf.Tensor1D, 10);
  const first = (await model.trainOnBatch(xs, ys)) as number[]; // warm-up
  const t0 = performance.now();
  let last: number[] = first;
  for (let i = 0; i < batches; i++) last = (await model.trainOnBatch(xs, ys)) as number[];
  const ms = performance.now() - t0;
  tf.dispose([...xs, ys]);
  model.dispose();
  return {
    backend: info.backend, reason: info.reason, threads: info.threads, simd: info.wasmFeatures.simd,
    crossOriginIsolated: caps.crossOriginIsolated, renderer: caps.webglRenderer,
    trainSamplesPerSec: (batches * BATCH) / (ms / 1000), msPerBatch: ms / batches, firstLoss: first[0], lastLoss: last[0], tfjsFlags: flags,
  };
}

(globalThis as unknown as { runBench: typeof run }).runBench = run;
