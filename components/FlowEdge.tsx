'use client';
/**
 * The canvas's edge: React Flow's bezier edge, whose shape label is left out below COMPACT_ZOOM.
 * There an 11 px label is under 4 px on screen, and each label costs a forced layout
 * (React Flow measures it with getBBox) and a second render on a fitted 300-node view.
 */
import { BaseEdge, getBezierPath, Position, useStore, type Edge, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import { isCompactZoom } from './FlowNode';

export type FlowEdgeType = Edge<{ error: string | null }, 'fusion'>;

function FlowEdgeImpl({ id, sourceX, sourceY, targetX, targetY, sourcePosition = Position.Right, targetPosition = Position.Left, label, labelStyle, labelShowBg, labelBgStyle, labelBgPadding, labelBgBorderRadius, style, markerEnd, markerStart, interactionWidth }: EdgeProps<FlowEdgeType>) {
  const compact = useStore(isCompactZoom);
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  return (
    <BaseEdge
      id={id}
      path={path}
      labelX={labelX}
      labelY={labelY}
      label={compact ? undefined : label}
      labelStyle={labelStyle}
      labelShowBg={labelShowBg}
      labelBgStyle={labelBgStyle}
      labelBgPadding={labelBgPadding}
      labelBgBorderRadius={labelBgBorderRadius}
      style={style}
      markerEnd={markerEnd}
      markerStart={markerStart}
      interactionWidth={interactionWidth}
    />
  );
}

export const FlowEdge = memo(FlowEdgeImpl);
