'use client';
/**
 * The canvas: React Flow drawing the graph document. The document stays the single source of
 * truth: React Flow's changes are turned into editor actions, never stored on their own.
 */
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  Panel,
  ReactFlow,
  getViewportForBounds,
  useConnection,
  useReactFlow,
  type Connection as RFConnection,
  type Edge,
  type EdgeChange,
  type EdgeTypes,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeChange,
  type NodeTypes,
} from '@xyflow/react';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type Dispatch, type DragEvent } from 'react';
import type { EditorAction, Selection } from '@/engine/editor/state';
import { edgeView, groupDiagnostics, nodeView } from '@/engine/editor/view';
import type { GraphDoc } from '@/engine/graph';
import type { Connection } from '@/engine/editor/mutations';
import { canConnect, type GraphAnalysis } from '@/engine/validate';
import { registry } from '@/nodes';
import { FlowEdge, type FlowEdgeType } from './FlowEdge';
import { FlowNode, type FlowNodeType } from './FlowNode';
import { NodeCountContext, NodeCountStore } from './nodeCounts';
import { boundsOf, NODE_GEOMETRY_CSS, nodeHandles, nodeSize } from './nodeGeometry';
import { CATEGORY_COLORS, kindColor } from './theme';

const nodeTypes: NodeTypes = { fusion: FlowNode };
const edgeTypes: EdgeTypes = { fusion: FlowEdge };
// Low enough that Fit view shows all of a tall 300-node graph (it needs ≈ 0.06); below
// COMPACT_ZOOM nodes are cheap compact boxes.
const MIN_ZOOM = 0.05;
const MAX_ZOOM = 2.5;
/** A newly loaded graph is fitted with this margin, never zoomed in past 1.1. */
const FIT = { padding: 0.12, maxZoom: 1.1 };

// Props handed to React Flow are constants or stable callbacks: each prop whose identity changes
// is a separate store update that every node and edge subscriber re-checks (slow on 300 nodes).
const MULTI_SELECT_KEYS = ['Shift', 'Meta', 'Control'];
const PRO_OPTIONS = { hideAttribution: false };
const DEFAULT_EDGE_OPTIONS = { type: 'fusion' };
const CONTROLS_STYLE = { marginBottom: 28 };
const minimapColor = (n: { data: unknown }) => CATEGORY_COLORS[(n.data as FlowNodeType['data']).view.category];

/** The MIME type of a palette drag. */
export const DRAG_KIND_MIME = 'application/x-fusionlab-kind';

interface Size {
  width: number;
  height: number;
}

interface CanvasProps {
  graph: GraphDoc;
  analysis: GraphAnalysis;
  paramCounts: Record<string, number> | null;
  selection: Selection;
  dispatch: Dispatch<EditorAction>;
  onRefused(reason: string): void;
  onDropKind(kind: string, position: { x: number; y: number }): void;
  /** Incremented to ask for a fit-view once the nodes are measured. */
  fitToken: number;
}

interface CachedNode {
  sig: string;
  node: GraphDoc['nodes'][number];
  selected: boolean;
  measured: Size | undefined;
  rf: FlowNodeType;
}

interface CachedEdge {
  sig: string;
  selected: boolean;
  rf: FlowEdgeType;
}

function toConnection(c: RFConnection | Edge): Connection {
  return { source: c.source, sourcePort: c.sourceHandle ?? '', target: c.target, targetPort: c.targetHandle ?? '' };
}

/** Why the connection being dragged is refused (shown while dragging), or null. */
function ConnectionStatus({ check }: { check(c: Connection): string | null }) {
  const conn = useConnection();
  if (!conn.inProgress) return null;
  let reason: string | null = null;
  if (conn.toHandle && conn.isValid === false) {
    const from = conn.fromHandle;
    const to = conn.toHandle;
    if (from.type === to.type) reason = from.type === 'source' ? 'Connect an output to an input.' : 'Connect an input to an output.';
    else {
      const c: Connection =
        from.type === 'source'
          ? { source: from.nodeId, sourcePort: from.id ?? '', target: to.nodeId, targetPort: to.id ?? '' }
          : { source: to.nodeId, sourcePort: to.id ?? '', target: from.nodeId, targetPort: from.id ?? '' };
      reason = check(c);
    }
  }
  return (
    <Panel position="top-center" className={reason ? 'conn-status refused' : 'conn-status'}>
      <span role="status" data-testid="connection-status">
        {reason ?? (conn.toHandle && conn.isValid ? 'Release to connect' : 'Drag onto a matching port')}
      </span>
    </Panel>
  );
}

