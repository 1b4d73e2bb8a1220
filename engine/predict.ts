/**
 * One sample → an answer per model output: class probabilities with class names (from the fitted
 * state), regression values in label units, the labels a multilabel head switches on; which output
 * is the model's answer (the model-level fusion node when there is one), and for model-level
 * fusion the prediction of each branch head beside the fused one. Also the saliency maps of the
 * image and spectrogram inputs (engine/evaluate `saliencyMap`) and small previews of the featurised
 * inputs to draw them over. Shared by the CLI (`fusionlab predict`) and the app's Predict panel.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { FittedInput, FittedState } from './data/loader';
import { INPUT_DATA } from './data/inputs';
import { fillSample, hasPresence, stripPresence } from './data/missing';
import { predictArrays, saliencyMap } from './evaluate';
import { fusionWeights, inputContributions, type ContributionReport } from './evaluate/attribution';
import { valueRange } from './evaluate/preview';
import type { GraphDoc } from './graph';
import type { HeadTask, ModelIO } from './train/types';

type TF = typeof tfTypes;

/** A class and the probability the output gives it. */
export interface ClassProbability {
  name: string;
  probability: number;
}

/** What one model output says about the sample. */
export interface OutputPrediction {
  nodeId: string;
  role: 'head' | 'late';
  task: HeadTask;
  /** The label column this output predicts (when known). */
  labelColumn?: string;
  /** Classify and multilabel: class names in the model's order and their probabilities. */
  classes?: string[];
  probabilities?: number[];
  /** The same, most probable first. */
  ranked?: ClassProbability[];
  /** Classify: the most probable class. */
  predicted?: string;
  /** Multilabel: the classes above 0.5. */
  predictedLabels?: string[];
  /** Regress: the predicted values in label units (de-standardised). */
  values?: number[];
  /** Model-level fusion: the head outputs it joins (each branch's own prediction). */
  branches?: string[];
}

/** The prediction of one sample. */
export interface PredictionReport {
  /** The model's answer: the model-level fusion node when there is one, else the first head. */
  primary: string;
  outputs: OutputPrediction[];
}

function fittedHeadOf(fitted: FittedState, o: ModelIO['outputs'][number]) {
  // A head's fitted state sits under its own id; a late node predicts the column of its heads.
  return Object.entries(fitted.heads).find(([id, h]) => (o.role === 'head' ? id === o.nodeId : h.column === o.labelColumn))?.[1];
}

/** The output that is the model's answer (the late node if any, else the first output). */
export function primaryOutputId(io: ModelIO): string {
  return (io.outputs.find((o) => o.role === 'late') ?? io.outputs[0])?.nodeId ?? '';
}

/**
 * Turn a model's raw outputs for ONE sample (`preds[k]` = output k's values) into per-output
 * answers. `graph` (optional) names the branch heads of a model-level fusion node.
 */
export function describePrediction(fitted: FittedState, io: ModelIO, preds: ArrayLike<number>[], graph?: Pick<GraphDoc, 'edges'>): PredictionReport {
  const outputIds = new Set(io.outputs.map((o) => o.nodeId));
  const outputs = io.outputs.map((o, i): OutputPrediction => {
    const head = fittedHeadOf(fitted, o);
    const raw = Array.from(preds[i] ?? []);
    const base = { nodeId: o.nodeId, role: o.role, labelColumn: o.labelColumn ?? head?.column };
    const branches = o.role === 'late' && graph ? graph.edges.filter((e) => e.target === o.nodeId && outputIds.has(e.source)).map((e) => e.source) : undefined;
    const extra = branches ? { branches } : {};
    if (head && head.task === 'regress') return { ...base, task: 'regress', values: raw.map((v) => v * head.std + head.mean), ...extra };
    const task: HeadTask = head?.task ?? 'classify';
    const classes = head ? head.classes : raw.map((_, j) => String(j));
    const ranked = classes.map((name, j) => ({ name, probability: raw[j] })).sort((a, b) => b.probability - a.probability);
    const best = raw.indexOf(Math.max(...raw));
    const answer = task === 'multilabel' ? { predictedLabels: classes.filter((_, j) => raw[j] > 0.5) } : { predicted: classes[best] };
    return { ...base, task, classes, probabilities: raw, ranked, ...answer, ...extra };
  });
  return { primary: primaryOutputId(io), outputs };
}

