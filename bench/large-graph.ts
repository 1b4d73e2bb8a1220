/**
 * A generated graph of about `target` nodes for benchmarks: many tabular branches, each a chain
 * of dense blocks, fused by concatenation in groups, then a head. Uses only catalogue kinds.
 */
import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDoc, type GraphEdge, type GraphNode } from '../engine/graph';

export function generateLargeGraph(target = 300): GraphDoc {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const add = (id: string, kind: string, params: Record<string, unknown>, x: number, y: number) =>
    nodes.push({ id, kind, label: id, params, position: { x, y }, frozen: false });
  const link = (source: string, target: string) => edges.push({ id: `e${edges.length + 1}`, source, sourcePort: 'out', target, targetPort: 'in' });
  // Per branch: 1 input + depth dense; per group of 5 branches: 1 concat; then 1 concat + 1 head.
  const depth = 4;
  const branches = Math.max(2, Math.round((target - 2) / (1 + depth + 0.2)));
  const groups: string[][] = [];
  for (let b = 0; b < branches; b++) {
    add(`in${b}`, 'input.tabular', { columns: [`c${b}`] }, 0, b * 120);
    let prev = `in${b}`;
    for (let d = 0; d < depth; d++) {
      const id = `b${b}_d${d}`;
      add(id, 'encoder.dense', { units: 16 }, 250 * (d + 1), b * 120);
      link(prev, id);
      prev = id;
    }
    if (b % 5 === 0) groups.push([]);
    groups[groups.length - 1].push(prev);
  }
  const tops: string[] = [];
  groups.forEach((g, i) => {
    if (g.length === 1) {
      tops.push(g[0]);
      return;
    }
    const id = `cat${i}`;
    add(id, 'fusion.concat', {}, 250 * (depth + 1), i * 600);
    for (const s of g) link(s, id);
    tops.push(id);
  });
  add('fuse', 'fusion.concat', {}, 250 * (depth + 2), 0);
  for (const t of tops) link(t, 'fuse');
  add('head', 'head.classify', { column: 'label', classes: 10 }, 250 * (depth + 3), 0);
  link('fuse', 'head');
  return { format: GRAPH_FORMAT, version: GRAPH_VERSION, name: `Generated ${nodes.length} nodes`, description: 'benchmark graph', nodes, edges };
}
