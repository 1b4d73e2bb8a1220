import { describe, expect, it } from 'vitest';
import { emptyGraph, ID_PATTERN, parseGraph, type GraphDoc } from '../engine/graph';
import {
  addNode,
  connect,
  copySelection,
  defaultParams,
  duplicateNodes,
  idBase,
  moveNodes,
  pasteClipboard,
  removeElements,
  renameNode,
  setFrozen,
  setParam,
  uniqueId,
} from '../engine/editor/mutations';
import { registry } from '../nodes';

function chain(): GraphDoc {
  let g = emptyGraph();
  for (let i = 0; i < 3; i++) g = addNode(g, registry, 'encoder.dense', { x: i * 100, y: 0 }).graph;
  g = connect(g, registry, { source: 'dense', sourcePort: 'out', target: 'dense_2', targetPort: 'in' }).graph;
  g = connect(g, registry, { source: 'dense_2', sourcePort: 'out', target: 'dense_3', targetPort: 'in' }).graph;
  return g;
}

describe('ids', () => {
  it('derive a valid base from kinds and old ids', () => {
    expect(idBase('encoder.image-cnn')).toBe('image_cnn');
    expect(idBase('dense_7')).toBe('dense');
    expect(idBase('9lives')).toBe('n_9lives');
    expect(idBase('...')).toBe('node');
    for (const s of ['encoder.image-cnn', 'dense_7', '9lives', '', 'ünïcode', 'a'.repeat(100)]) expect(ID_PATTERN.test(uniqueId(idBase(s), new Set()))).toBe(true);
  });
  it('skip taken ids', () => {
    expect(uniqueId('dense', new Set())).toBe('dense');
    expect(uniqueId('dense', new Set(['dense', 'dense_2']))).toBe('dense_3');
  });
});

describe('addNode', () => {
  it('adds a node with its default params and a unique id', () => {
    const a = addNode(emptyGraph(), registry, 'encoder.dense', { x: 10, y: 20 });
    expect(a.id).toBe('dense');
    const n = a.graph.nodes[0];
    expect(n.params).toEqual(defaultParams(registry, 'encoder.dense'));
    expect(n.params.units).toBe(64);
    expect(n.position).toEqual({ x: 10, y: 20 });
    expect(n.label).toBe('Dense block');
    const b = addNode(a.graph, registry, 'encoder.dense', { x: 0, y: 0 });
    expect(b.id).toBe('dense_2');
    expect(parseGraph(JSON.parse(JSON.stringify(b.graph))).ok).toBe(true);
  });
  it('does not change the input document', () => {
    const g = emptyGraph();
    addNode(g, registry, 'encoder.dense', { x: 0, y: 0 });
    expect(g.nodes).toEqual([]);
  });
});

describe('remove, move, rename, params', () => {
  it('removing a node removes its edges', () => {
    const g = removeElements(chain(), { nodes: ['dense_2'] });
    expect(g.nodes.map((n) => n.id)).toEqual(['dense', 'dense_3']);
    expect(g.edges).toEqual([]);
  });
  it('removes single edges and returns the same object when nothing matches', () => {
    const c = chain();
    const g = removeElements(c, { edges: [c.edges[0].id] });
    expect(g.edges.length).toBe(1);
    expect(removeElements(c, { nodes: ['nope'] })).toBe(c);
  });
  it('moves nodes and shares untouched nodes', () => {
    const c = chain();
    const g = moveNodes(c, { dense: { x: 5, y: 6 } });
    expect(g.nodes[0].position).toEqual({ x: 5, y: 6 });
    expect(g.nodes[1]).toBe(c.nodes[1]);
    expect(moveNodes(c, { dense: { x: 0, y: 0 } })).toBe(c);
    expect(moveNodes(c, { dense: { x: NaN, y: 0 } })).toBe(c);
  });
  it('renames, sets params and frozen', () => {
    const c = chain();
    expect(renameNode(c, 'dense', 'Fused MLP').nodes[0].label).toBe('Fused MLP');
    const g = setParam(c, 'dense', 'units', 128);
    expect(g.nodes[0].params.units).toBe(128);
    expect(c.nodes[0].params.units).toBe(64);
    expect(setParam(c, 'dense', 'units', 64)).toBe(c);
    expect('units' in setParam(c, 'dense', 'units', undefined).nodes[0].params).toBe(false);
    expect(setFrozen(c, 'dense', true).nodes[0].frozen).toBe(true);
  });
});

