'use client';
/**
 * The one node component: drawn entirely from the node's view (ports from its spec, shapes and
 * problems from the engine's analysis), so a new node kind needs no UI code. Below COMPACT_ZOOM
 * it draws a compact box of the same size with its handles in the same places, so crossing the
 * threshold moves no edge and needs no re-measure.
 */
import { Handle, Position, useStore, useUpdateNodeInternals, type Node, type NodeProps, type ReactFlowState } from '@xyflow/react';
import { memo, useEffect, useRef } from 'react';
import type { NodeView, PortView } from '@/engine/editor/view';
import { COMPACT_ZOOM, handleTop, nodeSize } from './nodeGeometry';
import { useNodeParamCount } from './nodeCounts';
import { CATEGORY_COLORS, cx, formatCount, kindColor } from './theme';

export type FlowNodeData = { view: NodeView };
export type FlowNodeType = Node<FlowNodeData, 'fusion'>;

/** True while zoomed out past COMPACT_ZOOM (a boolean, so panning re-renders no node). */
export const isCompactZoom = (s: ReactFlowState): boolean => s.transform[2] < COMPACT_ZOOM;

function portTitle(p: PortView, dir: 'in' | 'out'): string {
  const what = p.shape ? `${p.kind ?? ''} [${p.shape}]` : p.accepts.join(' or ');
  const extra = dir === 'in' ? `${p.multiple ? ' · takes several' : ''}${p.optional ? ' · optional' : ''}` : '';
  return `${p.label}: ${what}${extra}`;
}

function ParamCount({ id }: { id: string }) {
  const n = useNodeParamCount(id);
  return (
    <span className="fnode-params" data-testid={`params-${id}`}>
      {n === null ? '' : n === 0 ? 'no weights' : `${formatCount(n)} params`}
    </span>
  );
}

/** The zoomed-out node: its label large enough to read at low zoom, its colour and its handles. */
function CompactNode({ id, v, selected }: { id: string; v: NodeView; selected: boolean }) {
  return (
    <div
      className={cx('fnode', 'compact', selected && 'is-selected', v.errors.length > 0 && 'has-error', v.frozen && 'is-frozen')}
      style={{ ['--accent' as string]: CATEGORY_COLORS[v.category], height: nodeSize(v).height }}
      data-testid={`node-${id}`}
      title={v.errors.length ? `${v.label}: ${v.errors.join(' ')}` : v.label}
    >
      <span className="fnode-compact-label">{v.label}</span>
      {v.inputs.map((p, i) => (
        <Handle
          key={`in-${p.id}`}
          type="target"
          position={Position.Left}
          id={p.id}
          className={cx('fhandle', p.multiple && 'multi', p.connected === 0 && !p.optional && 'open')}
          style={{ ['--port' as string]: kindColor(p.kind), top: handleTop(i) }}
          data-testid={`handle-${id}-in-${p.id}`}
        />
      ))}
      {v.outputs.map((p, i) => (
        <Handle
          key={`out-${p.id}`}
          type="source"
          position={Position.Right}
          id={p.id}
          className="fhandle"
          style={{ ['--port' as string]: kindColor(p.kind), top: handleTop(v.inputs.length + i) }}
          data-testid={`handle-${id}-out-${p.id}`}
        />
      ))}
    </div>
  );
}

function FlowNodeImpl({ id, data, selected }: NodeProps<FlowNodeType>) {
  const v = data.view;
  const update = useUpdateNodeInternals();
  const portSig = `${v.inputs.map((p) => p.id).join(',')}|${v.outputs.map((p) => p.id).join(',')}`;
  // React Flow measures handles on mount; re-measure only when the ports change later (a param
  // that adds or removes a port). Calling it on every mount costs a forced layout per node.
  const lastSig = useRef(portSig);
  useEffect(() => {
    if (lastSig.current === portSig) return;
    lastSig.current = portSig;
    update(id);
  }, [id, portSig, update]);
  const compact = useStore(isCompactZoom);
  if (compact) return <CompactNode id={id} v={v} selected={!!selected} />;
  const accent = CATEGORY_COLORS[v.category];
  return (
    <div
      className={cx('fnode', selected && 'is-selected', v.errors.length > 0 && 'has-error', v.frozen && 'is-frozen')}
      style={{ ['--accent' as string]: accent }}
      data-testid={`node-${id}`}
    >
      <div className="fnode-head">
        <span className="fnode-dot" aria-hidden />
        <span className="fnode-title" title={v.label}>
          {v.label}
        </span>
        {v.frozen && (
          <span className="fnode-badge frozen" data-tip="Frozen: weights do not train" aria-label="frozen">
            ❄
          </span>
        )}
        {v.warnings.length > 0 && (
          <span className="fnode-badge warn" data-tip={v.warnings.join('\n')} aria-label={`${v.warnings.length} warning(s): ${v.warnings.join(' ')}`} data-testid={`node-warning-${id}`}>
            {v.warnings.length}
          </span>
        )}
        {v.errors.length > 0 && (
          <span className="fnode-badge err" data-tip={v.errors.join('\n')} aria-label={`${v.errors.length} error(s): ${v.errors.join(' ')}`} data-testid={`node-error-${id}`}>
            {v.errors.length}
          </span>
        )}
      </div>
      <div className="fnode-sub">
        <span>{v.kindLabel === v.label ? v.kind : v.kindLabel}</span>
      </div>
      <div className="fnode-ports">
        {v.inputs.map((p) => (
          <div className="fport in" key={`in-${p.id}`} title={portTitle(p, 'in')}>
            <Handle
              type="target"
              position={Position.Left}
              id={p.id}
              className={cx('fhandle', p.multiple && 'multi', p.connected === 0 && !p.optional && 'open')}
              style={{ ['--port' as string]: kindColor(p.kind) }}
              data-testid={`handle-${id}-in-${p.id}`}
            />
            <span className="fport-label">{p.label}</span>
            {p.shape && <span className="fport-shape">{p.shape}</span>}
          </div>
        ))}
        {v.outputs.map((p) => (
          <div className="fport out" key={`out-${p.id}`} title={portTitle(p, 'out')}>
            {p.shape && (
              <span className="fport-shape" data-testid={`shape-${id}-${p.id}`} style={{ color: kindColor(p.kind) }}>
                {p.shape}
              </span>
            )}
            <span className="fport-label">{p.label}</span>
            <Handle type="source" position={Position.Right} id={p.id} className="fhandle" style={{ ['--port' as string]: kindColor(p.kind) }} data-testid={`handle-${id}-out-${p.id}`} />
          </div>
        ))}
      </div>
      <div className="fnode-foot">
        <ParamCount id={id} />
      </div>
    </div>
  );
}

export const FlowNode = memo(FlowNodeImpl);
