/**
 * Makes tfjs-backend-wasm's threaded build (SIMD + threads) work in the bundled app.
 *
 * tfjs 4.22 gives its pthread workers their main script as
 * `new Blob(['var WasmBackendModuleThreadedSimd = ' + wasmFactoryThreadedSimd.toString()])`, i.e.
 * the factory function's source text as the bundler left it. After `next build` that text refers
 * to names of the bundle's scope (its require shim and the like) that do not exist in a pthread
 * worker, so every worker dies ("r is not defined") and the backend never starts.
 *
 * The fix: the untouched `wasm-out/tfjs-backend-wasm-threaded-simd.js` is emitted by the bundler
 * as a same-origin static file (see wasmUrls.ts), and the factory's `toString` (the very function
 * object tfjs holds: same module) is given a text that loads that file in the worker. The bundled
 * factory still runs on the calling thread; only the pthread workers run the pristine copy, which
 * is the same Emscripten glue for the same .wasm (they talk through string-keyed messages).
 */
import * as threadedSimdImport from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';

// Resolved exactly as tfjs's backend_wasm.js does (`import * as x` then `x.default || x`), so that
// this is the function object whose toString tfjs calls.
const threadedSimdFactory: unknown = (threadedSimdImport as { default?: unknown }).default ?? threadedSimdImport;

/**
 * Point the pthread workers at the pristine script at `scriptUrl` (absolute: the workers start from
 * `blob:` URLs, against which a relative URL cannot resolve). Call before the wasm backend starts.
 * False when the factory is not a function here (then threads cannot be fixed this way).
 */
export function usePristineThreadedScript(scriptUrl: string): boolean {
  if (typeof threadedSimdFactory !== 'function') return false;
  const url = new URL(scriptUrl, self.location.href).href;
  // In the worker the blob reads `var WasmBackendModuleThreadedSimd = (importScripts(url), WasmBackendModuleThreadedSimd)`:
  // importScripts defines the global factory, which is then assigned to itself.
  const text = `(importScripts(${JSON.stringify(url)}), WasmBackendModuleThreadedSimd)`;
  Object.defineProperty(threadedSimdFactory, 'toString', { value: () => text, configurable: true, writable: true });
  return true;
}

/** Where the threaded start is: errors of pthread workers are swallowed only while starting or after a failure. */
let state: 'idle' | 'starting' | 'running' | 'failed' = 'idle';
let failStart: ((why: string) => void) | null = null;
let listening = false;

/**
 * A failed pthread worker reaches the thread that owns it twice: its own error, propagated from the
 * nested worker (no error object, a `blob:` script: the pthread main script), and Emscripten
 * rethrowing that ErrorEvent from its `onerror`. Uncaught in a Web Worker, both would reach the
 * page as the training worker's own error. While the threads start, the first one fails the start;
 * after a failed start, the rest from the abandoned module are silenced too. Once threads run,
 * errors propagate as usual.
 */
function onGlobalError(e: ErrorEvent): void {
  if (state !== 'starting' && state !== 'failed') return;
  const rethrown = typeof ErrorEvent !== 'undefined' && e.error instanceof ErrorEvent;
  const propagated = e.error == null && typeof e.filename === 'string' && e.filename.startsWith('blob:');
  if (!rethrown && !propagated) return;
  e.preventDefault();
  failStart?.((rethrown ? (e.error as ErrorEvent).message : e.message) || 'unknown error');
}

/**
 * Run `start` (the threaded backend's start) while watching its pthread workers: a failed worker
 * makes Emscripten wait forever, so the first worker error (or `timeoutMs` without an answer)
 * rejects with the reason instead; the caller then falls back to the single-thread build.
 */
export async function watchThreadedStart<T>(start: () => Promise<T>, timeoutMs: number): Promise<T> {
  if (!listening && typeof self !== 'undefined') {
    self.addEventListener('error', onGlobalError);
    listening = true;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const failure = new Promise<never>((_, reject) => {
    failStart = (why) => reject(new Error(`a pthread worker failed: ${why}`));
    timer = setTimeout(() => reject(new Error(`the WASM threads did not start within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
  });
  state = 'starting';
  try {
    const r = await Promise.race([start(), failure]);
    state = r ? 'running' : 'failed';
    return r;
  } catch (e) {
    state = 'failed';
    throw e;
  } finally {
    failStart = null;
    if (timer !== undefined) clearTimeout(timer);
  }
}
