/**
 * URLs of the tfjs WASM binaries, emitted by the bundler from node_modules and served from the
 * app's own origin (no CDN). `new URL(relative path, import.meta.url)` is the asset form that
 * both Turbopack and webpack understand; the version of the binaries is then always the version
 * of the installed JS.
 */

import { NATIVE_KERNEL_FILES } from '@/engine/backend/native-kernels';

/** Key of the pristine threaded-SIMD Emscripten script's URL in the map below (see wasmThreads.ts). */
export const THREADED_SCRIPT_KEY = 'tfjs-backend-wasm-threaded-simd.js';

/** Keys of the URLs of FusionLab's compiled kernels (single-thread and shared-memory builds). */
export const NATIVE_KERNELS_KEY = NATIVE_KERNEL_FILES.plain;
export const NATIVE_KERNELS_SHARED_KEY = NATIVE_KERNEL_FILES.shared;

/** The file map for setWasmPaths, plus {@link THREADED_SCRIPT_KEY}. */
export function wasmBinaryUrls(): Record<string, string> {
  return {
    'tfjs-backend-wasm.wasm': new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm', import.meta.url).href,
    'tfjs-backend-wasm-simd.wasm': new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', import.meta.url).href,
    'tfjs-backend-wasm-threaded-simd.wasm': new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm', import.meta.url).href,
    // FusionLab's own C kernels (engine/backend/native), fetched by backend.ts; setWasmPaths ignores these keys.
    [NATIVE_KERNELS_KEY]: new URL('../../engine/backend/native/fusionlab-kernels.wasm', import.meta.url).href,
    [NATIVE_KERNELS_SHARED_KEY]: new URL('../../engine/backend/native/fusionlab-kernels-shared.wasm', import.meta.url).href,
    // The untouched Emscripten glue of the threaded build, emitted as a static file (not bundled):
    // its pthread workers load it (see wasmThreads.ts). Not a binary; setWasmPaths ignores the key.
    [THREADED_SCRIPT_KEY]: new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js', import.meta.url).href,
  };
}
