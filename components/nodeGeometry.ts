/**
 * Where a node's box and handles are, computed from its view instead of measured in the DOM.
 *
 * React Flow measures every node it has not measured yet, even with `onlyRenderVisibleElements`
 * (a node without handle bounds is always rendered), so a 300-node graph used to mount all 300
 * nodes hidden, measure them, unmount the ones off screen and mount them again after the fit.
 * Handing React Flow each node's size and handle bounds up front lets it draw edges and decide
 * visibility without mounting anything. The numbers here are the only copy: app/globals.css
 * sizes `.fnode` and its rows from the custom properties of {@link NODE_GEOMETRY_CSS}, which the
 * canvas sets on its box; test/e2e/large-graph.e2e.ts checks every drawn node against the DOM.
 */
import type { NodeHandle } from '@xyflow/react';
import { Position } from '@xyflow/react';
import type { NodeView } from '@/engine/editor/view';

/** `.fnode { width }`. */
export const NODE_WIDTH = 200;
/** `.fnode` border on each side. */
const BORDER = 1;
/** `.fnode-head { height }`. */
const HEAD_H = 29;
/** `.fnode-sub { height }`. */
const SUB_H = 23;
/** `.fnode-ports` border-top, the line between the title rows and the ports. */
const PORTS_BORDER = 1;
/** `.fnode-ports` padding-top before the first row. */
const PORTS_PAD_TOP = 2;
/** From the end of the sub row to the first port row. */
const PORTS_TOP = PORTS_BORDER + PORTS_PAD_TOP;
/** `.fnode-ports` padding-bottom. */
const PORTS_BOTTOM = 4;
/** `.fport { height }`: one row per input, then one per output. */
export const PORT_H = 24;
/** `.fnode-foot { height }`: fixed, so the parameter count arriving later resizes nothing. */
const FOOT_H = 24;
/** `.react-flow__handle.fhandle` width and height (border-box). */
const HANDLE = 12;

/**
 * The numbers above as CSS custom properties, set on the canvas's box so that app/globals.css
 * lays nodes out with the very values React Flow is handed (one copy, no drift).
 */
export const NODE_GEOMETRY_CSS: Readonly<Record<`--${string}`, string>> = {
  '--fnode-width': `${NODE_WIDTH}px`,
  '--fnode-border': `${BORDER}px`,
  '--fnode-head-h': `${HEAD_H}px`,
  '--fnode-sub-h': `${SUB_H}px`,
  '--fnode-ports-border': `${PORTS_BORDER}px`,
  '--fnode-ports-pad-top': `${PORTS_PAD_TOP}px`,
  '--fnode-ports-pad-bottom': `${PORTS_BOTTOM}px`,
  '--fport-h': `${PORT_H}px`,
  '--fnode-foot-h': `${FOOT_H}px`,
  '--fhandle-size': `${HANDLE}px`,
};

/**
 * Below this zoom a node is drawn as a compact box (label, colour, handles) and edges lose
 * their shape labels: a 13 px title is under 4.6 px on screen there, unreadable, while every
 * text element still costs layout and paint on a fitted 300-node view (zoom ≈ 0.08).
 */
export const COMPACT_ZOOM = 0.35;

/** Vertical centre of port row `i` (inputs first, then outputs), from the node's top edge. */
export function portCenterY(i: number): number {
  return BORDER + HEAD_H + SUB_H + PORTS_TOP + PORT_H * i + PORT_H / 2;
}

/**
 * A handle's CSS `top` inside the node for port row `i`: absolutely positioned handles count
 * from the inner edge of the node's border, {@link portCenterY} from the outer.
 */
export function handleTop(i: number): number {
  return portCenterY(i) - BORDER;
}

/** The node's outer size (what React Flow's ResizeObserver will measure). */
export function nodeSize(view: Pick<NodeView, 'inputs' | 'outputs'>): { width: number; height: number } {
  const rows = view.inputs.length + view.outputs.length;
  return { width: NODE_WIDTH, height: 2 * BORDER + HEAD_H + SUB_H + PORTS_TOP + PORT_H * rows + PORTS_BOTTOM + FOOT_H };
}

/**
 * The node's handles as React Flow would measure them: a 12 px circle centred on the left edge
 * of the node's inner box for an input, on the right edge for an output, at its row's centre.
 */
export function nodeHandles(view: Pick<NodeView, 'inputs' | 'outputs'>): NodeHandle[] {
  const left = BORDER - HANDLE / 2;
  const right = NODE_WIDTH - BORDER - HANDLE / 2;
  const inputs = view.inputs.map((p, i): NodeHandle => ({ id: p.id, type: 'target', position: Position.Left, x: left, y: portCenterY(i) - HANDLE / 2, width: HANDLE, height: HANDLE }));
  const outputs = view.outputs.map((p, i): NodeHandle => ({
    id: p.id,
    type: 'source',
    position: Position.Right,
    x: right,
    y: portCenterY(view.inputs.length + i) - HANDLE / 2,
    width: HANDLE,
    height: HANDLE,
  }));
  return [...inputs, ...outputs];
}

/** The rectangle around every node, from positions and sizes; null for an empty graph. */
export function boundsOf(nodes: readonly { position: { x: number; y: number }; size: { width: number; height: number } }[]): { x: number; y: number; width: number; height: number } | null {
  if (nodes.length === 0) return null;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const n of nodes) {
    x0 = Math.min(x0, n.position.x);
    y0 = Math.min(y0, n.position.y);
    x1 = Math.max(x1, n.position.x + n.size.width);
    y1 = Math.max(y1, n.position.y + n.size.height);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
