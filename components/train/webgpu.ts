/**
 * WebGPU, loaded only where it can run: the tfjs WebGPU backend (a large module) is imported
 * dynamically, so that it becomes its own chunk, and only when the runtime has `navigator.gpu`.
 * engine/backend/select.ts then chooses it on a real GPU (an adapter that is not a fallback
 * adapter); on machines without one it is never offered.
 */
import type * as tfTypes from '@tensorflow/tfjs';

/** Register tfjs's 'webgpu' backend if this worker or page has WebGPU; never throws. */
export async function registerWebGpuIfPresent(tf: typeof tfTypes): Promise<boolean> {
  if (tf.findBackendFactory('webgpu') != null) return true;
  const nav = (globalThis as { navigator?: unknown }).navigator as { gpu?: unknown } | undefined;
  if (!nav?.gpu) return false;
  try {
    // Registers the backend as a side effect of the import.
    await import('@tensorflow/tfjs-backend-webgpu');
    return tf.findBackendFactory('webgpu') != null;
  } catch {
    return false;
  }
}
