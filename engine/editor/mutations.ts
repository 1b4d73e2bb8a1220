/**
 * Graph edits as pure functions on {@link GraphDoc}: every function returns a new document (or the
 * same object when nothing changed, so callers can skip a history step) and shares the node and
 * edge objects it did not touch, so that memoised views re-render only what changed.
 */
import { ID_PATTERN, RESERVED_IDS, isValidId, type GraphDoc, type GraphEdge, type GraphNode } from '../graph';
import type { NodePorts, NodeRegistry } from '../spec';

/** A point on the canvas. */
export interface XY {
  x: number;
  y: number;
}

/** A connection between two ports. */
export interface Connection {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

/** A copied part of a graph: some nodes and the edges between them. */
export interface Clipboard {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/**
 * A base for ids made from a kind or an old id: `encoder.image-cnn` → `image_cnn`, always
 * matching {@link ID_PATTERN} once a suffix is added.
 */
export function idBase(text: string): string {
  const last = text.includes('.') ? text.slice(text.lastIndexOf('.') + 1) : text;
  let base = last.replace(/[^A-Za-z0-9_]/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
  // Strip an earlier numeric suffix so that copies of `dense_2` become `dense_3`, not `dense_2_1`.
  base = base.replace(/_\d+$/, '');
  if (!base) base = 'node';
  if (!/^[A-Za-z]/.test(base) || RESERVED_IDS.has(base)) base = `n_${base}`;
  return base.slice(0, 48);
}

/** The first of `base`, `base_2`, `base_3`, … not in `taken`. */
export function uniqueId(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base) && isValidId(base)) return base;
  for (let i = 2; ; i++) {
    const id = `${base}_${i}`;
    if (!taken.has(id)) return id;
  }
}

/** An unused edge id `e1`, `e2`, …, starting after the edge count so the scan is short. */
function nextEdgeId(taken: ReadonlySet<string>, hint: number): string {
  for (let i = Math.max(1, hint); ; i++) {
    const id = `e${i}`;
    if (!taken.has(id)) return id;
  }
}

/** Default params of a kind (every field of its schema has a default), or `{}` for an unknown kind. */
export function defaultParams(registry: NodeRegistry, kind: string): Record<string, unknown> {
  const spec = registry.get(kind);
  if (!spec) return {};
  const parsed = spec.params.safeParse({});
  return parsed.success ? { ...(parsed.data as Record<string, unknown>) } : {};
}

/** The ports of a node for its current params (defaults filled in), or undefined if they cannot be read. */
export function portsOf(registry: NodeRegistry, node: Pick<GraphNode, 'kind' | 'params'>): NodePorts | undefined {
  const spec = registry.get(node.kind);
  if (!spec) return undefined;
  const parsed = spec.params.safeParse(node.params);
  if (!parsed.success) return undefined;
  try {
    return spec.ports(parsed.data);
  } catch {
    return undefined;
  }
}

/**
 * Add a node of `kind` at `position` with its default params and a unique id derived from the
 * kind. Returns the new document and the id.
 */
export function addNode(graph: GraphDoc, registry: NodeRegistry, kind: string, position: XY, opts: { id?: string; label?: string } = {}): { graph: GraphDoc; id: string } {
  const taken = new Set(graph.nodes.map((n) => n.id));
  const id = uniqueId(opts.id && isValidId(opts.id) ? opts.id : idBase(kind), taken);
  const spec = registry.get(kind);
  const node: GraphNode = {
    id,
    kind,
    label: opts.label ?? spec?.label ?? kind,
    params: defaultParams(registry, kind),
    position: { x: position.x, y: position.y },
    frozen: false,
  };
  return { graph: { ...graph, nodes: [...graph.nodes, node] }, id };
}

/** Remove nodes (with every edge touching them) and edges. */
export function removeElements(graph: GraphDoc, sel: { nodes?: readonly string[]; edges?: readonly string[] }): GraphDoc {
  const nodes = new Set(sel.nodes ?? []);
  const edges = new Set(sel.edges ?? []);
  if (nodes.size === 0 && edges.size === 0) return graph;
  const keptNodes = graph.nodes.filter((n) => !nodes.has(n.id));
  const keptEdges = graph.edges.filter((e) => !edges.has(e.id) && !nodes.has(e.source) && !nodes.has(e.target));
  if (keptNodes.length === graph.nodes.length && keptEdges.length === graph.edges.length) return graph;
  return { ...graph, nodes: keptNodes, edges: keptEdges };
}

/**
 * Connect two ports. An identical edge is not added twice; an input port that takes one edge
 * has its old edge replaced (the way node editors behave when you drop a new wire on a taken
 * input). Whether the connection is allowed is the engine's `canConnect`, asked by the caller.
 */
export function connect(graph: GraphDoc, registry: NodeRegistry, c: Connection): { graph: GraphDoc; edgeId?: string } {
  const source = graph.nodes.find((n) => n.id === c.source);
  const target = graph.nodes.find((n) => n.id === c.target);
  if (!source || !target || c.source === c.target) return { graph };
  const same = graph.edges.find((e) => e.source === c.source && e.sourcePort === c.sourcePort && e.target === c.target && e.targetPort === c.targetPort);
  if (same) return { graph, edgeId: same.id };
  const port = portsOf(registry, target)?.inputs.find((p) => p.id === c.targetPort);
  const single = !port || !port.multiple || port.maxConnections === 1;
  const kept = single ? graph.edges.filter((e) => !(e.target === c.target && e.targetPort === c.targetPort)) : graph.edges;
  const taken = new Set(graph.edges.map((e) => e.id));
  const edge: GraphEdge = { id: nextEdgeId(taken, graph.edges.length + 1), source: c.source, sourcePort: c.sourcePort, target: c.target, targetPort: c.targetPort };
  return { graph: { ...graph, edges: [...kept, edge] }, edgeId: edge.id };
}

/** Move nodes to new positions (ids not in the graph are ignored). */
export function moveNodes(graph: GraphDoc, positions: Readonly<Record<string, XY>>): GraphDoc {
  let changed = false;
  const nodes = graph.nodes.map((n) => {
    const p = positions[n.id];
    if (!p || !Number.isFinite(p.x) || !Number.isFinite(p.y) || (p.x === n.position.x && p.y === n.position.y)) return n;
    changed = true;
    return { ...n, position: { x: p.x, y: p.y } };
  });
  return changed ? { ...graph, nodes } : graph;
}

function updateNode(graph: GraphDoc, id: string, fn: (n: GraphNode) => GraphNode): GraphDoc {
  let changed = false;
  const nodes = graph.nodes.map((n) => {
    if (n.id !== id) return n;
    const m = fn(n);
    if (m !== n) changed = true;
    return m;
  });
  return changed ? { ...graph, nodes } : graph;
}

/** Set a node's display label (trimmed, at most 200 characters as the schema allows). */
export function renameNode(graph: GraphDoc, id: string, label: string): GraphDoc {
  const l = label.slice(0, 200);
  return updateNode(graph, id, (n) => (n.label === l ? n : { ...n, label: l }));
}

/** Set one param of a node; `undefined` removes it (so the schema default applies). */
export function setParam(graph: GraphDoc, id: string, name: string, value: unknown): GraphDoc {
  return updateNode(graph, id, (n) => {
    if (Object.is(n.params[name], value) && (value !== undefined || !(name in n.params))) return n;
    const params = { ...n.params };
    if (value === undefined) delete params[name];
    else params[name] = value;
    return { ...n, params };
  });
}

/** Freeze or unfreeze a node's weights in training. */
export function setFrozen(graph: GraphDoc, id: string, frozen: boolean): GraphDoc {
  return updateNode(graph, id, (n) => (n.frozen === frozen ? n : { ...n, frozen }));
}

/** Set the graph's name and/or description. */
export function setGraphInfo(graph: GraphDoc, info: { name?: string; description?: string }): GraphDoc {
  const name = info.name === undefined ? graph.name : info.name.slice(0, 200);
  const description = info.description === undefined ? graph.description : info.description.slice(0, 5000);
  return name === graph.name && description === graph.description ? graph : { ...graph, name, description };
}

/** Copy the given nodes and the edges running between them (edges to outside nodes are left out). */
export function copySelection(graph: GraphDoc, nodeIds: readonly string[]): Clipboard {
  const ids = new Set(nodeIds);
  return {
    nodes: graph.nodes.filter((n) => ids.has(n.id)).map((n) => structuredCloneNode(n)),
    edges: graph.edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map((e) => ({ ...e })),
  };
}

function structuredCloneNode(n: GraphNode): GraphNode {
  // Params are plain JSON (they come from JSON documents), so a JSON round trip is a deep copy.
  return { ...n, params: JSON.parse(JSON.stringify(n.params)) as Record<string, unknown>, position: { ...n.position } };
}

/**
 * Paste a clipboard: every node gets a fresh unique id, is moved by `offset`, and the internal
 * edges are re-pointed at the new ids with fresh edge ids. Returns the new ids (to select them).
 */
export function pasteClipboard(graph: GraphDoc, clip: Clipboard, offset: XY = { x: 40, y: 40 }): { graph: GraphDoc; nodeIds: string[]; edgeIds: string[] } {
  if (clip.nodes.length === 0) return { graph, nodeIds: [], edgeIds: [] };
  const takenNodes = new Set(graph.nodes.map((n) => n.id));
  const map = new Map<string, string>();
  const nodes: GraphNode[] = [];
  for (const n of clip.nodes) {
    if (map.has(n.id)) continue; // a hand-made clipboard with a repeated id: keep the first
    const id = uniqueId(idBase(n.id), takenNodes);
    takenNodes.add(id);
    map.set(n.id, id);
    const c = structuredCloneNode(n);
    nodes.push({ ...c, id, position: { x: n.position.x + offset.x, y: n.position.y + offset.y } });
  }
  const takenEdges = new Set(graph.edges.map((e) => e.id));
  const edges: GraphEdge[] = [];
  for (const e of clip.edges) {
    const source = map.get(e.source);
    const target = map.get(e.target);
    if (!source || !target) continue;
    const id = nextEdgeId(takenEdges, graph.edges.length + edges.length + 1);
    takenEdges.add(id);
    edges.push({ id, source, sourcePort: e.sourcePort, target, targetPort: e.targetPort });
  }
  return {
    graph: { ...graph, nodes: [...graph.nodes, ...nodes], edges: [...graph.edges, ...edges] },
    nodeIds: nodes.map((n) => n.id),
    edgeIds: edges.map((e) => e.id),
  };
}

/** Duplicate nodes with their internal edges (copy + paste in one). */
export function duplicateNodes(graph: GraphDoc, nodeIds: readonly string[], offset: XY = { x: 40, y: 40 }): { graph: GraphDoc; nodeIds: string[]; edgeIds: string[] } {
  return pasteClipboard(graph, copySelection(graph, nodeIds), offset);
}
