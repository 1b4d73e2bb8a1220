/**
 * Losing the GPU during training (a WebGL context loss, a lost WebGPU device) and recovering from
 * it: the training session (session.ts) watches the backend's canvas or device while it trains,
 * keeps a CPU copy of the weights taken at each epoch end (engine/train/snapshot.ts), and when the
 * GPU goes away it stops the run, switches to WASM, rebuilds the model, puts the copy back and
 * continues from the last finished epoch. Also the test hooks that simulate a loss or a crash.
 * Runs in the worker or the page (the page-side pieces without tfjs are in failures.ts).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { compileGraph } from '@/engine/compile';
import type { BackendName } from '@/engine/backend/select';
import type { GraphDoc } from '@/engine/graph';
import { createTrainer, type EpochMetrics, type TrainConfig, type Trainer, type TrainingSet } from '@/engine/train';
import { restoreWeights, snapshotWeights, type WeightSnapshot } from '@/engine/train/snapshot';
import { registry } from '@/nodes';
import type { DebugAction } from './protocol';
import type { BackendReport } from './protocol';

type TF = typeof tfTypes;
type GL = WebGLRenderingContext | WebGL2RenderingContext;

/** The WebGL context of the current tfjs backend (the webgl backend's GPGPU context), if any. */
export function webglContext(tf: TF): GL | null {
  if (tf.getBackend() !== 'webgl') return null;
  // MathBackendWebGL keeps its context public as `gpgpu.gl`; its typings are not re-exported by @tensorflow/tfjs.
  const b = tf.backend() as unknown as { gpgpu?: { gl?: GL } };
  return b.gpgpu?.gl ?? null;
}

/** The WebGPU device of the current tfjs backend, if any (only its `lost` promise is used). */
function webgpuDevice(tf: TF): { lost?: Promise<{ message?: string; reason?: string }>; destroy?: () => void } | null {
  if (tf.getBackend() !== 'webgpu') return null;
  // WebGPUBackend keeps its GPUDevice as `device`; typed narrowly here on purpose.
  const b = tf.backend() as unknown as { device?: { lost?: Promise<{ message?: string; reason?: string }>; destroy?: () => void } };
  return b.device ?? null;
}

/** Watches one training run on a GPU backend; a no-op on WASM and CPU. */
export interface GpuGuard {
  /** The GPU backend watched, or null (nothing to lose). */
  readonly backend: 'webgl' | 'webgpu' | null;
  /** The CPU copy of the weights at the last finished epoch (or at the start of the run). */
  snapshot: WeightSnapshot | null;
  /** Call at each epoch end: refresh the CPU copy (one backend read per epoch). */
  epochEnd(model: tfTypes.LayersModel, epochsDone: number): void;
  /** True once the context or device is lost (checked again on the context itself). */
  lost(): boolean;
  /** What happened, for the message (null while nothing is lost). */
  why(): string | null;
  /** Stop listening. */
  detach(): void;
}

/**
 * Start watching the current backend for the run of `model` (`epochsDone` epochs trained so far).
 * `onLost` is called once when the GPU goes away (the session stops the trainer there).
 */
export function guardGpu(tf: TF, model: tfTypes.LayersModel, epochsDone: number, onLost: () => void): GpuGuard {
  const gl = webglContext(tf);
  const device = gl ? null : webgpuDevice(tf);
  const backend = gl ? 'webgl' : device ? 'webgpu' : null;
  let reason: string | null = null;
  let attached = true;
  const fire = (why: string) => {
    if (reason != null || !attached) return;
    reason = why;
    onLost();
  };
  const canvas = gl?.canvas as (HTMLCanvasElement | OffscreenCanvas | undefined);
  const listener = () => fire('the WebGL context was lost (the GPU driver reset, the GPU ran out of memory, or the browser reclaimed the context)');
  canvas?.addEventListener('webglcontextlost', listener as EventListener);
  void device?.lost?.then((info) => fire(`the WebGPU device was lost (${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''})`));
  const guard: GpuGuard = {
    backend,
    snapshot: null,
    epochEnd(m, done) {
      if (!backend || guard.lost()) return;
      try {
        const copy = snapshotWeights(tf, m, done);
        // A context lost during the read returns zeros: keep the older copy then.
        if (!guard.lost()) guard.snapshot = copy;
      } catch {
        // A read that fails here means the context is going away: the older copy stays.
      }
    },
    lost() {
      if (reason == null && gl?.isContextLost()) reason = 'the WebGL context was lost';
      return reason != null;
    },
    why: () => reason,
    detach() {
      attached = false;
      canvas?.removeEventListener('webglcontextlost', listener as EventListener);
    },
  };
  // The starting point: the weights the run begins from.
  if (backend) guard.epochEnd(model, epochsDone);
  return guard;
}

/**
 * Drop the tfjs backend whose GPU was lost and register its factory again, so that choosing it
 * later builds a fresh context instead of reusing the dead one.
 */
function resetBackend(tf: TF, name: string): void {
  const factory = tf.findBackendFactory(name);
  try {
    tf.removeBackend(name);
  } catch {
    // Disposing a backend whose context is gone may fail; it is unusable either way.
  }
  if (factory) tf.registerBackend(name, factory, name === 'webgpu' ? 3 : 2);
}

