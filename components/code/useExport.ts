/**
 * The export of the current graph for one target, recomputed (debounced) while the panel is
 * visible. The work is the engine's `exportProgram`; this hook only schedules it.
 */
import { useEffect, useState } from 'react';
import { exportProgram, type ExportResult } from '@/engine/export';
import type { GraphDoc } from '@/engine/graph';
import type { ExportTarget } from '@/engine/spec';
import { error } from '@/engine/diagnostics';
import { registry } from '@/nodes';

/** Wait this long after the last graph change (a drag or typing streams many changes). */
const DEBOUNCE_MS = 200;

export interface ExportState {
  result: ExportResult | null;
  /** The graph the result was made from (so downloads name it correctly). */
  graph: GraphDoc | null;
  /** True while a newer graph is waiting to be exported. */
  stale: boolean;
}

export function useExport(graph: GraphDoc, target: ExportTarget, active: boolean): ExportState {
  const [state, setState] = useState<ExportState & { target: ExportTarget | null }>({ result: null, graph: null, stale: true, target: null });
  const upToDate = state.graph === graph && state.target === target;
  useEffect(() => {
    if (!active || upToDate) return;
    // The first export of a target (tab switch, panel opened) runs at once; edits are debounced.
    const delay = state.target === target && state.result ? DEBOUNCE_MS : 0;
    const t = setTimeout(() => {
      let result: ExportResult;
      try {
        result = exportProgram(graph, registry, target);
      } catch (e) {
        // exportProgram promises diagnostics, not exceptions; keep the panel alive if one slips out.
        result = { ok: false, target, files: {}, main: '', nodeRanges: new Map(), diagnostics: [error('build-failed', `The export failed: ${String(e)}`)], weights: [], inputs: [], outputs: [] };
      }
      setState({ result, graph, stale: false, target });
    }, delay);
    return () => clearTimeout(t);
  }, [graph, target, active, upToDate, state.target, state.result]);
  return { result: state.target === target ? state.result : null, graph: state.graph, stale: !upToDate };
}
