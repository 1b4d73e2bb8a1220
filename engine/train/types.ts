/**
 * Types shared by training, evaluation and the model bundle. The data side is structural: the
 * data helper's `LoadedDataset` (engine/data/loader.ts) is a {@link TrainingSet} as it is.
 */
import type { FittedState, HeadTask } from '../data/loader';
import type { ModelInput, ModelOutput } from '../compile';

export type { HeadTask };

/** One split's data: row-major flat arrays, `count` samples. */
export interface SplitData {
  count: number;
  /** Sample ids (for reports); optional. */
  ids?: string[];
  /** Input node id → `count × size(shape)` values. */
  inputs: Record<string, Float32Array>;
  /** Head node id → `count × width` targets (one-hot, multi-hot, or the raw value for regress). */
  labels: Record<string, Float32Array>;
}

/** What training needs from a loaded dataset (`LoadedDataset` satisfies it). */
export interface TrainingSet {
  inputs: { nodeId: string; kind: string; shape: number[] }[];
  heads: { nodeId: string; task: HeadTask; column: string; classes: string[]; shape: number[] }[];
  splits: { train: SplitData; val: SplitData; test: SplitData };
  /** Fitted featurisation state: augmentation params and regression statistics come from it. */
  fitted?: FittedState;
}

/** The inputs and outputs of a model by node id (from the compile summary or a bundle). */
export interface ModelIO {
  inputs: ModelInput[];
  outputs: ModelOutput[];
}

export type OptimizerName = 'adam' | 'sgd' | 'rmsprop';

export const OPTIMIZERS: readonly OptimizerName[] = ['adam', 'sgd', 'rmsprop'];

/** Training settings (the train panel and the CLI flags). */
export interface TrainConfig {
  optimizer: OptimizerName;
  learningRate: number;
  /** Momentum of SGD (ignored by the others). */
  momentum: number;
  batchSize: number;
  epochs: number;
  /** Seed of shuffling, augmentation and the validation hold-out. */
  seed: number;
  /** Stop when the validation loss has not improved for this many epochs (0 = off); restores the best weights. */
  patience: number;
  /** Fraction of train held out for validation when the data has no val split (0 = none). */
  validationFraction: number;
  /** Apply the input nodes' augmentation params in training. */
  augment: boolean;
  /**
   * Modality dropout: in training, each input of each sample is masked with this probability
   * (0 = off, at most {@link MAX_MODALITY_DROPOUT}), never every input of a sample at once. A masked
   * input gets what a missing one gets at test time: the train split's mean sample (all padding
   * for token inputs), so the model learns to answer when a modality is absent.
   */
  modalityDropout: number;
  /** Cache the features of a frozen prefix of the model (see `frozen.ts`). */
  cacheFrozen: boolean;
  /** Read batch metrics from the backend every this many batches (1 = every batch; raise on WebGL). */
  metricsEvery: number;
  /** Batch size for validation and evaluation passes. */
  evalBatchSize: number;
  /**
   * Recompute every trainable batch norm's statistics over the training rows in inference mode at
   * the end of each epoch (bn-stats.ts), so the model predicts as it trained.
   */
  preciseBatchNorm: boolean;
  /** At most this many training rows (seeded) for those statistics. */
  batchNormRows: number;
  /** End on the weights of the epoch with the lowest validation loss (with or without early stopping). */
  restoreBest: boolean;
}

/** Highest modality dropout rate a config may ask for (above it too little of each sample is left). */
export const MAX_MODALITY_DROPOUT = 0.9;

/**
 * The defaults of the app's Train panel and of `fusionlab train` alike. Adam at 0.003 for 15
 * epochs reached ≥ 95 % on the demo in every trial run, and 0.001 needs about 40 epochs there.
 */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  optimizer: 'adam',
  learningRate: 3e-3,
  momentum: 0.9,
  batchSize: 32,
  epochs: 15,
  seed: 42,
  patience: 0,
  validationFraction: 0.1,
  augment: true,
  modalityDropout: 0,
  cacheFrozen: true,
  metricsEvery: 1,
  evalBatchSize: 128,
  preciseBatchNorm: true,
  batchNormRows: 1024,
  restoreBest: true,
};

/** Loss (and accuracy where it applies) of one model output. */
export interface OutputMetrics {
  loss: number;
  /** Classify: share of argmax hits; multilabel: share of correct labels at 0.5; absent for regress. */
  accuracy?: number;
  /** Regress: mean absolute error in label units. */
  mae?: number;
}

/** Metrics after one batch. */
export interface BatchMetrics {
  epoch: number;
  /** Batch index within the epoch. */
  batch: number;
  batchesPerEpoch: number;
  /** Weighted total loss. */
  loss: number;
  outputs: Record<string, OutputMetrics>;
  samplesPerSecond: number;
  /** Estimated seconds until the last epoch ends. */
  secondsLeft: number;
}

/** Metrics after one epoch: train (mean over its batches) and validation. */
export interface EpochMetrics {
  epoch: number;
  loss: number;
  outputs: Record<string, OutputMetrics>;
  val?: { loss: number; outputs: Record<string, OutputMetrics> };
  samplesPerSecond: number;
  seconds: number;
}

export type TrainStatus = 'idle' | 'running' | 'stopped' | 'finished' | 'early-stopped' | 'failed';

/** What `Trainer.train` resolves to. */
export interface TrainResult {
  status: TrainStatus;
  /** Epochs completed so far (over every call). */
  epochsDone: number;
  history: EpochMetrics[];
  /** The epoch whose weights the model holds after early stopping (1-based). */
  bestEpoch?: number;
  /** Why training failed, with what to do (NaN loss). */
  error?: { code: 'nan-loss' | 'out-of-memory' | 'error'; message: string; suggestion: string };
}

export interface TrainCallbacks {
  onBatchEnd?(m: BatchMetrics): void;
  /** May return a promise: the next epoch waits for it (the app saves a checkpoint there). */
  onEpochEnd?(m: EpochMetrics): void | Promise<void>;
  /** Progress text (caching frozen features, validation). */
  onStage?(stage: 'cache-frozen' | 'batch-norm' | 'validate', detail: string): void;
}
