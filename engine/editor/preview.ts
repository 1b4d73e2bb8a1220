/**
 * Geometry of a graph's thumbnail for the template picker: node boxes and edge lines scaled into
 * a fixed box. Pure, so the picker just draws rectangles and lines in an SVG.
 */
import type { GraphDoc } from '../graph';
import type { NodeCategory, NodeRegistry } from '../spec';
import { DEFAULT_NODE_SIZE } from './layout';

export interface PreviewGeometry {
  nodes: { id: string; x: number; y: number; width: number; height: number; category: NodeCategory | 'unknown' }[];
  edges: { id: string; x1: number; y1: number; x2: number; y2: number }[];
}

/** Scale a graph into a `width × height` box with `pad` around it, keeping its aspect ratio. */
export function previewGeometry(graph: GraphDoc, registry: NodeRegistry, width: number, height: number, pad = 6): PreviewGeometry {
  if (graph.nodes.length === 0) return { nodes: [], edges: [] };
  const W = DEFAULT_NODE_SIZE.width;
  const Hh = DEFAULT_NODE_SIZE.height * 0.7;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const n of graph.nodes) {
    minX = Math.min(minX, n.position.x);
    minY = Math.min(minY, n.position.y);
    maxX = Math.max(maxX, n.position.x + W);
    maxY = Math.max(maxY, n.position.y + Hh);
  }
  const spanX = Math.max(maxX - minX, 1);
  const spanY = Math.max(maxY - minY, 1);
  const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
  const offX = pad + (width - 2 * pad - spanX * scale) / 2;
  const offY = pad + (height - 2 * pad - spanY * scale) / 2;
  const box = new Map<string, { x: number; y: number; width: number; height: number }>();
  const nodes = graph.nodes.map((n) => {
    const b = { x: offX + (n.position.x - minX) * scale, y: offY + (n.position.y - minY) * scale, width: W * scale, height: Hh * scale };
    box.set(n.id, b);
    return { id: n.id, ...b, category: registry.get(n.kind)?.category ?? ('unknown' as const) };
  });
  const edges = graph.edges.flatMap((e) => {
    const s = box.get(e.source);
    const t = box.get(e.target);
    if (!s || !t) return [];
    return [{ id: e.id, x1: s.x + s.width, y1: s.y + s.height / 2, x2: t.x, y2: t.y + t.height / 2 }];
  });
  return { nodes, edges };
}
