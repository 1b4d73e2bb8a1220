import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, type DiagnosticCode } from '../engine/diagnostics';
import { parseGraph, parseGraphText } from '../engine/graph';
import { analyzeGraph, canConnect } from '../engine/validate';
import { toyRegistry } from './fixtures/toy-nodes';
import { graph } from './fixtures/graphs';

const codes = (g: ReturnType<typeof graph>) => analyzeGraph(g, toyRegistry).diagnostics.map((d) => d.code);

/** A valid two-branch graph: a, b → enc → sum → head. */
const good = () =>
  graph(
    [
      ['a', 'input.toy'],
      ['b', 'input.toy', { width: 6 }],
      ['ea', 'encoder.toy'],
      ['eb', 'encoder.toy'],
      ['sum', 'fusion.toysum'],
      ['h', 'head.toy'],
    ],
    ['a.out->ea.in', 'b.out->eb.in', 'ea.out->sum.in', 'eb.out->sum.in', 'sum.out->h.in'],
  );

/** Graphs that trigger each diagnostic code, checked in one table below. */
const triggers: Partial<Record<DiagnosticCode, () => DiagnosticCode[]>> = {
  'json-syntax': () => parseGraphText('{"format": ').diagnostics.map((d) => d.code),
  'doc-schema': () => parseGraph({ format: 'fusionlab/graph', version: 1, nodes: [{ id: 'a b', kind: 'x' }], edges: [] }).diagnostics.map((d) => d.code),
  'graph-too-deep': () => {
    const chain = Array.from({ length: 501 }, (_, i) => `e${i}`);
    const nodes: [string, string][] = [['a', 'input.toy'], ...chain.map((id): [string, string] => [id, 'encoder.toy']), ['h', 'head.toy']];
    const edges = ['a.out->e0.in', ...chain.slice(1).map((id, i) => `${chain[i]}.out->${id}.in`), 'e500.out->h.in'] as `${string}.${string}->${string}.${string}`[];
    return codes(graph(nodes, edges));
  },
  'doc-format': () => parseGraph({ format: 'something/else', version: 1 }).diagnostics.map((d) => d.code),
  'doc-version-newer': () => parseGraph({ format: 'fusionlab/graph', version: 99, nodes: [], edges: [] }).diagnostics.map((d) => d.code),
  'duplicate-node-id': () => parseGraph({ ...good(), nodes: [...good().nodes, good().nodes[0]] }).diagnostics.map((d) => d.code),
  'duplicate-edge-id': () => parseGraph({ ...good(), edges: [...good().edges, { ...good().edges[0] }] }).diagnostics.map((d) => d.code),
  'unknown-kind': () => codes(graph([['a', 'encoder.nope']])),
  'bad-params': () => codes(graph([['a', 'input.toy', { width: -3 }]])),
  'edge-unknown-node': () => codes({ ...good(), edges: [...good().edges, { id: 'x', source: 'a', sourcePort: 'out', target: 'ghost', targetPort: 'in' }] }),
  'edge-unknown-port': () => codes({ ...good(), edges: [...good().edges, { id: 'x', source: 'a', sourcePort: 'nope', target: 'sum', targetPort: 'in' }] }),
  'duplicate-edge': () => codes({ ...good(), edges: [...good().edges, { ...good().edges[0], id: 'again' }] }),
  'self-loop': () => codes({ ...good(), edges: [...good().edges, { id: 'x', source: 'ea', sourcePort: 'out', target: 'ea', targetPort: 'in' }] }),
  cycle: () =>
    codes(graph([['a', 'input.toy'], ['s', 'fusion.toysum'], ['e', 'encoder.toy'], ['h', 'head.toy']], ['a.out->s.in', 'e.out->s.in', 's.out->e.in', 's.out->h.in'])),
  'incompatible-kind': () => codes(graph([['i', 'input.toyimage'], ['e', 'encoder.toy'], ['h', 'head.toy']], ['i.out->e.in', 'e.out->h.in'])),
  'missing-input': () => codes(graph([['a', 'input.toy'], ['e', 'encoder.toy'], ['h', 'head.toy']], ['e.out->h.in'])),
  'too-many-inputs': () => codes(graph([['a', 'input.toy'], ['b', 'input.toy'], ['h', 'head.toy']], ['a.out->h.in', 'b.out->h.in'])),
  'too-few-inputs': () => codes(graph([['a', 'input.toy'], ['s', 'fusion.toysum'], ['h', 'head.toy']], ['a.out->s.in', 's.out->h.in'])),
  'shape-mismatch': () => codes(graph([['a', 'input.toy', { width: 4 }], ['b', 'input.toy', { width: 8 }], ['s', 'fusion.toysum'], ['h', 'head.toy']], ['a.out->s.in', 'b.out->s.in', 's.out->h.in'])),
  'no-head': () => codes(graph([['a', 'input.toy'], ['e', 'encoder.toy']], ['a.out->e.in'])),
  'no-input': () => codes(graph([['h', 'head.toy']])),
  'input-unused': () => codes(graph([['a', 'input.toy'], ['b', 'input.toy'], ['h', 'head.toy']], ['a.out->h.in'])),
  'node-unused': () => codes(graph([['a', 'input.toy'], ['e', 'encoder.toy'], ['h', 'head.toy']], ['a.out->h.in', 'a.out->e.in'])),
  'late-mixed-labels': () =>
    codes(graph([['a', 'input.toy'], ['h1', 'head.toy', { column: 'x' }], ['h2', 'head.toy', { column: 'y' }], ['l', 'late.toy']], ['a.out->h1.in', 'a.out->h2.in', 'h1.out->l.in', 'h2.out->l.in'])),
  'infer-failed': () => codes(graph([['a', 'input.toy'], ['e', 'encoder.toy', { explode: true }], ['h', 'head.toy']], ['a.out->e.in', 'e.out->h.in'])),
};

