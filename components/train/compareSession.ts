/**
 * The worker side of the Compare button, called from session.ts: the study of the trained model's
 * graph (engine/study.ts) — fused, each input alone and, with the sweep, every compatible fusion
 * operator and the late variants, over N seeds with the same settings — streaming throttled
 * progress. (The worst samples with their previews come with the run's report, engine/run.ts.)
 */
import * as tf from '@tensorflow/tfjs';
import { createStudy, type Study, type StudyProgress } from '@/engine/study';
import type { GraphDoc } from '@/engine/graph';
import type { ModelIO, TrainConfig, TrainingSet } from '@/engine/train/types';
import { registry } from '@/nodes';
import { compareRequest, type CompareFromWorker, type CompareRequest } from './compareView';

/** What the session holds about the trained (fused) model. */
export interface TrainedModel {
  model: tf.LayersModel;
  graph: GraphDoc;
  data: TrainingSet;
  io: ModelIO;
  trainer: { config: TrainConfig };
}

/** Progress messages at most this often (the last one of a variant always goes out). */
const PROGRESS_MS = 150;

/** Worst samples shown in the panel (asked of the run's report). */
export const WORST_SAMPLES = 8;

export function createCompareRunner(post: (msg: CompareFromWorker) => void) {
  let current: { comparison: Study; done: Promise<void> } | null = null;

  async function run(a: TrainedModel, request: Partial<CompareRequest> = {}): Promise<void> {
    if (current) return;
    const req = compareRequest(request);
    let last = 0;
    let lastKey = '';
    const progress = (p: StudyProgress) => {
      const now = Date.now();
      const end = p.batches > 0 && p.batch === p.batches && p.epoch === p.epochs;
      const key = `${p.row}/${p.seed}`;
      if (key !== lastKey || end || now - last >= PROGRESS_MS) {
        last = now;
        lastKey = key;
        post({ type: 'compare-progress', p });
      }
    };
    // Every row trains exactly as the fused model did (its config: epochs, batch size, optimizer…); seed i is its seed + i.
    const comparison = createStudy(tf, a.graph, registry, a.data, { seeds: req.seeds, sweep: req.sweep, config: { ...a.trainer.config }, onProgress: progress });
    const done = comparison.result.then(
      (report) => post({ type: 'compare-done', report }),
      (e: unknown) => post({ type: 'compare-done', error: `The comparison failed: ${e instanceof Error ? e.message : String(e)}` }),
    );
    current = { comparison, done };
    try {
      await done;
    } finally {
      current = null;
    }
  }

  return {
    run,
    get running(): boolean {
      return current !== null;
    },
    /** Ask a running comparison to stop after the current batch. */
    stop(): void {
      current?.comparison.stop();
    },
    /** Stop a running comparison and wait until it has ended (before training or a backend change). */
    async cancel(): Promise<void> {
      const c = current;
      if (!c) return;
      c.comparison.stop();
      await c.done;
    },
  };
}
