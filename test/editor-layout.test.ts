import { describe, expect, it } from 'vitest';
import { emptyGraph, type GraphDoc } from '../engine/graph';
import { autoLayout, DEFAULT_NODE_SIZE, layoutPositions } from '../engine/editor/layout';
import { addNode, connect } from '../engine/editor/mutations';
import { previewGeometry } from '../engine/editor/preview';
import { registry } from '../nodes';
import { templates } from '../templates';

function diamond(): GraphDoc {
  let g = emptyGraph();
  for (let i = 0; i < 4; i++) g = addNode(g, registry, 'encoder.dense', { x: 0, y: 0 }).graph;
  const c = (s: string, t: string) => (g = connect(g, registry, { source: s, sourcePort: 'out', target: t, targetPort: 'in' }).graph);
  c('dense', 'dense_2');
  c('dense_2', 'dense_3');
  c('dense_3', 'dense_4');
  return g;
}

function overlap(a: { x: number; y: number }, b: { x: number; y: number }, w: number, h: number): boolean {
  return Math.abs(a.x - b.x) < w && Math.abs(a.y - b.y) < h;
}

describe('auto-layout', () => {
  it('lays a chain out left to right', () => {
    const g = autoLayout(diamond());
    const xs = ['dense', 'dense_2', 'dense_3', 'dense_4'].map((id) => g.nodes.find((n) => n.id === id)!.position.x);
    for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThan(xs[i - 1] + DEFAULT_NODE_SIZE.width - 1);
  });
  it('no two nodes overlap, using the measured sizes', () => {
    let g = emptyGraph();
    for (let i = 0; i < 12; i++) g = addNode(g, registry, 'encoder.dense', { x: 0, y: 0 }).graph;
    const sizes = Object.fromEntries(g.nodes.map((n) => [n.id, { width: 250, height: 140 }]));
    const pos = layoutPositions(g, sizes);
    const ps = Object.values(pos);
    expect(ps.length).toBe(12);
    for (let i = 0; i < ps.length; i++) for (let j = i + 1; j < ps.length; j++) expect(overlap(ps[i], ps[j], 250, 140)).toBe(false);
  });
  it('an empty graph stays empty and templates lay out', () => {
    expect(layoutPositions(emptyGraph())).toEqual({});
    for (const t of templates) {
      const g = autoLayout(t.graph);
      expect(g.nodes.every((n) => Number.isFinite(n.position.x) && Number.isFinite(n.position.y))).toBe(true);
    }
  });
});

describe('template preview', () => {
  it('fits every node inside the box', () => {
    for (const t of templates) {
      const p = previewGeometry(t.graph, registry, 160, 90, 6);
      expect(p.nodes.length).toBe(t.graph.nodes.length);
      expect(p.edges.length).toBe(t.graph.edges.length);
      for (const n of p.nodes) {
        expect(n.x).toBeGreaterThanOrEqual(5.99);
        expect(n.y).toBeGreaterThanOrEqual(5.99);
        expect(n.x + n.width).toBeLessThanOrEqual(154.01);
        expect(n.y + n.height).toBeLessThanOrEqual(84.01);
        expect(n.category).not.toBe('unknown');
      }
    }
    expect(previewGeometry(emptyGraph(), registry, 100, 100)).toEqual({ nodes: [], edges: [] });
  });
});