describe('diagnostics', () => {
  it('a good graph has none', () => {
    expect(codes(good())).toEqual([]);
  });

  for (const [code, run] of Object.entries(triggers)) {
    it(`${code} is reported`, () => {
      expect(run!()).toContain(code);
    });
  }

  it('every code has a trigger (build-failed and no-output are covered in compile.test.ts, model-too-large in limits.test.ts, bad-shape by the node tests)', () => {
    const elsewhere = ['build-failed', 'no-output', 'bad-shape', 'model-too-large'];
    const missing = Object.keys(DIAGNOSTIC_CODES).filter((c) => !(c in triggers) && !elsewhere.includes(c));
    expect(missing).toEqual([]);
  });

  it('names the node, port and edge at fault', () => {
    const d = analyzeGraph(graph([['a', 'input.toy'], ['e', 'encoder.toy'], ['h', 'head.toy']], ['e.out->h.in']), toyRegistry).diagnostics.find((x) => x.code === 'missing-input');
    expect(d).toMatchObject({ nodeId: 'e', portId: 'in', severity: 'error' });
    const k = analyzeGraph(graph([['i', 'input.toyimage'], ['e', 'encoder.toy'], ['h', 'head.toy']], ['i.out->e.in', 'e.out->h.in']), toyRegistry).diagnostics.find((x) => x.code === 'incompatible-kind');
    expect(k).toMatchObject({ nodeId: 'e', edgeId: 'e1', portId: 'in' });
    expect(k?.message).toMatch(/takes features/);
    const p = analyzeGraph(graph([['a', 'input.toy', { width: 'wide' }]]), toyRegistry).diagnostics.find((x) => x.code === 'bad-params');
    expect(p).toMatchObject({ nodeId: 'a', path: ['params', 'width'] });
  });

  it('doc-schema names the node and field', () => {
    const res = parseGraph({ format: 'fusionlab/graph', version: 1, nodes: [{ id: 'cnn', kind: 'encoder.toy', position: { x: 'left', y: 0 } }], edges: [] });
    expect(res.ok).toBe(false);
    expect(res.diagnostics[0]).toMatchObject({ code: 'doc-schema', nodeId: 'cnn' });
    expect(res.diagnostics[0].message).toMatch(/node "cnn", field "position.x"/);
  });

  it('only the nodes on a cycle are blamed, not those behind it', () => {
    const g = graph([['a', 'input.toy'], ['s', 'fusion.toysum'], ['e', 'encoder.toy'], ['h', 'head.toy']], ['a.out->s.in', 'e.out->s.in', 's.out->e.in', 's.out->h.in']);
    const ids = analyzeGraph(g, toyRegistry).diagnostics.filter((d) => d.code === 'cycle').map((d) => d.nodeId).sort();
    expect(ids).toEqual(['e', 's']);
  });
});

describe('shape inference', () => {
  it('types every port', () => {
    const a = analyzeGraph(good(), toyRegistry);
    expect(a.nodes.get('b')?.outputs.out).toEqual({ kind: 'features', shape: [6] });
    expect(a.nodes.get('sum')?.inputs.in).toEqual([{ kind: 'features', shape: [4] }, { kind: 'features', shape: [4] }]);
    expect(a.nodes.get('h')?.outputs.out).toEqual({ kind: 'prediction', shape: [3] });
    expect(a.order.indexOf('a')).toBeLessThan(a.order.indexOf('sum'));
  });

  it('a mismatch names both widths', () => {
    const g = graph([['a', 'input.toy', { width: 64 }], ['b', 'input.toy', { width: 128 }], ['s', 'fusion.toysum'], ['h', 'head.toy']], ['a.out->s.in', 'b.out->s.in', 's.out->h.in']);
    const d = analyzeGraph(g, toyRegistry).diagnostics.find((x) => x.code === 'shape-mismatch');
    expect(d?.message).toMatch(/64 and 128/);
    expect(d?.nodeId).toBe('s');
  });

  it('downstream of an error stays untyped without extra noise', () => {
    const g = graph([['a', 'input.toy', { width: 4 }], ['b', 'input.toy', { width: 8 }], ['s', 'fusion.toysum'], ['h', 'head.toy']], ['a.out->s.in', 'b.out->s.in', 's.out->h.in']);
    const a = analyzeGraph(g, toyRegistry);
    expect(a.nodes.get('h')?.outputs).toEqual({});
    expect(a.diagnostics.filter((d) => d.nodeId === 'h')).toEqual([]);
  });
});

