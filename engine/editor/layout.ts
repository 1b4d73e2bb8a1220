/**
 * Auto-layout with dagre: a layered drawing from inputs (left) to heads (right).
 */
import dagre from '@dagrejs/dagre';
import type { GraphDoc } from '../graph';
import { moveNodes, type XY } from './mutations';

export interface Size {
  width: number;
  height: number;
}

/** Size assumed for a node the canvas has not measured yet. */
export const DEFAULT_NODE_SIZE: Size = { width: 200, height: 110 };

/**
 * New top-left positions for every node, laid out left to right. Sizes come from the canvas
 * (measured node boxes); nodes without one get {@link DEFAULT_NODE_SIZE}. Positions are rounded
 * so documents stay tidy.
 */
export function layoutPositions(graph: GraphDoc, sizes: Readonly<Record<string, Size>> = {}, opts: { nodesep?: number; ranksep?: number } = {}): Record<string, XY> {
  if (graph.nodes.length === 0) return {};
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: opts.nodesep ?? 36, ranksep: opts.ranksep ?? 90, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set<string>();
  for (const n of graph.nodes) {
    const s = sizes[n.id] ?? DEFAULT_NODE_SIZE;
    g.setNode(n.id, { width: s.width, height: s.height });
    ids.add(n.id);
  }
  for (const e of graph.edges) {
    if (ids.has(e.source) && ids.has(e.target) && e.source !== e.target) g.setEdge(e.source, e.target, {}, e.id);
  }
  try {
    dagre.layout(g);
  } catch (e) {
    // dagre recurses along chains; a graph thousands of nodes deep overflows the stack.
    if (e instanceof RangeError) return layeredPositions(graph, sizes, opts);
    throw e;
  }
  const out: Record<string, XY> = {};
  for (const n of graph.nodes) {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number } | undefined;
    if (!p || !Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    const s = sizes[n.id] ?? DEFAULT_NODE_SIZE;
    out[n.id] = { x: Math.round(p.x - s.width / 2), y: Math.round(p.y - s.height / 2) };
  }
  return out;
}

/**
 * A plain layered layout without recursion, for graphs too deep for dagre: a node's column is the
 * length of the longest chain into it, rows stack in document order within a column.
 */
function layeredPositions(graph: GraphDoc, sizes: Readonly<Record<string, Size>>, opts: { nodesep?: number; ranksep?: number }): Record<string, XY> {
  const ids = new Set(graph.nodes.map((n) => n.id));
  const incoming = new Map<string, string[]>(graph.nodes.map((n) => [n.id, []]));
  const outgoing = new Map<string, string[]>(graph.nodes.map((n) => [n.id, []]));
  for (const e of graph.edges) {
    if (!ids.has(e.source) || !ids.has(e.target) || e.source === e.target) continue;
    incoming.get(e.target)?.push(e.source);
    outgoing.get(e.source)?.push(e.target);
  }
  // Kahn's order; nodes on a cycle keep column 0.
  const pending = new Map<string, number>([...incoming].map(([id, list]) => [id, list.length]));
  const column = new Map<string, number>();
  const queue = graph.nodes.filter((n) => pending.get(n.id) === 0).map((n) => n.id);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    const c = column.get(id) ?? 0;
    for (const t of outgoing.get(id) ?? []) {
      column.set(t, Math.max(column.get(t) ?? 0, c + 1));
      const left = (pending.get(t) ?? 1) - 1;
      pending.set(t, left);
      if (left === 0) queue.push(t);
    }
  }
  const rowsUsed = new Map<number, number>();
  const out: Record<string, XY> = {};
  for (const n of graph.nodes) {
    const c = column.get(n.id) ?? 0;
    const s = sizes[n.id] ?? DEFAULT_NODE_SIZE;
    const y = rowsUsed.get(c) ?? 0;
    rowsUsed.set(c, y + s.height + (opts.nodesep ?? 36));
    out[n.id] = { x: c * (DEFAULT_NODE_SIZE.width + (opts.ranksep ?? 90)), y };
  }
  return out;
}

/** The graph laid out (see {@link layoutPositions}). */
export function autoLayout(graph: GraphDoc, sizes: Readonly<Record<string, Size>> = {}): GraphDoc {
  return moveNodes(graph, layoutPositions(graph, sizes));
}