/** A saliency map over one input, with the featurised input to draw it on. */
export interface InputSaliency {
  inputId: string;
  /** 'spectrogram': rows are time frames and columns mel bins (draw time left to right, low bins at the bottom). */
  layout: 'image' | 'spectrogram';
  /** The output and class whose score was differentiated. */
  outputId: string;
  className: string;
  height: number;
  width: number;
  /** |∂score/∂input| maxed over channels, scaled to [0, 1]; row-major `height × width`. */
  values: Float32Array;
  /** The featurised input scaled to 0–255 per channel, row-major `height × width × channels`. */
  preview: Uint8ClampedArray;
  channels: number;
}

/** Inputs that get a saliency map: images and spectrogram audio (3-D inputs). */
export function saliencyInputs(fitted: FittedState, io: ModelIO): { nodeId: string; layout: InputSaliency['layout'] }[] {
  const out: { nodeId: string; layout: InputSaliency['layout'] }[] = [];
  for (const inp of io.inputs) {
    const f: FittedInput | undefined = fitted.inputs[inp.nodeId];
    if (inp.shape.length !== 3 || !f) continue;
    if (f.kind === 'input.image') out.push({ nodeId: inp.nodeId, layout: 'image' });
    else if (f.kind === 'input.audio') out.push({ nodeId: inp.nodeId, layout: 'spectrogram' });
  }
  return out;
}

/** Scale a featurised `[h, w, c]` input to bytes, each channel min–max over the sample. */
export function previewBytes(values: Float32Array, channels: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(values.length);
  for (let c = 0; c < channels; c++) {
    const { lo, span } = valueRange(values, c, channels);
    for (let i = c; i < values.length; i += channels) out[i] = Math.round((255 * (values[i] - lo)) / span);
  }
  return out;
}

/** How much each modality counted in this answer (engine/evaluate/attribution.ts). */
export interface SampleAttribution {
  /** Score with every input minus score with that input missing (the fitted state's fill). */
  contributions: ContributionReport;
  /** Gated, attention and late-average fusion: the weights the layer gave each input, for this sample. */
  fusion: { nodeId: string; className: string; modalities: string[][]; weights: number[] }[];
  /** False when the fitted state keeps no fill (a bundle from before fills were kept): zeros were used. */
  trainMean: boolean;
}

export interface SamplePrediction {
  report: PredictionReport;
  saliency: InputSaliency[];
  /** With `graph` given and more than one input. */
  attribution?: SampleAttribution;
}

/** Attribution of one sample; undefined for a model with one input. */
export function sampleAttribution(tf: TF, model: tfTypes.LayersModel, io: ModelIO, fitted: FittedState, inputs: Record<string, Float32Array>, graph: Pick<GraphDoc, 'nodes' | 'edges'>, report: PredictionReport): SampleAttribution | undefined {
  if (io.inputs.length < 2) return undefined;
  const fill = Object.fromEntries(io.inputs.map((i) => [i.nodeId, fitted.inputs[i.nodeId] ? fillSample(fitted.inputs[i.nodeId]) : new Float32Array(i.shape.reduce((a, b) => a * b, 1))]));
  const primary = report.outputs.find((o) => o.nodeId === report.primary);
  const contributions = inputContributions(tf, model, io, inputs, fill, { outputId: report.primary, task: primary?.task });
  const fusion = fusionWeights(tf, model, io, graph, inputs, 1).map((f) => ({ nodeId: f.nodeId, className: f.className, modalities: f.modalities, weights: f.weights[0] ?? [] }));
  const trainMean = io.inputs.every((i) => fitted.inputs[i.nodeId]?.missing !== undefined || fitted.inputs[i.nodeId]?.kind === 'input.text');
  return { contributions, fusion, trainMean };
}

