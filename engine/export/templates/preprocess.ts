// ---- Preprocessing (the app's featurisation; fitted state from a trained model when exported with one) ----

/** Inputs (columns, params) and outputs of the model, and the fitted state (vocabularies, statistics, classes) if any. */
export const PREPROCESS: {
  inputs: { name: string; node_id: string; kind: string; shape: number[]; columns: string[]; params: Record<string, unknown> }[];
  outputs: { name: string; node_id: string; head_id: string; label: string; task: string; width: number; loss_weight: number }[];
  fitted: null | { inputs: Record<string, Record<string, unknown>>; heads: Record<string, { classes?: string[]; mean?: number; std?: number }> };
} = JSON.parse("__CONFIG__");

