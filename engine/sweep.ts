/**
 * The fusion sweep's graphs: the graph's feature-level fusion node swapped for every compatible
 * fusion operator in the registry, and the model-level variants (late average, vote, stack over
 * one head per modality). Each comes back validated; the ones that do not validate say why, so a
 * leaderboard can list them as not applicable instead of failing.
 *
 * An operator is compatible when the graph with it validates: first with its default params,
 * then, for operators with a `project` param (element-wise ones need equal widths), with every
 * input projected to the narrowest input's width. Operators with two role ports (FiLM, cross
 * attention) take a node with exactly two inputs, in edge order.
 */
import { hasErrors, type Diagnostic } from './diagnostics';
import type { GraphDoc, GraphEdge, GraphNode } from './graph';
import type { NodeRegistry } from './spec';
import { analyzeGraph, isOutputNode } from './validate';

export type SweepKind = 'fusion-op' | 'late';

export interface SweepVariant {
  /** Row name: the operator's kind (`fusion.gated`, `late.vote`). */
  name: string;
  kind: SweepKind;
  /** The fusion or late kind this variant uses. */
  op: string;
  /** True for the graph's own operator (the baseline row). */
  current: boolean;
  graph: GraphDoc;
  ok: boolean;
  diagnostics: Diagnostic[];
  /** Heads this variant adds, each reading the labels of an original head: new id → original id. */
  headAliases?: Record<string, string>;
}

function validated(graph: GraphDoc, registry: NodeRegistry): { ok: boolean; diagnostics: Diagnostic[] } {
  const diagnostics = analyzeGraph(graph, registry).diagnostics;
  return { ok: !hasErrors(diagnostics), diagnostics };
}

/** The first feature-level fusion node (topological order) that reaches an output, if any. */
export function sweepFusionNode(graph: GraphDoc, registry: NodeRegistry): GraphNode | undefined {
  const analysis = analyzeGraph(graph, registry);
  const id = analysis.order.find((n) => analysis.nodes.get(n)?.spec?.category === 'fusion' && analysis.nodes.get(n)?.reachesOutput);
  return graph.nodes.find((n) => n.id === id);
}

/** `graph` with node `fuse` replaced by `kind` (params `params`), its edges rewired to the new ports; null when the ports cannot take them. */
function swapped(graph: GraphDoc, registry: NodeRegistry, fuse: GraphNode, kind: string, params: Record<string, unknown>): GraphDoc | null {
  const spec = registry.get(kind);
  if (!spec) return null;
  const parsed = spec.params.safeParse(params);
  if (!parsed.success) return null;
  const ports = spec.ports(parsed.data as never);
  const incoming = graph.edges.filter((e) => e.target === fuse.id);
  const required = ports.inputs.filter((p) => !p.optional);
  let targets: string[];
  if (required.length === 1 && required[0].multiple) targets = incoming.map(() => required[0].id);
  else if (required.every((p) => !p.multiple) && required.length === incoming.length) targets = required.map((p) => p.id);
  else return null;
  const out = ports.outputs[0]?.id;
  if (!out) return null;
  const edges: GraphEdge[] = graph.edges.map((e) => {
    if (e.target === fuse.id) return { ...e, targetPort: targets[incoming.indexOf(e)] };
    if (e.source === fuse.id) return { ...e, sourcePort: out };
    return { ...e };
  });
  return { ...graph, name: `${graph.name} — ${spec.label}`, nodes: graph.nodes.map((n) => (n.id === fuse.id ? { ...n, kind, label: n.label, params } : n)), edges };
}

/** Narrowest width arriving at the fusion node (for the `project` retry), if known. */
function narrowestInput(graph: GraphDoc, registry: NodeRegistry, fuse: GraphNode): number | undefined {
  const a = analyzeGraph(graph, registry).nodes.get(fuse.id);
  const widths = Object.values(a?.inputs ?? {})
    .flat()
    .map((t) => t.shape[t.shape.length - 1])
    .filter((w): w is number => typeof w === 'number' && w > 0);
  return widths.length ? Math.min(...widths) : undefined;
}

