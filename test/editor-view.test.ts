import { describe, expect, it } from 'vitest';
import { emptyGraph } from '../engine/graph';
import { createAnalysisCache, sameSemantics } from '../engine/editor/analysis';
import { addNode, connect, moveNodes, setParam } from '../engine/editor/mutations';
import { edgeView, groupDiagnostics, nodeView } from '../engine/editor/view';
import { analyzeGraph } from '../engine/validate';
import { z } from 'zod';
import { createRegistry, defineNode } from '../engine/spec';
import dense from '../nodes/encoder/dense';

// A tiny input kind so that this test does not depend on the input nodes being written.
const vector = defineNode({
  kind: 'input.test-vector',
  category: 'input',
  label: 'Vector',
  summary: 's',
  doc: 'd',
  params: z.object({ size: z.number().int().min(1).default(10).describe('Size.') }),
  ports: () => ({ inputs: [], outputs: [{ id: 'out', label: 'Vector', accepts: ['tabular'] }] }),
  infer: (_i, p) => ({ ok: true, outputs: { out: { kind: 'tabular', shape: [p.size] } } }),
  build: () => ({}),
});
const registry = createRegistry([vector, dense]);

function pair() {
  let g = emptyGraph();
  g = addNode(g, registry, 'input.test-vector', { x: -300, y: 0 }).graph;
  g = addNode(g, registry, 'encoder.dense', { x: 0, y: 0 }).graph;
  g = addNode(g, registry, 'encoder.dense', { x: 300, y: 0 }).graph;
  g = connect(g, registry, { source: 'test_vector', sourcePort: 'out', target: 'dense', targetPort: 'in' }).graph;
  return connect(g, registry, { source: 'dense', sourcePort: 'out', target: 'dense_2', targetPort: 'in' }).graph;
}

describe('analysis cache', () => {
  it('re-uses the analysis while only positions change', () => {
    const g = pair();
    const moved = moveNodes(g, { dense: { x: 50, y: 50 } });
    expect(sameSemantics(g, moved)).toBe(true);
    expect(sameSemantics(g, setParam(g, 'dense', 'units', 3))).toBe(false);
    const analyze = createAnalysisCache(registry);
    const a = analyze(g);
    expect(analyze(moved)).toBe(a);
    expect(analyze(setParam(moved, 'dense', 'units', 3))).not.toBe(a);
  });
});

describe('node and edge views', () => {
  it('show the shapes the engine infers, and update after a param edit', () => {
    const g = setParam(pair(), 'dense', 'units', 32);
    const a = analyzeGraph(g, registry);
    const { byNode, byEdge } = groupDiagnostics(a.diagnostics);
    const v = nodeView(g.nodes[2], a.nodes.get('dense_2'), byNode.get('dense_2'));
    expect(v.inputs[0]).toMatchObject({ id: 'in', kind: 'features', shape: '32', connected: 1 });
    expect(v.outputs[0]).toMatchObject({ id: 'out', kind: 'features', shape: '64' });
    expect(v.label).toBe('Dense block');
    const e = edgeView(g.edges[1], a, byEdge.get(g.edges[1].id));
    expect(e).toMatchObject({ shape: '32', kind: 'features' });
    const g2 = setParam(g, 'dense', 'units', 100);
    expect(edgeView(g2.edges[1], analyzeGraph(g2, registry)).shape).toBe('100');
    expect(edgeView(g2.edges[0], analyzeGraph(g2, registry))).toMatchObject({ kind: 'tabular', shape: '10' });
  });
  it('carry error messages for a node with a missing input', () => {
    let g = emptyGraph();
    g = addNode(g, registry, 'encoder.dense', { x: 0, y: 0 }).graph;
    const a = analyzeGraph(g, registry);
    const v = nodeView(g.nodes[0], a.nodes.get('dense'), groupDiagnostics(a.diagnostics).byNode.get('dense'));
    expect(v.errors.length + v.warnings.length).toBeGreaterThan(0);
  });
});
