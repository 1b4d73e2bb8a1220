/**
 * Backend start-up for training (worker or page). Like engine/backend/browser-backend.ts, but the
 * .wasm binaries come as a file map of URLs the bundler emitted (see wasmUrls.ts), and it reports
 * which backends this runtime can start so that the panel can offer them.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '@/engine/backend/wasm-kernels';
import { detectCapabilities, selectBackend, type BackendName } from '@/engine/backend/select';
import type { BackendPreference, BackendReport } from './protocol';
import { registerWebGpuIfPresent } from './webgpu';

let kernelsRegistered = false;

/** Start the preferred (or automatically chosen) backend, falling back wasm → cpu. */
export async function startBackend(preferred: BackendPreference, wasmUrls: Record<string, string>, mainThread: boolean): Promise<BackendReport & { requestedAvailable: boolean }> {
  const caps = await detectCapabilities(await registerWebGpuIfPresent(tf));
  const available: BackendName[] = (['webgpu', 'webgl', 'wasm', 'cpu'] as const).filter((b) => (b === 'webgpu' ? caps.webgpu : b === 'webgl' ? caps.webgl : b === 'wasm' ? caps.wasm : true));
  const choice = selectBackend(caps, preferred === 'auto' ? undefined : preferred);
  // tfjs-backend-wasm starts its pthread workers from a Blob of its own factory's source text,
  // which breaks once the bundler minifies it ("r is not defined" in every pthread worker), so
  // the threaded build is switched off and the SIMD build runs on one thread.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const threadNote = choice.wasmFeatures.threads && choice.wasmThreadCount > 1
    ? `; threads are off here (tfjs's threaded WASM build does not survive bundling), so 1 thread`
    : '';
  if (!kernelsRegistered) {
    // The file map form of setWasmPaths: the bundler gives each binary its own hashed URL.
    setWasmPaths(wasmUrls as Parameters<typeof setWasmPaths>[0]);
    registerWasmTrainingKernels(tf);
    kernelsRegistered = true;
  }
  const order: BackendName[] = [choice.backend, ...(['wasm', 'cpu'] as const).filter((b) => b !== choice.backend)];
  const failed: string[] = [];
  for (const b of order) {
    try {
      if (await tf.setBackend(b)) {
        await tf.ready();
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
