/**
 * Backend start-up for training (worker or page). Like engine/backend/browser-backend.ts, but the
 * .wasm binaries come as a file map of URLs the bundler emitted (see wasmUrls.ts), and it reports
 * which backends this runtime can start so that the panel can offer them.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '@/engine/backend/wasm-kernels';
import { detectCapabilities, selectBackend, type BackendName } from '@/engine/backend/select';
import type { BackendPreference, BackendReport } from './protocol';
import { registerWebGpuIfPresent } from './webgpu';
import { NATIVE_KERNELS_KEY, NATIVE_KERNELS_SHARED_KEY, THREADED_SCRIPT_KEY } from './wasmUrls';
import { fetchNativeKernelBinaries, nativeKernels, nativeKernelsError } from '@/engine/backend/native-kernels';
import { usePristineThreadedScript, watchThreadedStart } from './wasmThreads';

let kernelsRegistered = false;
/** Why the threaded WASM build failed to start in this runtime (then it is not tried again). */
let threadsFailed = '';
/** How long the pthread workers may take to start before the single-thread build is used. */
const THREADED_START_MS = 30_000;

function failedNote(why: string): string {
  return `; WASM threads did not start (${why}), so the single-thread SIMD build runs`;
}

/** Start the preferred (or automatically chosen) backend, falling back wasm → cpu. */
export async function startBackend(preferred: BackendPreference, wasmUrls: Record<string, string>, mainThread: boolean): Promise<BackendReport & { requestedAvailable: boolean }> {
  const caps = await detectCapabilities(await registerWebGpuIfPresent(tf));
  const available: BackendName[] = (['webgpu', 'webgl', 'wasm', 'cpu'] as const).filter((b) => (b === 'webgpu' ? caps.webgpu : b === 'webgl' ? caps.webgl : b === 'wasm' ? caps.wasm : true));
  const choice = selectBackend(caps, preferred === 'auto' ? undefined : preferred);
  // Threads need the pthread workers to load the pristine Emscripten script (wasmThreads.ts); if
  // they fail to start, the SIMD build runs on one thread and the reason says why.
  const scriptUrl = wasmUrls[THREADED_SCRIPT_KEY];
  let threaded = choice.wasmFeatures.threads && scriptUrl !== undefined && !threadsFailed;
  let threadNote = '';
  if (!kernelsRegistered) {
    // The file map form of setWasmPaths: the bundler gives each binary its own hashed URL.
    setWasmPaths(wasmUrls as Parameters<typeof setWasmPaths>[0]);
    registerWasmTrainingKernels(tf, { native: await fetchNativeKernelBinaries({ plain: wasmUrls[NATIVE_KERNELS_KEY], shared: wasmUrls[NATIVE_KERNELS_SHARED_KEY] }) });
    if (threaded && scriptUrl !== undefined) {
      if (usePristineThreadedScript(scriptUrl)) setThreadsCount(choice.wasmThreadCount);
      else threadsFailed = "tfjs's threaded factory could not be found";
    }
    kernelsRegistered = true;
  }
  if (threadsFailed) {
    threaded = false;
    threadNote = failedNote(threadsFailed);
  }
  if (!threaded) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const order: BackendName[] = [choice.backend, ...(['wasm', 'cpu'] as const).filter((b) => b !== choice.backend)];
  const failed: string[] = [];
  for (const b of order) {
    try {
      if (b === 'wasm' && threaded && tf.findBackend('wasm') == null) {
        try {
          if (!(await watchThreadedStart(() => tf.setBackend('wasm'), THREADED_START_MS))) throw new Error('the threaded WASM build did not start');
        } catch (e) {
          threadsFailed = e instanceof Error ? e.message : String(e);
          threaded = false;
          threadNote = failedNote(threadsFailed);
          tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
        }
      }
      if (await tf.setBackend(b)) {
        await tf.ready();
        if (b === 'wasm' && threaded) threadNote = `; threaded build running ${getThreadsCount()} thread${getThreadsCount() === 1 ? '' : 's'}`;
        // Load FusionLab's C kernels now (not at the first batch norm), so the reason says whether they run.
        if (b === 'wasm') threadNote += nativeKernels(tf.backend()) != null ? '; FusionLab SIMD kernels loaded' : `; FusionLab SIMD kernels not loaded (${nativeKernelsError()})`;
        const reason = (failed.length === 0 ? choice.reason : `${b}: ${failed.join('; ')}`) + (b === 'wasm' ? threadNote : '');
        return {
          backend: b,
          reason,
          threads: b === 'wasm' ? getThreadsCount() : 1,
          mainThread,
          available,
          requestedAvailable: preferred === 'auto' || available.includes(preferred),
        };
      }
      failed.push(`${b} failed to start`);
    } catch (e) {
      failed.push(`${b} failed to start (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  throw new Error(`No TensorFlow.js backend could start: ${failed.join('; ')}`);
}
