/**
 * URLs of the tfjs WASM binaries, emitted by the bundler from node_modules and served from the
 * app's own origin (no CDN). `new URL(relative path, import.meta.url)` is the asset form that
 * both Turbopack and webpack understand; the version of the binaries is then always the version
 * of the installed JS.
 */
export function wasmBinaryUrls(): Record<string, string> {
  return {
    'tfjs-backend-wasm.wasm': new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm', import.meta.url).href,
    'tfjs-backend-wasm-simd.wasm': new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', import.meta.url).href,
    'tfjs-backend-wasm-threaded-simd.wasm': new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm', import.meta.url).href,
  };
}
