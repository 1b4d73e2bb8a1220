/**
 * A small graph executor over a compiled `tf.LayersModel`: runs the layers between fed symbolic
 * tensors and fetched ones, with a per-layer training flag.
 *
 * Why not `model.apply(x, { training: true })`: tfjs's `Container.call` does not pass `training`
 * on to the layers (batch norm and dropout would run in inference mode). And why not the model's
 * own executor: frozen layers must run in inference mode while the rest trains (batch norm then
 * keeps its moving statistics, as in Keras), and training from cached features needs to feed
 * intermediate tensors. This mirrors tfjs-layers' `execute` (the code `model.fit` runs).
 */
import type * as tfTypes from '@tensorflow/tfjs';

type TF = typeof tfTypes;
type Layer = tfTypes.layers.Layer;
type Tensor = tfTypes.Tensor;
type SymbolicTensor = tfTypes.SymbolicTensor;

/** One layer call of the plan. */
export interface Step {
  layer: Layer;
  /** The symbolic tensors this call reads (ids in `inputIds`). */
  inputs: SymbolicTensor[];
  inputIds: number[];
  outputIds: number[];
}

/** A precomputed order of layer calls from `feeds` to `fetches`. */
export interface ExecutionPlan {
  feeds: SymbolicTensor[];
  fetches: SymbolicTensor[];
  steps: Step[];
}

/** The layer-graph node (`inboundNodes[i]`) that produced a symbolic tensor. */
interface InboundNode {
  inputTensors: SymbolicTensor[];
  outputTensors: SymbolicTensor[];
}

function producerOf(t: SymbolicTensor): InboundNode {
  // `inboundNodes` is public on tfjs layers but typed as an internal class; we read two fields.
  const nodes = (t.sourceLayer as unknown as { inboundNodes: InboundNode[] }).inboundNodes;
  return nodes[t.nodeIndex];
}

/**
 * Plan the layer calls needed to compute `fetches` from `feeds` (symbolic tensors of the model,
 * inputs or intermediate). Throws (a programming error) when a model input is needed but not fed.
 */
export function planExecution(fetches: SymbolicTensor[], feeds: SymbolicTensor[]): ExecutionPlan {
  const fed = new Set(feeds.map((t) => t.id));
  const done = new Set<number>(fed);
  const seenNodes = new Set<InboundNode>();
  const steps: Step[] = [];
  const visit = (t: SymbolicTensor, depth: number): void => {
    if (done.has(t.id)) return;
    if (depth > 10_000) throw new Error('graph too deep');
    const node = producerOf(t);
    if (!node || node.inputTensors.length === 0 || t.sourceLayer.getClassName() === 'InputLayer') {
      throw new Error(`no value fed for model input ${t.name}`);
    }
    if (seenNodes.has(node)) return;
    for (const x of node.inputTensors) visit(x, depth + 1);
    seenNodes.add(node);
    steps.push({ layer: t.sourceLayer, inputs: node.inputTensors, inputIds: node.inputTensors.map((x) => x.id), outputIds: node.outputTensors.map((x) => x.id) });
    for (const y of node.outputTensors) done.add(y.id);
  };
  for (const f of fetches) visit(f, 0);
  return { feeds, fetches, steps };
}

/** Options of one run. */
export interface RunOptions {
  /** Training mode (dropout on, batch norm on batch statistics) for trainable layers. */
  training: boolean;
}

/** The activation a fetched output ends in, when its logits (the values before it) can be had. */
export type OutputActivation = 'softmax' | 'sigmoid';

/**
 * For each fetch of the plan: 'softmax' or 'sigmoid' when it is the output of a plain `Dense`
 * layer with that activation (every classify and multilabel head), else null. Such outputs can be
 * run with their logits kept (`runPlanWithLogits`), so that a loss can be computed from the logits.
 */
export function outputActivations(plan: ExecutionPlan): (OutputActivation | null)[] {
  return plan.fetches.map((f) => {
    const layer = f.sourceLayer;
    if (layer.getClassName() !== 'Dense') return null;
    const act = (layer.getConfig() as { activation?: unknown }).activation;
    return act === 'softmax' || act === 'sigmoid' ? act : null;
  });
}

/** The two members of a tfjs activation that `Dense.call` uses. */
interface ActivationLike {
  getClassName(): string;
  apply(x: Tensor): Tensor;
}

