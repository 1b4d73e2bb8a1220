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
  dagre.layout(g);
  const out: Record<string, XY> = {};
  for (const n of graph.nodes) {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number } | undefined;
    if (!p || !Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    const s = sizes[n.id] ?? DEFAULT_NODE_SIZE;
    out[n.id] = { x: Math.round(p.x - s.width / 2), y: Math.round(p.y - s.height / 2) };
  }
  return out;
}

/** The graph laid out (see {@link layoutPositions}). */
export function autoLayout(graph: GraphDoc, sizes: Readonly<Record<string, Size>> = {}): GraphDoc {
  return moveNodes(graph, layoutPositions(graph, sizes));
}
