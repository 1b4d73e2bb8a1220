import { describe, expect, it } from 'vitest';
import { emptyGraph } from '../engine/graph';
import * as H from '../engine/editor/history';
import { createEditorReducer, initEditor, type EditorAction, type EditorState } from '../engine/editor/state';
import { registry } from '../nodes';

describe('history', () => {
  it('undoes and redoes commits; a new commit clears redo', () => {
    let h = H.createHistory(1);
    h = H.commit(h, 2);
    h = H.commit(h, 3);
    h = H.undo(h);
    expect(h.present).toBe(2);
    expect(H.canRedo(h)).toBe(true);
    h = H.redo(h);
    expect(h.present).toBe(3);
    h = H.undo(H.undo(h));
    expect(h.present).toBe(1);
    expect(H.canUndo(h)).toBe(false);
    expect(H.undo(h)).toBe(h);
    h = H.commit(h, 9);
    expect(H.canRedo(h)).toBe(false);
  });
  it('a gesture is one step, and an empty gesture none', () => {
    let h = H.createHistory(0);
    h = H.beginGesture(h);
    for (let i = 1; i <= 10; i++) h = H.updateGesture(h, i);
    h = H.endGesture(h);
    expect(h.present).toBe(10);
    expect(h.past).toEqual([0]);
    h = H.endGesture(H.beginGesture(h));
    expect(h.past).toEqual([0]);
    expect(H.undo(h).present).toBe(0);
  });
  it('undo in the middle of a gesture undoes the gesture', () => {
    let h = H.commit(H.createHistory('a'), 'b');
    h = H.updateGesture(H.beginGesture(h), 'c');
    h = H.undo(h);
    expect(h.present).toBe('b');
    expect(H.redo(h).present).toBe('c');
  });
  it('keeps at most `limit` steps', () => {
    let h = H.createHistory(0, 5);
    for (let i = 1; i <= 20; i++) h = H.commit(h, i);
    expect(h.past.length).toBe(5);
    expect(h.past[0]).toBe(15);
  });
});