/** Dense with 'linear' computes x·W + b (its fused path with no activation). */
const LINEAR: ActivationLike = { getClassName: () => 'linear', apply: (x) => x };

/** Call a Dense layer without its activation: its logits. */
function denseLogits(layer: Layer, inputs: Tensor[], kwargs: Record<string, unknown>): Tensor {
  // `activation` is private in tfjs' typings; Dense.call reads it on every call (tfjs-layers 4.22).
  const d = layer as unknown as { activation: ActivationLike };
  const act = d.activation;
  d.activation = LINEAR;
  try {
    return layer.apply(inputs, kwargs) as Tensor;
  } finally {
    d.activation = act;
  }
}

/**
 * Run a plan on concrete tensors (one per feed, in plan order). Returns one tensor per fetch.
 * Layers with `trainable === false` (frozen nodes) always run in inference mode. Intermediate
 * tensors are not disposed here: call it inside `tf.tidy` or a gradient function.
 */
export function runPlan(plan: ExecutionPlan, values: Tensor[], opts: RunOptions): Tensor[] {
  return execute(plan, values, opts, null).outs;
}

/**
 * `runPlan`, and for each fetch whose entry of `activations` (from `outputActivations`) is not
 * null also its logits: that layer runs without its activation and the output is
 * softmax/sigmoid of the logits (the same ops the layer's own activation runs).
 */
export function runPlanWithLogits(
  tf: TF,
  plan: ExecutionPlan,
  values: Tensor[],
  opts: RunOptions,
  activations: readonly (OutputActivation | null)[],
): { outs: Tensor[]; logits: (Tensor | null)[] } {
  const sites = new Map<Layer, OutputActivation>();
  plan.fetches.forEach((f, i) => {
    const a = activations[i];
    if (a) sites.set(f.sourceLayer, a);
  });
  const logits = new Map<number, Tensor>();
  const { outs } = execute(plan, values, opts, { tf, sites, logits });
  return { outs, logits: plan.fetches.map((f) => logits.get(f.id) ?? null) };
}

interface LogitRun {
  tf: TF;
  sites: ReadonlyMap<Layer, OutputActivation>;
  /** Filled: output id → logits. */
  logits: Map<number, Tensor>;
}

function execute(plan: ExecutionPlan, values: Tensor[], opts: RunOptions, lr: LogitRun | null): { outs: Tensor[] } {
  const map = new Map<number, Tensor>();
  const masks = new Map<number, Tensor | null>();
  plan.feeds.forEach((t, i) => map.set(t.id, values[i]));
  for (const step of plan.steps) {
    const inputs = step.inputIds.map((id) => map.get(id) as Tensor);
    const inMasks = step.inputIds.map((id) => masks.get(id) ?? null);
    const kwargs: Record<string, unknown> = { training: opts.training && step.layer.trainable };
    if (inMasks.some((m) => m !== null)) kwargs.mask = inMasks[0];
    // Always a list, as tfjs's own executor does (every layer accepts it).
    const site = lr?.sites.get(step.layer);
    let out: Tensor | Tensor[];
    if (lr && site) {
      const z = denseLogits(step.layer, inputs, kwargs);
      lr.logits.set(step.outputIds[0], z);
      out = site === 'softmax' ? lr.tf.softmax(z) : lr.tf.sigmoid(z);
    } else {
      out = step.layer.apply(inputs, kwargs) as Tensor | Tensor[];
    }
    const outs = Array.isArray(out) ? out : [out];
    let outMask: Tensor | Tensor[] | null = null;
    if (step.layer.supportsMasking) outMask = step.layer.computeMask(inputs, inMasks as Tensor[]) ?? null;
    step.outputIds.forEach((id, i) => {
      map.set(id, outs[i]);
      masks.set(id, Array.isArray(outMask) ? (outMask[0] ?? null) : outMask);
    });
  }
  return {
    outs: plan.fetches.map((f) => {
      const v = map.get(f.id);
      if (!v) throw new Error(`could not compute ${f.name}`);
      return v;
    }),
  };
}

/** Run in inference mode and keep only the fetched tensors. */
export function runInference(tf: TF, plan: ExecutionPlan, values: Tensor[]): Tensor[] {
  return tf.tidy(() => runPlan(plan, values, { training: false }));
}