/** What the session needs to continue after the GPU was lost. */
export interface LostRun {
  graph: GraphDoc;
  data: TrainingSet;
  config: TrainConfig;
  history: EpochMetrics[];
  snapshot: WeightSnapshot;
  /** Frees the old model and trainer (best effort: their backend is gone). */
  disposeOld(): void;
}

/** The rebuilt run on the fallback backend. */
export interface RecoveredRun {
  backend: BackendName;
  compiled: Extract<ReturnType<typeof compileGraph>, { ok: true }>;
  trainer: Trainer;
}

/**
 * Switch from the lost GPU backend to WASM (CPU if WASM cannot start), rebuild the model from
 * the graph (same seed, so Reset weights still goes back to the same start), put the snapshot's
 * weights back and take over the finished epochs. The optimizer starts afresh (its state lived
 * on the GPU).
 */
export async function continueOnCpu(tf: TF, lost: LostRun, lostBackend: string): Promise<RecoveredRun> {
  try {
    lost.disposeOld();
  } catch {
    // Tensors of a lost context may refuse to go; they go with the backend below.
  }
  const backend = await moveOff(tf, lostBackend);
  const compiled = compileGraph(lost.graph, registry, { tf, seed: lost.config.seed });
  if (!compiled.ok) throw new Error(`The graph could not be rebuilt on ${backend}: ${compiled.diagnostics.map((d) => d.message).join(' ')}`);
  const trainer = createTrainer(tf, compiled, lost.data, { ...lost.config, metricsEvery: 1 });
  const bad = restoreWeights(tf, compiled.model, lost.snapshot);
  if (bad) {
    trainer.dispose();
    compiled.model.dispose();
    throw new Error(`The saved weights do not fit the rebuilt model: ${bad}`);
  }
  trainer.restoreProgress(lost.snapshot.epoch, lost.history);
  return { backend, compiled, trainer };
}

/** Move to WASM (or CPU) from the lost backend: the tfjs backend that is dropped and re-registered. */
async function moveOff(tf: TF, lostBackend: string): Promise<BackendName> {
  resetBackend(tf, lostBackend);
  let ok = false;
  try {
    ok = await tf.setBackend('wasm');
  } catch {
    ok = false;
  }
  if (!ok) await tf.setBackend('cpu');
  await tf.ready();
  return ok ? 'wasm' : 'cpu';
}

/**
 * Before a new run: if the current WebGL context was lost while nothing trained, move to WASM
 * (the new model is built there). Returns what happened, or null when the backend is fine.
 */
export async function leaveLostGpu(tf: TF): Promise<{ backend: BackendName; why: string } | null> {
  const gl = webglContext(tf);
  if (!gl || !gl.isContextLost()) return null;
  return { backend: await moveOff(tf, 'webgl'), why: 'the WebGL context was lost' };
}

/**
 * The backend report after a recovery: the new backend, and a notice the panel shows. `epoch` is
 * the epoch whose weights training continues from (0 = the start), or -1 for a new run.
 */
export function recoveredReport(old: BackendReport | null, backend: BackendName, why: string, epoch: number, mainThread: boolean): BackendReport {
  const name = backend === 'wasm' ? 'WASM' : 'the plain CPU backend';
  const from = epoch > 0 ? `the weights saved at the end of epoch ${epoch}` : 'the weights it started from';
  const what = epoch < 0
    ? `${why[0].toUpperCase()}${why.slice(1)} after the last run, so this run trains on ${name}.`
    : `Training was interrupted: ${why}. It continues on ${name} from ${from}; the optimizer restarts its running averages.`;
  return {
    backend,
    reason: `${name}: switched to automatically, because the GPU was lost`,
    threads: 1,
    mainThread,
    mainThreadReason: old?.mainThreadReason,
    available: old?.available ?? [backend],
    notice: `${what} Choose WebGL in Backend to try the GPU again.`,
  };
}

// ---------------------------------------------------------------------------------------------
// Test hooks: reachable only from the page's window.__fusionlabTrain (trainStore.ts).

/** Carry out a test hook inside the session; returns what was done, for the 'stage' line. */
export function runDebugAction(tf: TF, action: DebugAction, mainThread: boolean): string {
  switch (action) {
    case 'lose-context': {
      const gl = webglContext(tf);
      const ext = gl?.getExtension('WEBGL_lose_context');
      if (ext) {
        ext.loseContext();
        return 'Test hook: WebGL context lost on purpose.';
      }
      const device = webgpuDevice(tf);
      if (device?.destroy) {
        device.destroy();
        return 'Test hook: WebGPU device destroyed on purpose.';
      }
      return `Test hook: nothing to lose on ${tf.getBackend()}.`;
    }
    case 'crash':
      if (mainThread) throw new Error('Test hook: a simulated crash (out of memory) on the page');
      // An uncaught error in the worker's own task: what the page sees when the worker dies.
      setTimeout(() => {
        throw new Error('simulated crash: out of memory in the training worker');
      }, 0);
      return 'Test hook: crashing the worker.';
    default: {
      const _x: never = action;
      return _x;
    }
  }
}
