'use client';
/**
 * The train panel's store (one per page, shared through useSyncExternalStore): it owns the
 * training worker, feeds its messages through the pure reducer of protocol.ts, and falls back to
 * a session on the main thread when the worker cannot run (no Worker, a crash at start-up, or a
 * chosen backend the worker cannot start). Redraws are throttled so charts never flood React.
 */
import type { ExportTarget } from '@/engine/spec';
import { useSyncExternalStore } from 'react';
import { DEFAULT_TRAIN_CONFIG, type TrainingSet } from '@/engine/train/types';
import type { GraphDoc } from '@/engine/graph';
import { initialView, reduceView, type BackendPreference, type FromWorker, type PanelConfig, type ToWorker, type TrainView } from './protocol';
import { wasmBinaryUrls } from './wasmUrls';
import { exposeTestHooks, needsFreshRuntime, workerSwitchedOff } from './failures';
import { save } from '../code/download';
import { compareStarting, compareStopping, type CompareRequest } from './compareView';

export interface TrainState {
  view: TrainView;
  config: PanelConfig;
  preference: BackendPreference;
}

const listeners = new Set<() => void>();
/** The panel's settings before any are changed: the same defaults as `fusionlab train` (engine/train/types.ts). */
const DEFAULT_PANEL_CONFIG: PanelConfig = {
  optimizer: DEFAULT_TRAIN_CONFIG.optimizer,
  learningRate: DEFAULT_TRAIN_CONFIG.learningRate,
  momentum: DEFAULT_TRAIN_CONFIG.momentum,
  batchSize: DEFAULT_TRAIN_CONFIG.batchSize,
  epochs: DEFAULT_TRAIN_CONFIG.epochs,
  patience: DEFAULT_TRAIN_CONFIG.patience,
  seed: DEFAULT_TRAIN_CONFIG.seed,
  modalityDropout: DEFAULT_TRAIN_CONFIG.modalityDropout,
};

let state: TrainState = {
  view: initialView(),
  config: { ...DEFAULT_PANEL_CONFIG },
  preference: 'auto',
};
let timer: ReturnType<typeof setTimeout> | null = null;
let lastEmit = 0;
const THROTTLE_MS = 120;

function emitNow(): void {
  timer = null;
  lastEmit = Date.now();
  for (const l of listeners) l();
}

function emit(urgent = false): void {
  if (urgent) {
    if (timer) clearTimeout(timer);
    emitNow();
    return;
  }
  if (timer) return;
  timer = setTimeout(emitNow, Math.max(0, THROTTLE_MS - (Date.now() - lastEmit)));
}

function set(patch: Partial<TrainState>, urgent = false): void {
  state = { ...state, ...patch };
  emit(urgent);
}

// ---------------------------------------------------------------------------------------------
// The runner: a worker, or a session on the page.

type PageRunner = { kind: 'page'; handle: (m: ToWorker) => Promise<void> };
type Runner = { kind: 'worker'; worker: Worker } | PageRunner;
let runner: Runner | null = null;
let starting: Promise<Runner> | null = null;
let backendReported = false;

function onMessage(msg: FromWorker): void {
  if (msg.type === 'backend') {
    backendReported = true;
    // A backend the worker cannot run (WebGL/WebGPU without OffscreenCanvas) → train on the page.
    if (msg.report.unavailable && !msg.report.mainThread && (msg.report.unavailable === 'webgl' || msg.report.unavailable === 'webgpu') && runner?.kind === 'worker') {
      const b = msg.report.unavailable;
      void switchToPage(`${b === 'webgl' ? 'WebGL' : 'WebGPU'} cannot start inside a Web Worker in this browser, so training runs on the page and yields between batches (the canvas may feel slower)`);
      return;
    }
  }
  if (needsFreshRuntime(msg) && runner?.kind === 'worker') {
    // WASM stays aborted after running out of memory: the next Train starts a fresh worker.
    runner.worker.terminate();
    runner = null;
    starting = null;
  }
  if (msg.type === 'bundle') save(new Blob([msg.bytes as BlobPart], { type: 'application/zip' }), msg.name);
  for (const l of sessionListeners) l(msg);
  // After a GPU loss the chooser shows the backend that now runs, so that picking WebGL retries it.
  if (msg.type === 'backend' && msg.report.notice) state = { ...state, preference: msg.report.backend };
  const urgent = msg.type !== 'batch' && msg.type !== 'stage';
  set({ view: reduceView(state.view, msg) }, urgent);
}


async function pageRunner(reason: string): Promise<PageRunner> {
  const { createSession } = await import('./session');
  const handle = createSession((m) => onMessage(m), { mainThread: true, mainThreadReason: reason });
  return { kind: 'page', handle };
}

async function switchToPage(reason: string): Promise<void> {
  if (runner?.kind === 'worker') runner.worker.terminate();
  runner = null;
  const r = await pageRunner(reason);
  runner = r;
  await r.handle({ type: 'init', preferred: state.preference, wasmUrls: wasmBinaryUrls() });
}