/**
 * Predict one featurised sample (`inputs`: input node id → its values, as `featuriseSample`
 * returns) and, unless `saliency` is false, the saliency of every image and spectrogram input for
 * the primary output's predicted class. Leaves no tensors behind.
 */
export function predictSample(
  tf: TF,
  model: tfTypes.LayersModel,
  io: ModelIO,
  fitted: FittedState,
  inputs: Record<string, Float32Array>,
  opts: { graph?: Pick<GraphDoc, 'edges'> & Partial<Pick<GraphDoc, 'nodes'>>; saliency?: boolean } = {},
): SamplePrediction {
  const preds = predictArrays(tf, model, io, inputs, 1);
  const report = describePrediction(fitted, io, preds, opts.graph);
  const saliency: InputSaliency[] = [];
  const g = opts.graph;
  const attribution = g?.nodes ? sampleAttribution(tf, model, io, fitted, inputs, { nodes: g.nodes, edges: g.edges }, report) : undefined;
  if (opts.saliency === false) return { report, saliency, ...(attribution ? { attribution } : {}) };
  const primary = report.outputs.find((o) => o.nodeId === report.primary);
  const k = io.outputs.findIndex((o) => o.nodeId === report.primary);
  let classIndex = 0;
  let className = '';
  if (primary?.probabilities && primary.classes) {
    const p = primary.probabilities;
    classIndex = p.indexOf(Math.max(...p));
    className = primary.classes[classIndex] ?? String(classIndex);
  } else if (primary?.values) className = 'value';
  if (k < 0) return { report, saliency, ...(attribution ? { attribution } : {}) };
  for (const s of saliencyInputs(fitted, io)) {
    const shape = io.inputs.find((i) => i.nodeId === s.nodeId)?.shape ?? [];
    const m = saliencyMap(tf, model, io, inputs, s.nodeId, { outputId: report.primary, classIndex });
    const f = fitted.inputs[s.nodeId];
    const presence = f !== undefined && hasPresence(f.kind, f.params);
    // A kept-missing input's presence channel is not part of the picture.
    const channels = (shape[2] ?? 1) - (presence ? 1 : 0);
    saliency.push({
      inputId: s.nodeId,
      layout: s.layout,
      outputId: m.outputId,
      className,
      height: m.height,
      width: m.width,
      values: m.values,
      preview: previewBytes(presence ? stripPresence(inputs[s.nodeId], channels) : inputs[s.nodeId], channels),
      channels,
    });
  }
  return { report, saliency, ...(attribution ? { attribution } : {}) };
}

/** One input the user fills in to predict: a node of the model and the dataset columns it reads. */
export type PredictField = {
  nodeId: string;
  /** The node's label on the canvas (else its id). */
  label: string;
  columns: string[];
  shape: number[];
} & (
  | { kind: 'input.image'; params: Extract<FittedInput, { kind: 'input.image' }>['params'] }
  | { kind: 'input.text'; params: Extract<FittedInput, { kind: 'input.text' }>['params'] }
  | { kind: 'input.audio'; params: Extract<FittedInput, { kind: 'input.audio' }>['params'] }
  /** `categories`: per categorical column, the categories the model knows (most frequent first). */
  | { kind: 'input.tabular'; params: Extract<FittedInput, { kind: 'input.tabular' }>['params']; categories: string[][] }
  | { kind: 'input.video'; params: Extract<FittedInput, { kind: 'input.video' }>['params'] }
);

/** A field whose value is a file (image, audio, video): its kind's data module says so. */
export type FileField = Extract<PredictField, { kind: 'input.image' | 'input.audio' | 'input.video' }>;

/** True for a field the person answers with a file (see {@link FileField}). */
export function isFileField(f: PredictField): f is FileField {
  return INPUT_DATA[f.kind].file !== undefined;
}

/** What a model to predict with needs from the user, and what it answers (plain JSON). */
export interface PredictModelInfo {
  name: string;
  fields: PredictField[];
  outputs: { nodeId: string; label: string; role: 'head' | 'late'; task: HeadTask; classes: string[]; labelColumn?: string; branches?: string[] }[];
  primary: string;
}

