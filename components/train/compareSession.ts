/**
 * The worker side of the Compare button, called from session.ts:
 * train the single-modality variants of the trained model's graph with the same settings
 * (engine/compare.ts), streaming throttled progress. (The worst samples with their previews come
 * with the run's report, engine/run.ts.)
 */
import * as tf from '@tensorflow/tfjs';
import { createComparison, type Comparison, type CompareProgress } from '@/engine/compare';
import type { GraphDoc } from '@/engine/graph';
import type { ModelIO, TrainConfig, TrainingSet } from '@/engine/train/types';
import { registry } from '@/nodes';
import type { CompareFromWorker } from './compareView';

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
  let current: { comparison: Comparison; done: Promise<void> } | null = null;

  async function run(a: TrainedModel): Promise<void> {
    if (current) return;
    let last = 0;
    let lastVariant = 0;
    const progress = (p: CompareProgress) => {
      const now = Date.now();
      const end = p.batches > 0 && p.batch === p.batches && p.epoch === p.epochs;
      if (p.variant !== lastVariant || end || now - last >= PROGRESS_MS) {
        last = now;
        lastVariant = p.variant;
        post({ type: 'compare-progress', p });
      }
    };
    // The variants train exactly as the fused model did (its config, incl. epochs, seed, batch size).
    const comparison = createComparison(tf, a.graph, registry, a.data, { config: { ...a.trainer.config }, fused: { model: a.model, io: a.io }, onProgress: progress });
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