describe('canConnect', () => {
  const base = () => graph([['a', 'input.toy'], ['i', 'input.toyimage'], ['e', 'encoder.toy'], ['s', 'fusion.toysum'], ['h', 'head.toy']], ['a.out->e.in', 'e.out->s.in']);

  it('accepts a compatible connection', () => {
    expect(canConnect(base(), toyRegistry, { source: 'a', sourcePort: 'out', target: 's', targetPort: 'in' })).toEqual({ ok: true });
  });
  it('refuses an incompatible kind with the reason', () => {
    const r = canConnect(base(), toyRegistry, { source: 'i', sourcePort: 'out', target: 'h', targetPort: 'in' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/takes features, not image/);
  });
  it('refuses a cycle', () => {
    const r = canConnect(base(), toyRegistry, { source: 's', sourcePort: 'out', target: 'e', targetPort: 'in' });
    expect(r.ok).toBe(false);
  });
  it('refuses a second edge into a single port, a self loop, a duplicate and a full port', () => {
    expect(canConnect(base(), toyRegistry, { source: 'a', sourcePort: 'out', target: 'e', targetPort: 'in' }).ok).toBe(false);
    expect(canConnect(base(), toyRegistry, { source: 'e', sourcePort: 'out', target: 'e', targetPort: 'in' }).ok).toBe(false);
    expect(canConnect(base(), toyRegistry, { source: 'e', sourcePort: 'out', target: 's', targetPort: 'in' }).ok).toBe(false);
    const full = graph([['a', 'input.toy'], ['b', 'input.toy'], ['c', 'input.toy'], ['d', 'input.toy'], ['s', 'fusion.toysum']], ['a.out->s.in', 'b.out->s.in', 'c.out->s.in']);
    expect(canConnect(full, toyRegistry, { source: 'd', sourcePort: 'out', target: 's', targetPort: 'in' }).ok).toBe(false);
  });
  it('refuses unknown ports and nodes', () => {
    expect(canConnect(base(), toyRegistry, { source: 'a', sourcePort: 'zz', target: 's', targetPort: 'in' }).ok).toBe(false);
    expect(canConnect(base(), toyRegistry, { source: 'ghost', sourcePort: 'out', target: 's', targetPort: 'in' }).ok).toBe(false);
  });
});

describe('text vocabulary travels with the tokens', () => {
  it('an embedding smaller than the input vocabulary is a shape-mismatch with the fix', async () => {
    const { registry } = await import('../nodes');
    const g = graph(
      [
        ['t', 'input.text', { column: 'text', vocabSize: 5000 }],
        ['e', 'encoder.text-embedding', { vocabSize: 1000 }],
        ['h', 'head.classify'],
      ],
      ['t.out->e.in', 'e.out->h.in'],
    );
    const d = analyzeGraph(g, registry).diagnostics.find((x) => x.code === 'shape-mismatch');
    expect(d?.nodeId).toBe('e');
    expect(d?.message).toMatch(/5000/);
    g.nodes[1].params = { vocabSize: 5000 };
    expect(analyzeGraph(g, registry).diagnostics).toEqual([]);
  });
});

describe('graph document versions', () => {
  it('a document from before versioning (no format, no version) is migrated to version 1', () => {
    const res = parseGraph({ name: 'old', nodes: [{ id: 'a', kind: 'input.toy' }], edges: [] });
    expect(res.ok).toBe(true);
    if (res.ok) {
      expect(res.graph.version).toBe(1);
      expect(res.graph.format).toBe('fusionlab/graph');
      expect(res.graph.nodes[0]).toMatchObject({ label: '', params: {}, position: { x: 0, y: 0 }, frozen: false });
    }
  });

  it('a newer version is refused with a message saying so', () => {
    const res = parseGraph({ format: 'fusionlab/graph', version: 2, nodes: [], edges: [] });
    expect(res.ok).toBe(false);
    expect(res.diagnostics[0].message).toMatch(/newer FusionLab/);
  });

  it('serialise then parse gives the same document', async () => {
    const { serializeGraph } = await import('../engine/graph');
    const g = good();
    const back = parseGraphText(serializeGraph(g));
    expect(back.ok && back.graph).toEqual(g);
  });
});
