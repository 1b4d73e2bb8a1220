/**
 * Single-modality variants of a graph (the "Compare" button): for each input node, a graph that
 * keeps that input, its encoder path, and the same head(s). Every node that depends on the input
 * is kept; other inputs and everything that depends only on them go. A fusion (or model-level)
 * node left with fewer inputs than it needs is removed and its one remaining input is wired
 * straight to where its output went; one that still has enough inputs stays.
 */
import type { Diagnostic } from './diagnostics';
import { hasErrors } from './diagnostics';
import type { GraphDoc, GraphEdge } from './graph';
import type { NodeRegistry } from './spec';
import { analyzeGraph } from './validate';

export interface GraphVariant {
  /** The input node kept. */
  inputId: string;
  graph: GraphDoc;
  /** True when the variant validates without errors (so it compiles). */
  ok: boolean;
  diagnostics: Diagnostic[];
}

/** A port requirement check for one node given its remaining incoming edges. */
function lacksInputs(graph: GraphDoc, registry: NodeRegistry, nodeId: string): boolean {
  const analysis = analyzeGraph(graph, registry);
  const a = analysis.nodes.get(nodeId);
  if (!a?.ports) return false;
  for (const port of a.ports.inputs) {
    const count = graph.edges.filter((e) => e.target === nodeId && e.targetPort === port.id).length;
    if (port.optional) continue;
    const need = port.multiple ? (port.minConnections ?? 1) : 1;
    if (count < need) return true;
  }
  return false;
}

/** The single-modality variant of `graph` for input node `inputId`. */
export function singleModalityVariant(graph: GraphDoc, registry: NodeRegistry, inputId: string): GraphVariant {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const out = new Map<string, GraphEdge[]>();
  for (const e of graph.edges) out.set(e.source, [...(out.get(e.source) ?? []), e]);
  // Descendants of the input.
  const keep = new Set<string>([inputId]);
  const stack = [inputId];
  while (stack.length) {
    const id = stack.pop() as string;
    for (const e of out.get(id) ?? []) {
      if (!keep.has(e.target)) {
        keep.add(e.target);
        stack.push(e.target);
      }
    }
  }
  let g: GraphDoc = {
    ...graph,
    name: `${graph.name} — ${byId.get(inputId)?.label || inputId} only`,
    nodes: graph.nodes.filter((n) => keep.has(n.id)).map((n) => ({ ...n, params: { ...n.params }, position: { ...n.position } })),
    edges: graph.edges.filter((e) => keep.has(e.source) && keep.has(e.target)).map((e) => ({ ...e })),
  };
  // Bypass joining nodes left short of inputs, in graph order until nothing changes.
  const analysis = analyzeGraph(g, registry);
  const order = analysis.order.length === g.nodes.length ? analysis.order : g.nodes.map((n) => n.id);
  for (const id of order) {
    const spec = registry.get(byId.get(id)?.kind ?? '');
    if (!spec || (spec.category !== 'fusion' && spec.category !== 'late')) continue;
    if (!lacksInputs(g, registry, id)) continue;
    const incoming = g.edges.filter((e) => e.target === id);
    if (incoming.length !== 1) continue; // nothing sensible to wire through; validation will say why
    const src = incoming[0];
    const outgoing = g.edges.filter((e) => e.source === id);
    let n = 0;
    const rewired = outgoing.map((e) => ({ ...e, id: `${e.id}_via_${id}_${n++}`, source: src.source, sourcePort: src.sourcePort }));
    g = { ...g, nodes: g.nodes.filter((x) => x.id !== id), edges: [...g.edges.filter((e) => e.target !== id && e.source !== id), ...rewired] };
  }
  const diagnostics = analyzeGraph(g, registry).diagnostics;
  return { inputId, graph: g, ok: !hasErrors(diagnostics), diagnostics };
}

/** One single-modality variant per input node of the graph that reaches an output. */
export function singleModalityVariants(graph: GraphDoc, registry: NodeRegistry): GraphVariant[] {
  const analysis = analyzeGraph(graph, registry);
  return graph.nodes
    .filter((n) => analysis.nodes.get(n.id)?.spec?.category === 'input' && analysis.nodes.get(n.id)?.reachesOutput)
    .map((n) => singleModalityVariant(graph, registry, n.id));
}