describe('editor reducer', () => {
  const reduce = createEditorReducer(registry);
  const run = (s: EditorState, ...actions: EditorAction[]) => actions.reduce(reduce, s);

  it('every graph change is a step; selection is not', () => {
    let s = run(initEditor(emptyGraph()), { type: 'add', kind: 'encoder.dense', position: { x: 0, y: 0 } });
    expect(s.selection.nodes).toEqual(['dense']);
    s = run(s, { type: 'add', kind: 'encoder.dense', position: { x: 300, y: 0 } }, { type: 'connect', connection: { source: 'dense', sourcePort: 'out', target: 'dense_2', targetPort: 'in' } });
    const steps = s.history.past.length;
    s = run(s, { type: 'select', selection: { nodes: ['dense'], edges: [] } }, { type: 'selectAll' }, { type: 'selectNodes', nodes: ['dense_2'] });
    expect(s.history.past.length).toBe(steps);
    expect(s.selection.nodes).toEqual(['dense_2']);
    s = run(s, { type: 'undo' });
    expect(s.history.present.edges).toEqual([]);
    s = run(s, { type: 'redo' });
    expect(s.history.present.edges.length).toBe(1);
  });

  it('several params at once (fitting a graph to a dataset) are one step and keep the selection', () => {
    let s = run(initEditor(emptyGraph()), { type: 'add', kind: 'encoder.dense', position: { x: 0, y: 0 } });
    const before = s.history.past.length;
    s = run(s, { type: 'setParams', changes: [{ id: 'dense', name: 'units', value: 8 }, { id: 'dense', name: 'layers', value: 3 }] });
    expect(s.history.past.length).toBe(before + 1);
    expect(s.history.present.nodes[0].params).toMatchObject({ units: 8, layers: 3 });
    expect(s.selection.nodes).toEqual(['dense']);
    s = run(s, { type: 'undo' });
    expect(s.history.present.nodes[0].params.units).toBe(64);
  });

  it('a whole drag is one step', () => {
    let s = run(initEditor(emptyGraph()), { type: 'add', kind: 'encoder.dense', position: { x: 0, y: 0 } });
    const before = s.history.past.length;
    s = run(s, { type: 'dragStart' });
    for (let i = 1; i <= 30; i++) s = run(s, { type: 'drag', positions: { dense: { x: i, y: i * 2 } } });
    s = run(s, { type: 'dragEnd' });
    expect(s.history.past.length).toBe(before + 1);
    expect(s.history.present.nodes[0].position).toEqual({ x: 30, y: 60 });
    s = run(s, { type: 'undo' });
    expect(s.history.present.nodes[0].position).toEqual({ x: 0, y: 0 });
  });

  it('keystrokes in one field coalesce into one step; another field starts a new one', () => {
    let s = run(initEditor(emptyGraph()), { type: 'add', kind: 'encoder.dense', position: { x: 0, y: 0 } });
    const before = s.history.past.length;
    for (const v of [1, 12, 128]) s = run(s, { type: 'setParam', id: 'dense', name: 'units', value: v, coalesce: 'f1' });
    expect(s.history.past.length).toBe(before + 1);
    s = run(s, { type: 'setParam', id: 'dense', name: 'layers', value: 2, coalesce: 'f2' });
    expect(s.history.past.length).toBe(before + 2);
    s = run(s, { type: 'undo' }, { type: 'undo' });
    expect(s.history.present.nodes[0].params.units).toBe(64);
    // Without a key each edit is its own step.
    s = run(s, { type: 'setParam', id: 'dense', name: 'units', value: 3 }, { type: 'setParam', id: 'dense', name: 'units', value: 4 });
    expect(run(s, { type: 'undo' }).history.present.nodes[0].params.units).toBe(3);
  });

  it('delete, paste and duplicate select what they touch and prune the selection', () => {
    let s = run(
      initEditor(emptyGraph()),
      { type: 'add', kind: 'encoder.dense', position: { x: 0, y: 0 } },
      { type: 'add', kind: 'encoder.dense', position: { x: 300, y: 0 } },
      { type: 'connect', connection: { source: 'dense', sourcePort: 'out', target: 'dense_2', targetPort: 'in' } },
      { type: 'selectAll' },
      { type: 'duplicate' },
    );
    expect(s.history.present.nodes.length).toBe(4);
    expect(s.selection.nodes).toEqual(['dense_3', 'dense_4']);
    expect(s.selection.edges.length).toBe(1);
    s = run(s, { type: 'removeSelection' });
    expect(s.history.present.nodes.length).toBe(2);
    expect(s.selection).toEqual({ nodes: [], edges: [] });
    s = run(s, { type: 'undo' });
    expect(s.history.present.nodes.length).toBe(4);
  });

  it('load records a step unless fresh', () => {
    const s = run(initEditor(emptyGraph()), { type: 'add', kind: 'encoder.dense', position: { x: 0, y: 0 } });
    const loaded = run(s, { type: 'load', graph: emptyGraph('Other') });
    expect(loaded.history.present.name).toBe('Other');
    expect(run(loaded, { type: 'undo' }).history.present.nodes.length).toBe(1);
    expect(run(s, { type: 'load', graph: emptyGraph('Other'), fresh: true }).history.past.length).toBe(0);
  });
});

describe('selection changes from the canvas', () => {
  it('apply on top of the current selection, in any order, without a step', () => {
    const reduce = createEditorReducer(registry);
    let s = [
      { type: 'add', kind: 'encoder.dense', position: { x: 0, y: 0 } },
      { type: 'add', kind: 'encoder.dense', position: { x: 300, y: 0 } },
      { type: 'connect', connection: { source: 'dense', sourcePort: 'out', target: 'dense_2', targetPort: 'in' } },
      { type: 'selectAll' },
    ].reduce((st, a) => reduce(st, a as EditorAction), initEditor(emptyGraph()));
    const steps = s.history.past.length;
    // A pane click deselects nodes and edges in two separate batches.
    s = reduce(s, { type: 'selectChanges', nodes: [['dense', false], ['dense_2', false]] });
    s = reduce(s, { type: 'selectChanges', edges: [[s.history.present.edges[0].id, false]] });
    expect(s.selection).toEqual({ nodes: [], edges: [] });
    s = reduce(s, { type: 'selectChanges', nodes: [['dense', true], ['ghost', true]] });
    expect(s.selection.nodes).toEqual(['dense']);
    expect(s.history.past.length).toBe(steps);
  });
});
