/**
 * Failures the train panel must survive, the page side (no tfjs here, so the page bundle stays
 * small): out-of-memory errors and their message, when the worker must be replaced, switching the
 * worker off (`?worker=off`), and the test hooks on `window.__fusionlabTrain`. The GPU-loss
 * recovery itself is in contextLoss.ts (inside the session).
 */
import type { DebugAction, FromWorker } from './protocol';

// ---------------------------------------------------------------------------------------------
// Out of memory and other failures that leave the runtime unusable.

const OOM = /out of memory|memory access out of bounds|allocat|\bOOM\b|invalid typed array length|WebAssembly\.Memory/i;

/** True when an error message says the backend ran out of memory. */
export function isOutOfMemory(message: string): boolean {
  return OOM.test(message);
}

/** The error message and suggestion for a failure while handling a message. */
export function describeFailure(e: unknown): { message: string; suggestion?: string } {
  const message = e instanceof Error ? e.message : String(e);
  if (isOutOfMemory(message)) {
    return {
      message: `The backend ran out of memory: ${message}`,
      suggestion: 'Lower the batch size or shrink the model (fewer filters or units, smaller inputs), then press Train again.',
    };
  }
  return { message };
}

/**
 * True when a worker message reports a failure after which the worker's runtime should not be
 * reused (WASM aborts on out-of-memory and stays aborted): the page then starts a fresh worker for
 * the next Train. The message itself is still shown.
 */
export function needsFreshRuntime(msg: FromWorker): boolean {
  switch (msg.type) {
    case 'done':
      return msg.error?.code === 'out-of-memory';
    case 'error':
      return msg.message.startsWith('The backend ran out of memory');
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The page side: switching the worker off, and the test hooks on window.

/**
 * Why the worker is switched off for this page, or null: `?worker=off` in the URL (for browsers
 * whose workers misbehave, and for the main-thread fallback test).
 */
export function workerSwitchedOff(): string | null {
  if (typeof location === 'undefined') return null;
  const v = new URLSearchParams(location.search).get('worker');
  return v === 'off' || v === '0' || v === 'false' ? 'the Web Worker is switched off by ?worker=off in the address, so training runs on the page and yields between batches' : null;
}

/** The page's test hooks: `window.__fusionlabTrain.debug('lose-context' | 'crash')`. */
export function exposeTestHooks(send: (action: DebugAction) => void): void {
  if (typeof window === 'undefined') return;
  (window as unknown as { __fusionlabTrain?: { debug(a: DebugAction): void } }).__fusionlabTrain = { debug: send };
}