/** The feature-level operator variants: one per fusion kind in the registry (the current one included, marked). */
export function fusionOperatorVariants(graph: GraphDoc, registry: NodeRegistry): SweepVariant[] {
  const fuse = sweepFusionNode(graph, registry);
  if (!fuse) return [];
  const width = narrowestInput(graph, registry, fuse);
  const variants: SweepVariant[] = [];
  for (const spec of registry.all().filter((s) => s.category === 'fusion')) {
    const current = spec.kind === fuse.kind;
    const tries: Record<string, unknown>[] = current ? [fuse.params] : [{}];
    if (!current && width !== undefined && 'project' in spec.params.shape) tries.push({ project: width });
    let last: { graph: GraphDoc; diagnostics: Diagnostic[] } | null = null;
    let found: SweepVariant | null = null;
    for (const params of tries) {
      const g = swapped(graph, registry, fuse, spec.kind, params);
      if (!g) continue;
      const v = validated(g, registry);
      last = { graph: g, diagnostics: v.diagnostics };
      if (v.ok) {
        found = { name: spec.kind, kind: 'fusion-op', op: spec.kind, current, graph: g, ok: true, diagnostics: v.diagnostics };
        break;
      }
    }
    if (found) variants.push(found);
    else {
      const diagnostics: Diagnostic[] = last?.diagnostics ?? [{ severity: 'error', code: 'too-many-inputs', message: `${spec.label} cannot take the ${graph.edges.filter((e) => e.target === fuse.id).length} inputs of "${fuse.label || fuse.id}".`, nodeId: fuse.id }];
      variants.push({ name: spec.kind, kind: 'fusion-op', op: spec.kind, current, graph: last?.graph ?? graph, ok: false, diagnostics });
    }
  }
  return variants;
}

/**
 * The model-level variants: each input of the fusion node gets its own copy of the head the
 * fusion node feeds, and a late node (average, vote, stack) joins those heads; the fusion node and
 * the path from it to that head go.
 */
export function lateFusionVariants(graph: GraphDoc, registry: NodeRegistry): SweepVariant[] {
  const fuse = sweepFusionNode(graph, registry);
  if (!fuse) return [];
  const analysis = analyzeGraph(graph, registry);
  const out = new Map<string, string[]>();
  for (const e of graph.edges) out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
  // Descendants of the fusion node, and the first output node among them.
  const below = new Set<string>();
  const stack = [fuse.id];
  while (stack.length) for (const t of out.get(stack.pop() as string) ?? []) if (!below.has(t)) (below.add(t), stack.push(t));
  const headId = analysis.order.find((id) => below.has(id) && analysis.nodes.get(id)?.spec?.category === 'head');
  const head = graph.nodes.find((n) => n.id === headId);
  if (!head) return [];
  // The path from the fusion node to the head: descendants of the fusion node that reach the head.
  const reachesHead = (id: string, seen = new Set<string>()): boolean => id === head.id || (!seen.has(id) && (seen.add(id), (out.get(id) ?? []).some((t) => reachesHead(t, seen))));
  const drop = new Set([fuse.id, ...[...below].filter((id) => reachesHead(id) && !isOutputNode(analysis.nodes.get(id)?.spec)), head.id]);
  const sources = graph.edges.filter((e) => e.target === fuse.id);
  return registry
    .all()
    .filter((s) => s.category === 'late')
    .map((spec) => {
      const heads: GraphNode[] = sources.map((e, i) => ({ ...head, id: `${head.id}_${i + 1}`, label: `${head.label || head.id} ${i + 1}`, params: { ...head.params }, position: { x: head.position.x, y: head.position.y + 120 * i } }));
      const late: GraphNode = { id: `${fuse.id}_late`, kind: spec.kind, label: spec.label, params: {}, position: { ...head.position, x: head.position.x + 200 }, frozen: false };
      const edges: GraphEdge[] = [
        ...graph.edges.filter((e) => !drop.has(e.source) && !drop.has(e.target)).map((e) => ({ ...e })),
        ...sources.map((e, i) => ({ id: `${e.id}_head`, source: e.source, sourcePort: e.sourcePort, target: heads[i].id, targetPort: 'in' })),
        ...heads.map((h, i) => ({ id: `${late.id}_e${i + 1}`, source: h.id, sourcePort: 'out', target: late.id, targetPort: 'in' })),
      ];
      const g: GraphDoc = { ...graph, name: `${graph.name} — ${spec.label}`, nodes: [...graph.nodes.filter((n) => !drop.has(n.id)), ...heads, late], edges };
      const v = validated(g, registry);
      const headAliases = Object.fromEntries(heads.map((h) => [h.id, head.id]));
      return { name: spec.kind, kind: 'late' as const, op: spec.kind, current: false, graph: g, ok: v.ok, diagnostics: v.diagnostics, headAliases };
    });
}

/** Every sweep variant: the feature-level operators, then the model-level ones. */
export function sweepVariants(graph: GraphDoc, registry: NodeRegistry): SweepVariant[] {
  return [...fusionOperatorVariants(graph, registry), ...lateFusionVariants(graph, registry)];
}
