/**
 * Parameter counts off the main thread: builds the graph's layers without weights (shapes only,
 * engine/model-size.ts) and sends back the per-node summary and the model budget's verdict, so a
 * graph asking for billions of parameters costs nothing here. Only the newest request is
 * handled; older ones are skipped.
 */
import * as tf from '@tensorflow/tfjs';
import { measureGraph } from '@/engine/compile';
import type { Diagnostic } from '@/engine/diagnostics';
import { countNodeParams } from '@/engine/editor/paramCounts';
import { analyzeGraph } from '@/engine/validate';
import { parseGraphText } from '@/engine/graph';
import { registry } from '@/nodes';

export interface CountRequest {
  seq: number;
  graph: string;
}

export interface LayerRow {
  name: string;
  className: string;
  outputShape: string;
  params: number;
}

export type CountReply =
  | { seq: number; ok: true; total: number; trainable: number; nodes: Record<string, { params: number; layers: LayerRow[] }>; /** `model-too-large` errors. */ budget: Diagnostic[]; ms: number }
  | { seq: number; ok: false; message: string; /** Per-node counts of the nodes that are typed. */ nodes: Record<string, number> };

const ready = tf.setBackend('cpu').then(() => tf.ready());
let pending: CountRequest | null = null;
let running = false;

function shapeText(s: unknown): string {
  if (!Array.isArray(s)) return '';
  if (s.length > 0 && Array.isArray(s[0])) return (s as unknown[]).map(shapeText).join(', ');
  return (s as (number | null)[]).filter((d) => d !== null).join('×');
}

function handle(req: CountRequest): CountReply {
  const t0 = performance.now();
  const parsed = parseGraphText(req.graph);
  if (!parsed.ok) return { seq: req.seq, ok: false, message: parsed.diagnostics[0]?.message ?? 'bad graph', nodes: {} };
  const analysis = analyzeGraph(parsed.graph, registry);
  const r = measureGraph(parsed.graph, registry, { tf, seed: 1, analysis });
  if (!r.ok) {
    // The graph does not compile yet: still count each node that has its input types.
    const message = r.diagnostics.find((d) => d.severity === 'error')?.message ?? 'does not compile';
    return { seq: req.seq, ok: false, message, nodes: countNodeParams(parsed.graph, analysis, tf) };
  }
  const nodes: Record<string, { params: number; layers: LayerRow[] }> = {};
  for (const [id, n] of Object.entries(r.summary.nodes)) {
    nodes[id] = { params: n.params, layers: n.layers.map((l) => ({ name: l.name, className: l.className, outputShape: shapeText(l.outputShape), params: l.params })) };
  }
  return { seq: req.seq, ok: true, total: r.summary.totalParams, trainable: r.summary.trainableParams, nodes, budget: r.check.diagnostics, ms: performance.now() - t0 };
}

async function drain() {
  if (running) return;
  running = true;
  await ready;
  while (pending) {
    const req = pending;
    pending = null;
    let reply: CountReply;
    try {
      reply = handle(req);
    } catch (e) {
      reply = { seq: req.seq, ok: false, message: e instanceof Error ? e.message : String(e), nodes: {} };
    }
    postMessage(reply);
    // Let newer requests arrive before compiling again.
    await new Promise((r) => setTimeout(r, 0));
  }
  running = false;
}

addEventListener('message', (ev: MessageEvent<CountRequest>) => {
  pending = ev.data;
  void drain();
});
