'use client';
/** Parameter counts from a Web Worker that compiles the graph (so the canvas never waits for tfjs). */
import { useEffect, useRef, useState } from 'react';
import { hasErrors, type Diagnostic } from '@/engine/diagnostics';
import { serializeGraph, type GraphDoc } from '@/engine/graph';
import type { GraphAnalysis } from '@/engine/validate';
import type { CountReply, CountRequest, LayerRow } from './paramCount.worker';

export interface ParamCounts {
  status: 'idle' | 'pending' | 'ready' | 'unavailable';
  total: number | null;
  nodes: Record<string, number> | null;
  summary: Record<string, LayerRow[]> | null;
  message?: string;
  /** The model budget's errors (`model-too-large`), shown with the graph's own diagnostics. */
  budget: Diagnostic[];
}

const EMPTY: ParamCounts = { status: 'idle', total: null, nodes: null, summary: null, budget: [] };

export function useParamCounts(graph: GraphDoc, analysis: GraphAnalysis): ParamCounts {
  const [counts, setCounts] = useState<ParamCounts>(EMPTY);
  const worker = useRef<Worker | null>(null);
  const seq = useRef(0);
  const graphRef = useRef(graph);
  graphRef.current = graph;

  useEffect(() => {
    let w: Worker;
    try {
      w = new Worker(new URL('./paramCount.worker.ts', import.meta.url), { type: 'module' });
    } catch {
      setCounts({ ...EMPTY, status: 'unavailable', message: 'Web Workers are not available.' });
      return;
    }
    worker.current = w;
    w.onmessage = (ev: MessageEvent<CountReply>) => {
      const r = ev.data;
      if (r.seq !== seq.current) return; // an older graph
      if (!r.ok) {
        setCounts({ status: 'unavailable', total: null, nodes: r.nodes, summary: null, message: r.message, budget: [] });
        return;
      }
      const nodes: Record<string, number> = {};
      const summary: Record<string, LayerRow[]> = {};
      for (const [id, n] of Object.entries(r.nodes)) {
        nodes[id] = n.params;
        summary[id] = n.layers;
      }
      setCounts({ status: 'ready', total: r.total, nodes, summary, budget: r.budget });
    };
    w.onerror = () => setCounts({ ...EMPTY, status: 'unavailable', message: 'The parameter counter failed.' });
    return () => {
      w.terminate();
      worker.current = null;
    };
  }, []);

  // `analysis` changes only when something other than positions changed (see createAnalysisCache).
  useEffect(() => {
    // A graph with errors does not compile, but the worker still counts each typed node.
    if (hasErrors(analysis.diagnostics)) setCounts((c) => (c.total === null ? c : { ...c, total: null }));
    setCounts((c) => (c.status === 'pending' ? c : { ...c, status: 'pending' }));
    const t = setTimeout(() => {
      const w = worker.current;
      if (!w) return;
      seq.current++;
      const req: CountRequest = { seq: seq.current, graph: serializeGraph(graphRef.current) };
      w.postMessage(req);
    }, 200);
    return () => clearTimeout(t);
  }, [analysis]);

  return counts;
}
