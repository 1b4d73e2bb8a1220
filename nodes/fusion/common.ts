/**
 * Ports and shape checks shared by the fusion.* node files (pure: no tfjs at run time; the build context brings the module).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { BuildContext, InferInputs, InferResult, NodeDiagnostic, PortSpec, TensorKind, TensorType } from '../../engine/spec';
import { checkSameShape, expectMany, isDiagnosticList, listWords, portProblem, widthOf } from '../shared';

/** Rank of each kind a fusion port takes (the batch dimension excluded). */
const RANK: Partial<Record<TensorKind, number>> = { features: 1, sequence: 2 };

/** The `multiple` input port 'in' of a fusion node (at least two edges). */
export function fusionInputPort(accepts: TensorKind[]): PortSpec {
  return { id: 'in', label: 'Inputs', accepts, multiple: true, minConnections: 2 };
}

/** The output port 'out'. */
export function fusedOutputPort(accepts: TensorKind[] = ['features']): PortSpec {
  return { id: 'out', label: 'Fused', accepts };
}

/** An infer result that failed with these diagnostics. */
export function failed(diagnostics: NodeDiagnostic[]): InferResult {
  return { ok: false, diagnostics };
}

/**
 * The tensors on 'in' (or another multiple port), checked for count, kind and the kind's rank.
 */
export function fusionInputs(inputs: InferInputs, op: string, accepts: TensorKind[], portId = 'in'): TensorType[] | NodeDiagnostic[] {
  const list = expectMany(inputs, portId, accepts, { min: 2, op });
  if (isDiagnosticList(list)) return list;
  const bad = list
    .map((t, i) => ({ t, i }))
    .filter(({ t }) => RANK[t.kind] !== undefined && t.shape.length !== RANK[t.kind])
    .map(({ t, i }) => portProblem(portId, `${op}: input ${i + 1} is ${t.kind} of shape [${t.shape.join(', ')}], which should have rank ${RANK[t.kind]}.`, 'bad-shape'));
  return bad.length > 0 ? bad : list;
}

/** A single connected input on a named port, checked for kind and the kind's rank. */
export function roleInput(inputs: InferInputs, portId: string, op: string, accepts: TensorKind[]): TensorType | NodeDiagnostic {
  const list = inputs[portId] ?? [];
  if (list.length === 0) return portProblem(portId, `${op}: connect something to "${portId}".`, 'missing-input');
  if (list.length > 1) return portProblem(portId, `${op}: "${portId}" takes one input, got ${list.length}.`, 'too-many-inputs');
  const t = list[0];
  if (!accepts.includes(t.kind)) return portProblem(portId, `${op}: "${portId}" takes ${listWords(accepts)}, not ${t.kind}.`, 'incompatible-kind');
  if (RANK[t.kind] !== undefined && t.shape.length !== RANK[t.kind]) {
    return portProblem(portId, `${op}: "${portId}" is ${t.kind} of shape [${t.shape.join(', ')}], which should have rank ${RANK[t.kind]}.`, 'bad-shape');
  }
  return t;
}

/**
 * Shape inference of the element-wise operators (add, average, multiply, max): all features or
 * all sequences of one length, and one width unless projected; the output has that shape.
 */
export function elementwiseInfer(op: string, inputs: InferInputs, project: number): InferResult {
  const list = fusionInputs(inputs, op, ['features', 'sequence']);
  if (isDiagnosticList(list)) return failed(list);
  const problem = checkSameShape(op, list, project);
  if (problem) return failed([problem]);
  const first = list[0];
  const width = project > 0 ? project : widthOf(first);
  const shape = first.kind === 'sequence' ? [first.shape[0], width] : [width];
  return { ok: true, outputs: { out: { kind: first.kind, shape } } };
}

/** Params schema note shared by the element-wise docs. */
export const PROJECT_NOTE = `All inputs must have the same width, or set **project** to a width *d*: each input then goes
through its own dense layer *Pₖ* (linear, with bias) to width *d* first. Inputs can also be sequences of
the same length; the operation then applies at every step.`;

/**
 * Projects each input with its own dense layer (linear, with bias) to `width`, so that
 * operators that need equal widths can join them; returns the inputs unchanged when width is 0.
 * Layers are named `project1`, `project2`, … after the input's position on the port.
 */
export function projectEach(ctx: BuildContext, xs: tfTypes.SymbolicTensor[], width: number): tfTypes.SymbolicTensor[] {
  if (width <= 0) return xs;
  return xs.map(
    (x, i) =>
      ctx.tf.layers
        .dense({ units: width, name: ctx.name(`project${i + 1}`), kernelInitializer: ctx.tf.initializers.glorotUniform({ seed: ctx.seed() }) })
        .apply(x) as tfTypes.SymbolicTensor,
  );
}
