/**
 * The editor's state machine: a graph history plus a selection. Every graph change is one undo
 * step except a drag (one step for the whole gesture); selecting is never a step. Pure: the app
 * wraps {@link editorReducer} in React's `useReducer`.
 */
import type { GraphDoc } from '../graph';
import type { NodeRegistry } from '../spec';
import * as H from './history';
import {
  addNode,
  connect,
  duplicateNodes,
  moveNodes,
  pasteClipboard,
  removeElements,
  renameNode,
  setFrozen,
  setGraphInfo,
  setParam,
  type Clipboard,
  type Connection,
  type XY,
} from './mutations';

/** Selected node and edge ids. */
export interface Selection {
  nodes: string[];
  edges: string[];
}

export interface EditorState {
  history: H.History<GraphDoc>;
  selection: Selection;
  /**
   * Key of the last coalescing edit: consecutive edits with the same key (the keystrokes of one
   * field while it has focus) replace each other and make one undo step.
   */
  coalesce: string | null;
}

export type EditorAction =
  | { type: 'load'; graph: GraphDoc; /** replace the history instead of recording a step */ fresh?: boolean }
  /** Open a saved project: its graph with the undo and redo steps it was saved with. */
  | { type: 'restore'; graph: GraphDoc; undo: readonly GraphDoc[]; redo: readonly GraphDoc[] }
  | { type: 'add'; kind: string; position: XY; select?: boolean }
  | { type: 'remove'; nodes?: string[]; edges?: string[] }
  | { type: 'removeSelection' }
  | { type: 'connect'; connection: Connection }
  | { type: 'dragStart' }
  | { type: 'drag'; positions: Record<string, XY> }
  | { type: 'dragEnd' }
  | { type: 'move'; positions: Record<string, XY> }
  | { type: 'rename'; id: string; label: string; coalesce?: string }
  | { type: 'setParam'; id: string; name: string; value: unknown; coalesce?: string }
  /** Several params at once, one undo step, the selection kept (fitting a graph to a dataset). */
  | { type: 'setParams'; changes: { id: string; name: string; value: unknown }[] }
  | { type: 'setFrozen'; id: string; frozen: boolean }
  | { type: 'setInfo'; name?: string; description?: string }
  | { type: 'paste'; clipboard: Clipboard; offset?: XY }
  | { type: 'duplicate'; nodes?: string[] }
  | { type: 'select'; selection: Selection }
  | { type: 'selectNodes'; nodes: string[]; additive?: boolean }
  | { type: 'selectAll' }
  /** Select or deselect some ids, leaving the rest of the selection as it is (canvas clicks). */
  | { type: 'selectChanges'; nodes?: [string, boolean][]; edges?: [string, boolean][] }
  | { type: 'undo' }
  | { type: 'redo' };

const NO_SELECTION: Selection = { nodes: [], edges: [] };

/** A fresh editor state on `graph`. */
export function initEditor(graph: GraphDoc): EditorState {
  return { history: H.createHistory(graph), selection: NO_SELECTION, coalesce: null };
}

/** Drop selected ids that no longer exist (after undo, delete or load). */
export function pruneSelection(sel: Selection, graph: GraphDoc): Selection {
  if (sel.nodes.length === 0 && sel.edges.length === 0) return sel;
  const nodeIds = new Set(graph.nodes.map((n) => n.id));
  const edgeIds = new Set(graph.edges.map((e) => e.id));
  const nodes = sel.nodes.filter((id) => nodeIds.has(id));
  const edges = sel.edges.filter((id) => edgeIds.has(id));
  return nodes.length === sel.nodes.length && edges.length === sel.edges.length ? sel : { nodes, edges };
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}

