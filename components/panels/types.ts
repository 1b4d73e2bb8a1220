/**
 * What every dock panel (Data, Train, Code) receives from the editor. Panels keep their own
 * state in their own stores (e.g. the loaded dataset, the trained model); the graph and its
 * analysis come from the editor so that they always follow the canvas.
 */
import type { Dispatch } from 'react';
import type { EditorAction } from '@/engine/editor/state';
import type { GraphDoc } from '@/engine/graph';
import type { GraphAnalysis } from '@/engine/validate';

export interface PanelProps {
  graph: GraphDoc;
  analysis: GraphAnalysis;
  dispatch: Dispatch<EditorAction>;
  /** The node selected on the canvas, if exactly one is. */
  selectedNodeId?: string;
  /** Show a short message to the user. */
  notify(message: string, kind?: 'info' | 'error'): void;
}
