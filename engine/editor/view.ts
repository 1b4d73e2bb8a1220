/**
 * What the canvas draws for a node and an edge, computed from the document and the engine's
 * analysis. Plain data with a stable JSON form, so the canvas can skip re-rendering nodes whose
 * view did not change (a param edit re-draws only the nodes whose shapes or problems changed).
 */
import type { Diagnostic } from '../diagnostics';
import type { GraphEdge, GraphNode } from '../graph';
import { formatShape, type NodeCategory, type TensorKind, type TensorType } from '../spec';
import type { GraphAnalysis, NodeAnalysis } from '../validate';

export interface PortView {
  id: string;
  label: string;
  /** The kind that flows (inferred) or, before anything is known, the first kind accepted. */
  kind: TensorKind | null;
  /** Every kind the port accepts, for the tooltip. */
  accepts: TensorKind[];
  /** `28×28×1`, or '' when not known. */
  shape: string;
  multiple: boolean;
  optional: boolean;
  connected: number;
}

export interface NodeView {
  id: string;
  kind: string;
  label: string;
  /** The kind's display name (shown under a custom label). */
  kindLabel: string;
  category: NodeCategory | 'unknown';
  inputs: PortView[];
  outputs: PortView[];
  errors: string[];
  warnings: string[];
  frozen: boolean;
}

export interface EdgeView {
  id: string;
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
  kind: TensorKind | null;
  /** Shape it carries, e.g. `64`, or '' when unknown. */
  shape: string;
  error: string | null;
}

/** Group diagnostics by node id and by edge id. */
export function groupDiagnostics(diagnostics: readonly Diagnostic[]): { byNode: Map<string, Diagnostic[]>; byEdge: Map<string, Diagnostic[]> } {
  const byNode = new Map<string, Diagnostic[]>();
  const byEdge = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) {
    if (d.nodeId) {
      const l = byNode.get(d.nodeId);
      if (l) l.push(d);
      else byNode.set(d.nodeId, [d]);
    }
    if (d.edgeId) {
      const l = byEdge.get(d.edgeId);
      if (l) l.push(d);
      else byEdge.set(d.edgeId, [d]);
    }
  }
  return { byNode, byEdge };
}

function typeText(t: TensorType | undefined): string {
  return t ? formatShape(t.shape) : '';
}

/** The view of one node. */
export function nodeView(node: GraphNode, a: NodeAnalysis | undefined, diags: readonly Diagnostic[] = []): NodeView {
  const spec = a?.spec;
  const inputs: PortView[] = (a?.ports?.inputs ?? []).map((p) => {
    const arriving = a?.inputs[p.id] ?? [];
    return {
      id: p.id,
      label: p.label,
      kind: arriving[0]?.kind ?? (p.accepts.length === 1 ? p.accepts[0] : null),
      accepts: p.accepts,
      shape: arriving.map(typeText).join(' · '),
      multiple: !!p.multiple,
      optional: !!p.optional,
      connected: a?.incoming[p.id]?.length ?? 0,
    };
  });
  const outputs: PortView[] = (a?.ports?.outputs ?? []).map((p) => {
    const t = a?.outputs[p.id];
    return { id: p.id, label: p.label, kind: t?.kind ?? p.accepts[0] ?? null, accepts: p.accepts, shape: typeText(t), multiple: false, optional: false, connected: 0 };
  });
  return {
    id: node.id,
    kind: node.kind,
    label: node.label || spec?.label || node.kind,
    kindLabel: spec?.label ?? node.kind,
    category: spec?.category ?? 'unknown',
    inputs,
    outputs,
    errors: diags.filter((d) => d.severity === 'error').map((d) => d.message),
    warnings: diags.filter((d) => d.severity === 'warning').map((d) => d.message),
    frozen: node.frozen,
  };
}

/** The view of one edge: what it carries and whether it has a problem. */
export function edgeView(edge: GraphEdge, analysis: GraphAnalysis, diags: readonly Diagnostic[] = []): EdgeView {
  const t = analysis.nodes.get(edge.source)?.outputs[edge.sourcePort];
  const err = diags.find((d) => d.severity === 'error');
  return { id: edge.id, source: edge.source, sourcePort: edge.sourcePort, target: edge.target, targetPort: edge.targetPort, kind: t?.kind ?? null, shape: typeText(t), error: err ? err.message : null };
}