export default function Canvas({ graph, analysis, paramCounts, selection, dispatch, onRefused, onDropKind, fitToken }: CanvasProps) {
  const rf = useReactFlow<FlowNodeType, FlowEdgeType>();
  const box = useRef<HTMLDivElement>(null);
  const [countStore] = useState(() => new NodeCountStore());
  const [measured, setMeasured] = useState<Record<string, Size>>({});
  const nodeCache = useRef(new Map<string, CachedNode>());
  const edgeCache = useRef(new Map<string, CachedEdge>());
  const latest = useRef({ graph, analysis, selection });
  latest.current = { graph, analysis, selection };

  const grouped = useMemo(() => groupDiagnostics(analysis.diagnostics), [analysis]);
  const selNodes = useMemo(() => new Set(selection.nodes), [selection.nodes]);
  const selEdges = useMemo(() => new Set(selection.edges), [selection.edges]);

  // Counts reach the nodes through their own store, not through `nodes` (see nodeCounts.ts).
  useEffect(() => countStore.set(paramCounts), [countStore, paramCounts]);

  // Document → React Flow nodes, re-using the object of every node whose view did not change, so
  // that a param edit on a 300-node graph re-renders only the affected nodes. A node not measured
  // in the DOM yet carries its computed size and handles (nodeGeometry.ts), so React Flow draws
  // its edges and skips it while it is off screen instead of mounting it to measure it.
  const nodes = useMemo(() => {
    const next = new Map<string, CachedNode>();
    const out = graph.nodes.map((n) => {
      const prev = nodeCache.current.get(n.id);
      const view = nodeView(n, analysis.nodes.get(n.id), grouped.byNode.get(n.id));
      const sig = JSON.stringify(view);
      const selected = selNodes.has(n.id);
      const m = measured[n.id];
      if (prev && prev.sig === sig && prev.node === n && prev.selected === selected && prev.measured === m) {
        next.set(n.id, prev);
        return prev.rf;
      }
      const rfNode: FlowNodeType = { id: n.id, type: 'fusion', position: n.position, data: { view }, selected, ...(m ? { measured: m } : { measured: nodeSize(view), handles: nodeHandles(view) }) };
      next.set(n.id, { sig, node: n, selected, measured: m, rf: rfNode });
      return rfNode;
    });
    nodeCache.current = next;
    return out;
  }, [graph.nodes, analysis, grouped, selNodes, measured]);

  const edges = useMemo(() => {
    const next = new Map<string, CachedEdge>();
    const out = graph.edges.map((e) => {
      const v = edgeView(e, analysis, grouped.byEdge.get(e.id));
      const sig = JSON.stringify(v);
      const selected = selEdges.has(e.id);
      const prev = edgeCache.current.get(e.id);
      if (prev && prev.sig === sig && prev.selected === selected) {
        next.set(e.id, prev);
        return prev.rf;
      }
      const color = v.error ? '#f87171' : kindColor(v.kind);
      const rfEdge: FlowEdgeType = {
        id: e.id,
        type: 'fusion',
        source: e.source,
        sourceHandle: e.sourcePort,
        target: e.target,
        targetHandle: e.targetPort,
        selected,
        label: v.error ? `⚠ ${v.shape}` : v.shape || undefined,
        className: v.error ? 'fedge has-error' : 'fedge',
        style: { stroke: color, strokeWidth: selected ? 3 : 2 },
        labelStyle: { fill: color },
        labelBgPadding: [6, 3],
        labelBgBorderRadius: 6,
        ariaLabel: `${e.source} to ${e.target}${v.shape ? `, ${v.shape}` : ''}`,
        data: { error: v.error },
      };
      next.set(e.id, { sig, selected, rf: rfEdge });
      return rfEdge;
    });
    edgeCache.current = next;
    return out;
  }, [graph.edges, analysis, grouped, selEdges]);

  const onNodesChange = useCallback(
    (changes: NodeChange<FlowNodeType>[]) => {
      const positions: Record<string, { x: number; y: number }> = {};
      let moved = false;
      const dims: Record<string, Size> = {};
      let resized = false;
      const sel: [string, boolean][] = [];
      for (const c of changes) {
        if (c.type === 'position' && c.position) {
          positions[c.id] = { x: Math.round(c.position.x), y: Math.round(c.position.y) };
          moved = true;
        } else if (c.type === 'dimensions' && c.dimensions) {
          dims[c.id] = { width: c.dimensions.width, height: c.dimensions.height };
          resized = true;
        } else if (c.type === 'select') {
          sel.push([c.id, c.selected]);
        }
      }
      if (moved) dispatch({ type: 'drag', positions });
      if (resized) {
        setMeasured((old) => {
          let changed = false;
          const next = { ...old };
          for (const [id, d] of Object.entries(dims)) {
            const o = old[id];
            if (!o || o.width !== d.width || o.height !== d.height) {
              next[id] = d;
              changed = true;
            }
          }
          return changed ? next : old;
        });
      }
      if (sel.length) dispatch({ type: 'selectChanges', nodes: sel });
    },
    [dispatch],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      const sel: [string, boolean][] = [];
      for (const c of changes) if (c.type === 'select') sel.push([c.id, c.selected]);
      if (sel.length) dispatch({ type: 'selectChanges', edges: sel });
    },
    [dispatch],
  );

  const check = useCallback((c: Connection): string | null => {
    const r = canConnect(latest.current.graph, registry, c, latest.current.analysis);
    return r.ok ? null : r.reason;
  }, []);

  const isValidConnection: IsValidConnection = useCallback((c) => check(toConnection(c)) === null, [check]);

  const onConnect = useCallback((c: RFConnection) => dispatch({ type: 'connect', connection: toConnection(c) }), [dispatch]);

  const onConnectEnd = useCallback(
    (_e: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid !== false || !state.toHandle || !state.fromHandle) return;
      const from = state.fromHandle;
      const to = state.toHandle;
      if (from.type === to.type) {
        onRefused('Connect an output (right side) to an input (left side).');
        return;
      }
      const c: Connection =
        from.type === 'source'
          ? { source: from.nodeId, sourcePort: from.id ?? '', target: to.nodeId, targetPort: to.id ?? '' }
          : { source: to.nodeId, sourcePort: to.id ?? '', target: from.nodeId, targetPort: from.id ?? '' };
      const reason = check(c);
      if (reason) onRefused(reason);
    },
    [check, onRefused],
  );

  const onDragOver = useCallback((e: DragEvent) => {
    if (e.dataTransfer.types.includes(DRAG_KIND_MIME)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const kind = e.dataTransfer.getData(DRAG_KIND_MIME);
      if (!kind || !registry.get(kind)) return;
      e.preventDefault();
      const p = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      onDropKind(kind, { x: Math.round(p.x - 100), y: Math.round(p.y - 30) });
    },
    [rf, onDropKind],
  );

  const onDragStart = useCallback(() => dispatch({ type: 'dragStart' }), [dispatch]);
  const onDragStop = useCallback(() => dispatch({ type: 'dragEnd' }), [dispatch]);

  // Fit a newly loaded graph before its nodes are drawn: the sizes are known without measuring,
  // so the viewport is set in the same commit and the nodes mount once, at the fitted zoom (not
  // first at the old viewport and again after a fit).
  const fitted = useRef(-1);
  useLayoutEffect(() => {
    if (fitted.current === fitToken) return;
    fitted.current = fitToken;
    const bounds = boundsOf(nodes.map((n) => ({ position: n.position, size: { width: n.measured?.width ?? 0, height: n.measured?.height ?? 0 } })));
    const el = box.current;
    if (!bounds) return; // nothing to fit
    if (!el || el.clientWidth === 0 || el.clientHeight === 0) {
      void rf.fitView(FIT);
      return;
    }
    const vp = getViewportForBounds(bounds, el.clientWidth, el.clientHeight, MIN_ZOOM, FIT.maxZoom, FIT.padding);
    // Before React Flow's zoom handler exists (first mount) setViewport does nothing: fit later.
    void rf.setViewport(vp).then((ok) => {
      if (!ok) void rf.fitView(FIT);
    });
  }, [fitToken, nodes, rf]);

  return (
    <div className="canvas" data-testid="canvas" style={NODE_GEOMETRY_CSS} onDragOver={onDragOver} onDrop={onDrop} ref={box}>
      <NodeCountContext.Provider value={countStore}>
        <ReactFlow<FlowNodeType, FlowEdgeType>
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onConnect={onConnect}
          onConnectEnd={onConnectEnd}
          isValidConnection={isValidConnection}
          onNodeDragStart={onDragStart}
          onNodeDragStop={onDragStop}
          onSelectionDragStart={onDragStart}
          onSelectionDragStop={onDragStop}
          deleteKeyCode={null}
          selectionKeyCode="Shift"
          multiSelectionKeyCode={MULTI_SELECT_KEYS}
          minZoom={MIN_ZOOM}
          maxZoom={MAX_ZOOM}
          connectionRadius={28}
          defaultEdgeOptions={DEFAULT_EDGE_OPTIONS}
          colorMode="dark"
          proOptions={PRO_OPTIONS}
          attributionPosition="bottom-left"
          onlyRenderVisibleElements={graph.nodes.length > 150}
        >
          <Background variant={BackgroundVariant.Dots} gap={22} size={1.4} color="#2a3140" />
          <Controls showInteractive={false} position="bottom-left" style={CONTROLS_STYLE} />
          <MiniMap
            pannable
            zoomable
            position="bottom-right"
            nodeColor={minimapColor}
            nodeStrokeWidth={0}
            maskColor="rgba(10, 12, 16, 0.7)"
            ariaLabel="Minimap"
          />
          <ConnectionStatus check={check} />
        </ReactFlow>
      </NodeCountContext.Provider>
    </div>
  );
}
