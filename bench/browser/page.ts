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

/** Which GPU Chromium really gave the page (what tells SwiftShader from a real GPU). */
export interface GpuReport {
  /** WebGL's UNMASKED_RENDERER_WEBGL (RENDERER where the extension is missing), or null without WebGL. */
  webglRenderer: string | null;
  webglVendor: string | null;
  /** False when `navigator.gpu` is missing (WebGPU off in this browser). */
  webgpuApi: boolean;
  /** The WebGPU adapter's description, or null when none was found. */
  webgpuAdapter: string | null;
  /** True when the adapter is a fallback (software) adapter. */
  webgpuFallback: boolean;
  error?: string;
}

// lib.dom's WebGPU typings differ between TypeScript versions: only what is read here.
interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}

async function gpuInfo(): Promise<GpuReport> {
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  const dbg = gl?.getExtension('WEBGL_debug_renderer_info');
  const webglRenderer = gl ? String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : null;
  const webglVendor = gl ? String(gl.getParameter(dbg ? dbg.UNMASKED_VENDOR_WEBGL : gl.VENDOR)) : null;
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<AdapterLike | null> } }).gpu;
  const out: GpuReport = { webglRenderer, webglVendor, webgpuApi: gpu != null, webgpuAdapter: null, webgpuFallback: false };
  if (!gpu) return out;
  try {
    const a = await gpu.requestAdapter();
    if (a) {
      const i = a.info ?? {};
      out.webgpuAdapter = [i.vendor, i.architecture, i.device, i.description].filter((x) => x).join(' / ') || 'unnamed adapter';
      out.webgpuFallback = Boolean(i.isFallbackAdapter ?? a.isFallbackAdapter);
    }
  } catch (e) {
    out.error = e instanceof Error ? e.message : String(e);
  }
  return out;
}

async function run(preferred: BackendName, batches: number, threads: number, fakeCores = 0): Promise<PageResult> {
  // The app loads the WebGPU backend only where it may run (components/train/webgpu.ts); so here.
  if (preferred === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
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

Object.assign(globalThis, { runBench: run, gpuInfo });