/** Make the editor reducer for a node registry. */
export function createEditorReducer(registry: NodeRegistry) {
  return function editorReducer(state: EditorState, action: EditorAction): EditorState {
    const next = reduce(state, action);
    // Any other action ends a run of coalescing edits.
    const key = (action.type === 'setParam' || action.type === 'rename') && action.coalesce ? action.coalesce : null;
    if (next.coalesce === key) return next;
    return { ...next, coalesce: key };
  };

  function reduce(state: EditorState, action: EditorAction): EditorState {
    const graph = state.history.present;
    const step = (next: GraphDoc, selection: Selection = state.selection): EditorState => {
      const history = H.commit(state.history, next);
      if (history === state.history && selection === state.selection) return state;
      return { ...state, history, selection: pruneSelection(selection, history.present) };
    };
    const coalescing = (next: GraphDoc, key: string | undefined): EditorState => {
      if (!key || state.coalesce !== key || state.history.anchor !== null || state.history.past.length === 0) return step(next);
      if (next === graph) return state;
      // Same field, still being typed in: replace the present, keep the step before the first keystroke.
      return { ...state, history: { ...state.history, present: next, future: [] } };
    };
    switch (action.type) {
      case 'load':
        if (action.fresh) return initEditor(action.graph);
        return step(action.graph, NO_SELECTION);
      case 'restore': {
        const h = H.createHistory(action.graph);
        return { history: { ...h, past: action.undo.slice(-h.limit), future: action.redo.slice(0, h.limit) }, selection: NO_SELECTION, coalesce: null };
      }
      case 'add': {
        const r = addNode(graph, registry, action.kind, action.position);
        return step(r.graph, action.select === false ? state.selection : { nodes: [r.id], edges: [] });
      }
      case 'remove':
        return step(removeElements(graph, { nodes: action.nodes, edges: action.edges }));
      case 'removeSelection':
        return step(removeElements(graph, state.selection));
      case 'connect':
        return step(connect(graph, registry, action.connection).graph);
      case 'dragStart':
        return { ...state, history: H.beginGesture(state.history) };
      case 'drag': {
        const next = moveNodes(graph, action.positions);
        if (next === graph) return state;
        return { ...state, history: H.updateGesture(state.history, next) };
      }
      case 'dragEnd': {
        const history = H.endGesture(state.history);
        return history === state.history ? state : { ...state, history };
      }
      case 'move':
        return step(moveNodes(graph, action.positions));
      case 'rename':
        return coalescing(renameNode(graph, action.id, action.label), action.coalesce);
      case 'setParam':
        return coalescing(setParam(graph, action.id, action.name, action.value), action.coalesce);
      case 'setParams':
        return step(action.changes.reduce((g, c) => setParam(g, c.id, c.name, c.value), graph));
      case 'setFrozen':
        return step(setFrozen(graph, action.id, action.frozen));
      case 'setInfo':
        return step(setGraphInfo(graph, action));
      case 'paste': {
        const r = pasteClipboard(graph, action.clipboard, action.offset);
        return step(r.graph, { nodes: r.nodeIds, edges: r.edgeIds });
      }
      case 'duplicate': {
        const r = duplicateNodes(graph, action.nodes ?? state.selection.nodes);
        return step(r.graph, { nodes: r.nodeIds, edges: r.edgeIds });
      }
      case 'select': {
        const sel = pruneSelection(action.selection, graph);
        if (sameIds(sel.nodes, state.selection.nodes) && sameIds(sel.edges, state.selection.edges)) return state;
        return { ...state, selection: sel };
      }
      case 'selectNodes': {
        const nodes = action.additive ? [...new Set([...state.selection.nodes, ...action.nodes])] : action.nodes;
        const sel = pruneSelection({ nodes, edges: action.additive ? state.selection.edges : [] }, graph);
        return { ...state, selection: sel };
      }
      case 'selectChanges': {
        const apply = (ids: string[], changes: [string, boolean][] | undefined) => {
          if (!changes || changes.length === 0) return ids;
          const set = new Set(ids);
          for (const [id, on] of changes) {
            if (on) set.add(id);
            else set.delete(id);
          }
          return [...set];
        };
        const sel = pruneSelection({ nodes: apply(state.selection.nodes, action.nodes), edges: apply(state.selection.edges, action.edges) }, graph);
        if (sameIds(sel.nodes, state.selection.nodes) && sameIds(sel.edges, state.selection.edges)) return state;
        return { ...state, selection: sel };
      }
      case 'selectAll':
        return { ...state, selection: { nodes: graph.nodes.map((n) => n.id), edges: graph.edges.map((e) => e.id) } };
      case 'undo': {
        const history = H.undo(state.history);
        return history === state.history ? state : { ...state, history, selection: pruneSelection(state.selection, history.present) };
      }
      case 'redo': {
        const history = H.redo(state.history);
        return history === state.history ? state : { ...state, history, selection: pruneSelection(state.selection, history.present) };
      }
      default: {
        const _x: never = action;
        return _x;
      }
    }
  }
}