function workerRunner(): Promise<Runner> {
  return new Promise((resolve) => {
    const off = workerSwitchedOff();
    if (off) {
      resolve(pageRunner(off));
      return;
    }
    let w: Worker;
    try {
      w = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module' });
    } catch (e) {
      resolve(pageRunner(`Web Workers are unavailable (${e instanceof Error ? e.message : String(e)}), so training runs on the page and yields between batches`));
      return;
    }
    backendReported = false;
    w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      const why = e.message || 'the worker script failed';
      w.terminate();
      if (!backendReported) {
        // The worker never came up: run the same session on the page instead.
        void switchToPage(`the training worker could not start (${why}), so training runs on the page and yields between batches`).then(() => {
          if (pendingAfterSwitch) {
            const m = pendingAfterSwitch;
            pendingAfterSwitch = null;
            send(m);
          }
        });
        return;
      }
      runner = null;
      starting = null;
      onMessage({ type: 'error', message: `The training worker stopped unexpectedly: ${why}.`, suggestion: 'The page is fine. Lower the batch size or the model size if memory ran out, then press Train again.' });
    };
    w.onmessageerror = () => onMessage({ type: 'error', message: 'A message from the training worker could not be read.' });
    resolve({ kind: 'worker', worker: w });
  });
}

let pendingAfterSwitch: ToWorker | null = null;

async function ensureRunner(): Promise<Runner> {
  if (runner) return runner;
  if (!starting) {
    starting = workerRunner().then((r) => {
      runner = r;
      const init: ToWorker = { type: 'init', preferred: state.preference, wasmUrls: wasmBinaryUrls() };
      if (r.kind === 'worker') r.worker.postMessage(init);
      else void r.handle(init);
      return r;
    });
  }
  return starting;
}

function send(msg: ToWorker): void {
  void ensureRunner().then((r) => {
    const cur = runner ?? r;
    if (cur.kind === 'worker') {
      if (!backendReported && msg.type === 'train') pendingAfterSwitch = msg; // re-sent if the worker dies at start-up
      cur.worker.postMessage(msg);
    } else void cur.handle(msg);
  });
}

// ---------------------------------------------------------------------------------------------
// Public API for the panel.

const sessionListeners = new Set<(msg: FromWorker) => void>();
const configListeners = new Set<(c: PanelConfig) => void>();

/** The project store keeps the settings the user edits. */
export function onConfigChange(l: (c: PanelConfig) => void): () => void {
  configListeners.add(l);
  return () => configListeners.delete(l);
}

/** Other panels' stores (Predict) hear every session message and talk to the same worker. */
export function onSessionMessage(l: (msg: FromWorker) => void): () => void {
  sessionListeners.add(l);
  return () => sessionListeners.delete(l);
}

/** Send a message to the session (the worker, or the page fallback), starting it if needed. */
export function sendToSession(msg: ToWorker): void {
  send(msg);
}

export function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function getState(): TrainState {
  return state;
}

export function useTrainState(): TrainState {
  return useSyncExternalStore(subscribe, getState, getState);
}

export const trainActions = {
  /** Start the backend early, so the badge shows what will run before Train is pressed. */
  warmUp(): void {
    void ensureRunner();
  },
  setConfig(patch: Partial<PanelConfig>): void {
    set({ config: { ...state.config, ...patch } }, true);
    for (const l of configListeners) l(state.config);
  },
  setPreference(p: BackendPreference): void {
    set({ preference: p }, true);
    if (runner?.kind === 'page' && (p === 'auto' || p === 'wasm' || p === 'cpu')) {
      // Back to the worker for backends it can run.
      runner = null;
      starting = null;
    }
    send({ type: 'init', preferred: p, wasmUrls: wasmBinaryUrls() });
  },
  train(graph: GraphDoc, dataset: TrainingSet | null): void {
    pendingAfterSwitch = null;
    set({ view: { ...state.view, status: 'starting', error: null, stage: 'Starting…' } }, true);
    send({ type: 'train', graph, config: state.config, dataset });
  },
  stop(): void {
    set({ view: { ...state.view, status: 'stopping', stage: 'Stopping after this batch…' } }, true);
    send({ type: 'stop' });
  },
  resume(): void {
    set({ view: { ...state.view, status: 'starting', error: null, stage: 'Resuming…' } }, true);
    send({ type: 'resume', config: state.config });
  },
  reset(): void {
    send({ type: 'reset' });
  },
  /**
   * Put a project's saved state on the panel (after a reload or when another project opens):
   * its settings, its results, and its model into the session, where it predicts. Without a
   * model the session's model is let go.
   */
  restore(config: Partial<PanelConfig>, view: TrainView | null, model?: { bytes: Uint8Array; name: string }): void {
    // A setting the project does not hold (saved by an older version) is the default, not the previous project's.
    set({ config: { ...DEFAULT_PANEL_CONFIG, ...config }, view: { ...(view ?? initialView()), backend: state.view.backend } }, true);
    if (model) send({ type: 'open-bundle', bytes: model.bytes, name: model.name, restore: true });
    else if (runner) send({ type: 'forget' });
  },
  downloadBundle(): void {
    send({ type: 'bundle' });
  },
  /** Download the trained model as code for `target` with its weights (from the worker). */
  downloadTrainedExport(target: ExportTarget): void {
    send({ type: 'export', target });
  },
  /** ONNX: the trained (or opened) model, else `graph` freshly initialised (the worker answers with a zip). */
  downloadOnnx(graph: GraphDoc): void {
    send({ type: 'export-onnx', graph });
  },
  /** Compare: train each input alone with the trained model's settings (compareSession.ts). */
  compare(request: Partial<CompareRequest> = {}): void {
    const c = compareStarting(request);
    set({ view: { ...state.view, compare: c } }, true);
    send({ type: 'compare', ...c.request });
  },
  stopCompare(): void {
    set({ view: { ...state.view, compare: compareStopping(state.view.compare) } }, true);
    send({ type: 'stop' });
  },
};

// Test hooks (browser tests): window.__fusionlabTrain.debug('lose-context' | 'crash').
exposeTestHooks((action) => send({ type: 'debug', action }));