describe('connect', () => {
  it('adds an edge with a fresh id and never a duplicate', () => {
    const c = chain();
    const r = connect(c, registry, { source: 'dense', sourcePort: 'out', target: 'dense_2', targetPort: 'in' });
    expect(r.graph).toBe(c);
    expect(new Set(c.edges.map((e) => e.id)).size).toBe(2);
  });
  it('replaces the edge on an input that takes one', () => {
    const c = chain();
    const r = connect(c, registry, { source: 'dense', sourcePort: 'out', target: 'dense_3', targetPort: 'in' });
    const into = r.graph.edges.filter((e) => e.target === 'dense_3');
    expect(into.length).toBe(1);
    expect(into[0].source).toBe('dense');
  });
  it('ignores unknown nodes and self loops', () => {
    const c = chain();
    expect(connect(c, registry, { source: 'x', sourcePort: 'out', target: 'dense', targetPort: 'in' }).graph).toBe(c);
    expect(connect(c, registry, { source: 'dense', sourcePort: 'out', target: 'dense', targetPort: 'in' }).graph).toBe(c);
  });
});

describe('copy, paste, duplicate', () => {
  it('copies only the internal edges', () => {
    const clip = copySelection(chain(), ['dense', 'dense_2']);
    expect(clip.nodes.map((n) => n.id)).toEqual(['dense', 'dense_2']);
    expect(clip.edges.length).toBe(1);
  });
  it('pastes with fresh ids, offset positions and re-pointed edges', () => {
    const c = chain();
    const clip = copySelection(c, ['dense', 'dense_2']);
    const r = pasteClipboard(c, clip, { x: 40, y: 50 });
    expect(r.nodeIds).toEqual(['dense_4', 'dense_5']);
    expect(r.graph.nodes.length).toBe(5);
    const pasted = r.graph.nodes.find((n) => n.id === 'dense_4');
    expect(pasted?.position).toEqual({ x: 40, y: 50 });
    expect(r.edgeIds.length).toBe(1);
    const e = r.graph.edges.find((x) => x.id === r.edgeIds[0]);
    expect(e).toMatchObject({ source: 'dense_4', target: 'dense_5' });
    expect(new Set(r.graph.edges.map((x) => x.id)).size).toBe(r.graph.edges.length);
    expect(parseGraph(JSON.parse(JSON.stringify(r.graph))).ok).toBe(true);
  });
  it('paste copies params deeply', () => {
    const c = chain();
    const clip = copySelection(c, ['dense']);
    const r = pasteClipboard(c, clip);
    const g = setParam(r.graph, r.nodeIds[0], 'units', 7);
    expect(g.nodes[0].params.units).toBe(64);
    expect(clip.nodes[0].params.units).toBe(64);
  });
  it('duplicate is copy + paste, and pasting twice still gives unique ids', () => {
    const c = chain();
    const d1 = duplicateNodes(c, ['dense', 'dense_2', 'dense_3']);
    const d2 = duplicateNodes(d1.graph, ['dense', 'dense_2', 'dense_3']);
    expect(d2.graph.nodes.length).toBe(9);
    expect(new Set(d2.graph.nodes.map((n) => n.id)).size).toBe(9);
    expect(d2.graph.edges.length).toBe(6);
    expect(pasteClipboard(c, { nodes: [], edges: [] }).graph).toBe(c);
  });
});