/** The fields and outputs of a model (its inputs in model order, with their fitted state). */
export function describeModel(fitted: FittedState, io: ModelIO, graph: Pick<GraphDoc, 'name' | 'nodes' | 'edges'>): PredictModelInfo {
  const label = (id: string) => graph.nodes.find((n) => n.id === id)?.label || id;
  const fields: PredictField[] = [];
  for (const inp of io.inputs) {
    const f = fitted.inputs[inp.nodeId];
    if (!f) continue;
    const base = { nodeId: inp.nodeId, label: label(inp.nodeId), columns: f.columns, shape: f.shape };
    switch (f.kind) {
      case 'input.image':
        fields.push({ ...base, kind: f.kind, params: f.params });
        break;
      case 'input.text':
        fields.push({ ...base, kind: f.kind, params: f.params });
        break;
      case 'input.audio':
        fields.push({ ...base, kind: f.kind, params: f.params });
        break;
      case 'input.tabular':
        fields.push({ ...base, kind: f.kind, params: f.params, categories: f.fitted.categories });
        break;
      case 'input.video':
        fields.push({ ...base, kind: f.kind, params: f.params });
        break;
      default: {
        const _x: never = f;
        return _x;
      }
    }
  }
  // The answers' shape without running the model: describe a uniform prediction.
  const blank = describePrediction(fitted, io, io.outputs.map((o) => new Array<number>(o.shape[o.shape.length - 1] ?? 1).fill(0)), graph);
  return {
    name: graph.name,
    fields,
    outputs: blank.outputs.map((o) => ({ nodeId: o.nodeId, label: label(o.nodeId), role: o.role, task: o.task, classes: o.classes ?? [], labelColumn: o.labelColumn, branches: o.branches })),
    primary: blank.primary,
  };
}

/**
 * The saliency colour for v in [0, 1]: dark blue → cyan → yellow → red (a "jet"-like map). Not
 * the spectrogram palette of evaluate/preview.ts `heatColor`, so that saliency over a spectrogram
 * reads as an overlay, not as more spectrogram.
 */
export function saliencyColour(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, v));
  const ramp = (a: number) => Math.round(255 * Math.min(1, Math.max(0, a)));
  return [ramp(1.5 - Math.abs(4 * x - 3)), ramp(1.5 - Math.abs(4 * x - 2)), ramp(1.5 - Math.abs(4 * x - 1))];
}

/**
 * The picture to draw for a saliency map: the input in gray (or colour) with the heat map blended
 * over it at `opacity` (on a square-root scale; weaker saliency more transparent, the weakest not at
 * all). Spectrograms are turned so that time runs left to right and low mel bins sit at the bottom.
 * RGBA, row-major `height × width`.
 */
export function saliencyPixels(s: Pick<InputSaliency, 'layout' | 'height' | 'width' | 'values' | 'preview' | 'channels'>, opacity: number): { width: number; height: number; data: Uint8ClampedArray } {
  const spec = s.layout === 'spectrogram';
  const width = spec ? s.height : s.width;
  const height = spec ? s.width : s.height;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Source row/column in the input's [h, w] grid.
      const r = spec ? x : y;
      const c = spec ? s.width - 1 - y : x;
      const i = r * s.width + c;
      const base = [0, 1, 2].map((k) => s.preview[i * s.channels + (s.channels >= 3 ? k : 0)]);
      // Square root: gradients are heavy-tailed, and a few pixels would otherwise hold all the
      // colour. The weakest quarter stays clear so the input shows through.
      const v = Math.sqrt(Math.min(1, Math.max(0, s.values[i])));
      const a = Math.min(1, Math.max(0, opacity)) * Math.min(1, Math.max(0, (v - 0.25) / 0.75));
      const heat = saliencyColour(v);
      const o = (y * width + x) * 4;
      for (let k = 0; k < 3; k++) data[o + k] = Math.round(base[k] * (1 - a) + heat[k] * a);
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}
