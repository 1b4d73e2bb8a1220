/**
 * Backend start-up for the app (main thread or a Web Worker): detect, choose, initialise, fall
 * back. Touches no DOM global until `initBrowserBackend` is called.
 *
 * The .wasm binaries must be served by the app itself (no CDN; see the report in
 * engine/backend/README.md): `wasmPrefix` is the URL directory holding
 * tfjs-backend-wasm.wasm, tfjs-backend-wasm-simd.wasm and tfjs-backend-wasm-threaded-simd.wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { fetchNativeKernelBinaries, NATIVE_KERNEL_FILES } from './native-kernels';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { detectCapabilities, selectBackend, type BackendChoice, type BackendName } from './select';

/** What runs, and why: for the app's backend badge. */
export interface BrowserBackendInfo extends BackendChoice {
  /** XNNPACK threads actually in use (wasm only; 1 otherwise). */
  threads: number;
  /** Backends tried and failed before this one, with their errors. */
  failed: Array<{ backend: BackendName; error: string }>;
}

/** Options of `initBrowserBackend`. */
export interface BrowserBackendOptions {
  /** URL directory (ending in '/') the .wasm binaries are served from, e.g. '/tfjs-wasm/4.22.0/'. */
  wasmPrefix: string;
  /** The user's explicit choice, if any. */
  preferred?: BackendName;
}

/**
 * Detects capabilities, picks a backend (`selectBackend`), registers the WASM training kernels,
 * and initialises it; if initialisation fails, tries the next one (wasm → cpu) and says so.
 */
export async function initBrowserBackend(options: BrowserBackendOptions): Promise<BrowserBackendInfo> {
  const caps = await detectCapabilities(tf.findBackendFactory('webgpu') != null);
  const choice = selectBackend(caps, options.preferred);
  setWasmPaths(options.wasmPrefix);
  const p = options.wasmPrefix;
  registerWasmTrainingKernels(tf, { native: await fetchNativeKernelBinaries({ plain: p + NATIVE_KERNEL_FILES.plain, shared: p + NATIVE_KERNEL_FILES.shared }) });
  // Must precede the wasm backend's first initialisation; ignored by the non-threaded builds.
  if (choice.wasmFeatures.threads) setThreadsCount(choice.wasmThreadCount);
  const order: BackendName[] = [choice.backend, ...(['wasm', 'cpu'] as const).filter((b) => b !== choice.backend)];
  const failed: Array<{ backend: BackendName; error: string }> = [];
  for (const b of order) {
    try {
      if (await tf.setBackend(b)) {
        await tf.ready();
        const reason = failed.length === 0 ? choice.reason
          : `${b}: ${failed.map((f) => `${f.backend} failed to start (${f.error})`).join('; ')}`;
        return { ...choice, backend: b, reason, threads: b === 'wasm' ? getThreadsCount() : 1, failed };
      }
      failed.push({ backend: b, error: 'initialisation returned false' });
    } catch (e) {
      failed.push({ backend: b, error: e instanceof Error ? e.message : String(e) });
    }
  }
  throw new Error(`no tfjs backend could start: ${failed.map((f) => `${f.backend}: ${f.error}`).join('; ')}`);
}
