/// <reference lib="webworker" />
/**
 * The data worker: opens a dataset (files, a zip, or the generated demo), inspects its columns,
 * decodes and featurises it for the graph with the engine's loader and the browser adapter, and
 * sends back the tensors (transferred) with previews. Sources stay open here so that processing
 * again for a changed graph does not read the upload again.
 */
import {
  bindGraph,
  demoDatasetZip,
  generateDemoDataset,
  inspectDataset,
  loadDataset,
  logMelSpectrogram,
  memorySource,
  openDataset,
  labelColumnsFor,
  zipSource,
  type FileSource,
  type LoadedDataset,
} from '@/engine/data';
import type { GraphDoc } from '@/engine/graph';
import { registry } from '@/nodes';
import { DecodeError } from '@/engine/data/adapter';
import { createBrowserAdapter } from './browserAdapter';
import { columnTypesFromGraph } from './progress';
import type { DatasetInput, DecodedFrames, FromWorker, ProcessResult, SamplePreview, ToWorker } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

// ---- main-thread decoding (audio other than WAV, video) -------------------------------------
let rpcId = 0;
const pending = new Map<number, { resolve: (v: Float32Array | DecodedFrames) => void; reject: (e: Error) => void }>();
function rpc<T extends Float32Array | DecodedFrames>(m: { op: 'audio'; bytes: Uint8Array; rate: number; path: string; maxSamples?: number } | { op: 'video'; bytes: Uint8Array; frames: number; path: string }): Promise<T> {
  const id = ++rpcId;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: Float32Array | DecodedFrames) => void, reject });
    const bytes = m.bytes.slice();
    post({ ...m, id, type: 'rpc', bytes }, [bytes.buffer]);
  });
}
const adapter = createBrowserAdapter({
  decodeAudio: (bytes, rate, path, maxSamples) => rpc<Float32Array>({ op: 'audio', bytes, rate, path, maxSamples }),
  decodeVideo: (bytes, frames, path) => rpc<DecodedFrames>({ op: 'video', bytes, frames, path }),
});

// ---- sources ---------------------------------------------------------------------------------
const sources = new Map<string, FileSource>();

function fileListSource(name: string, files: { path: string; file: File }[]): FileSource {
  const map = new Map<string, File>();
  for (const f of files) map.set(f.path.replace(/\\/g, '/').replace(/^\/+/, ''), f.file);
  return {
    name,
    list: async () => [...map.keys()],
    size: async (p) => map.get(p)?.size,
    read: async (p) => {
      const f = map.get(p);
      return f ? new Uint8Array(await f.arrayBuffer()) : undefined;
    },
  };
}

async function openSource(input: DatasetInput): Promise<{ source: FileSource | null; problems: import('@/engine/data').DataProblem[] }> {
  switch (input.kind) {
    case 'files':
      return { source: fileListSource(input.name, input.files), problems: [] };
    case 'zip': {
      const bytes = new Uint8Array(await input.file.arrayBuffer());
      return zipSource(input.name, bytes);
    }
    case 'memory':
      return { source: memorySource(input.name, new Map(input.files.map((f) => [f.path, f.bytes]))), problems: [] };
    case 'demo': {
      const demo = generateDemoDataset({ seed: input.seed, rows: input.rows });
      return { source: memorySource(`demo (seed ${input.seed})`, demo.files), problems: [] };
    }
    default: {
      const _x: never = input;
      return _x;
    }
  }
}

// ---- previews --------------------------------------------------------------------------------
async function makePreviews(source: FileSource, report: ProcessResult['report'], ds: LoadedDataset | null, manifest?: string): Promise<SamplePreview[]> {
  const opened = await openDataset(source, { manifest });
  const m = opened.manifest;
  if (!m) return [];
  const types = new Map(report.columns.map((c) => [c.name, c.type]));
  const splitCol = m.columns.indexOf('split');
  const idCol = m.columns.indexOf('id');
  // One loaded row per class first (so the preview shows the classes), then the first rows.
  const picks: number[] = [];
  if (ds?.ok) {
    const head = ds.heads[0];
    const seen = new Set<number>();
    const train = ds.splits.train;
    const ci = head ? train.classIndex[head.nodeId] : undefined;
    for (let n = 0; n < train.count && picks.length < 6; n++) {
      const c = ci ? ci[n] : n;
      if (ci && seen.has(c)) continue;
      seen.add(c);
      picks.push(train.rows[n]);
    }
  }
  const problemRows = new Set(ds ? ds.problems.filter((p) => p.severity === 'error' && p.row).map((p) => p.row) : []);
  for (const r of m.rows) {
    if (picks.length >= 6) break;
    if (!picks.includes(r.row) && !problemRows.has(r.row)) picks.push(r.row);
  }
  const audioNode = ds?.inputs.find((i) => i.kind === 'input.audio');
  const audioFitted = audioNode ? ds?.fitted.inputs[audioNode.nodeId] : undefined;
  const audioParams = audioFitted && audioFitted.kind === 'input.audio' ? audioFitted.params : undefined;
  const out: SamplePreview[] = [];
  for (const rowNo of picks) {
    const r = m.rows.find((x) => x.row === rowNo);
    if (!r) continue;
    const p: SamplePreview = { row: r.row, id: idCol >= 0 ? r.values[idCol] : `#${r.row}`, split: splitCol >= 0 ? r.values[splitCol] : '', cells: {}, files: {}, spectrograms: {} };
    for (let j = 0; j < m.columns.length; j++) {
      const col = m.columns[j];
      const cell = r.values[j];
      p.cells[col] = cell.length > 300 ? cell.slice(0, 297) + '…' : cell;
      const t = types.get(col);
      if (t !== 'image' && t !== 'audio' && t !== 'video') continue;
      const found = await opened.locate(cell, r);
      if (!found.ok || found.size > 8 * 1024 * 1024) continue;
      const { path } = found;
      const bytes = await source.read(path);
      if (!bytes) continue;
      p.files[col] = { path, type: t, bytes: bytes.slice() };
      if (t === 'audio') {
        try {
          const rate = audioParams?.sampleRate ?? 16000;
          // At most the 4 s the preview shows are decoded and resampled.
          const samples = await adapter.decodeAudio(bytes, rate, path, Math.round(rate * 4));
          const sp = { sampleRate: rate, clipSeconds: Math.max(0.05, Math.min(4, samples.length / rate)), frameLength: audioParams?.frameLength ?? 512, hop: audioParams?.hop ?? 256, melBins: audioParams?.melBins ?? 32, window: audioParams?.window ?? ('hann' as const) };
          const n = Math.round(sp.sampleRate * sp.clipSeconds);
          const frames = n < sp.frameLength ? 1 : 1 + Math.floor((n - sp.frameLength) / sp.hop);
          p.spectrograms[col] = { frames, bins: sp.melBins, data: logMelSpectrogram(samples.subarray(0, n), sp) };
        } catch {
          // An undecodable clip is listed among the problems; its preview simply has no spectrogram.
        }
      }
    }
    out.push(p);
  }
  return out;
}

function transferables(r: ProcessResult): Transferable[] {
  const t: Transferable[] = [];
  const add = (a: ArrayBufferView) => {
    if (a.buffer instanceof ArrayBuffer && !t.includes(a.buffer)) t.push(a.buffer);
  };
  if (r.dataset) {
    for (const s of Object.values(r.dataset.splits)) {
      for (const a of Object.values(s.inputs)) add(a);
      for (const a of Object.values(s.labels)) add(a);
      for (const a of Object.values(s.classIndex)) add(a);
    }
  }
  for (const p of r.previews) {
    for (const f of Object.values(p.files)) add(f.bytes);
    for (const s of Object.values(p.spectrograms)) add(s.data);
  }
  return t;
}

async function process(job: number, datasetId: string, graph: GraphDoc, openMs: number, openProblems: import('@/engine/data').DataProblem[], manifest?: string): Promise<void> {
  const source = sources.get(datasetId);
  if (!source) throw new Error('The dataset is no longer open in the worker; load it again.');
  const t0 = performance.now();
  // Label classes for the heads' columns and label-like ones, so that the Data panel can fit the graph.
  const inspected = await inspectDataset(source, { labelColumns: labelColumnsFor(graph, registry), manifest });
  const report = { ...inspected, columns: columnTypesFromGraph(inspected.columns, bindGraph(graph, registry).inputs) };
  const t1 = performance.now();
  const hasBinding = graph.nodes.some((n) => n.kind.startsWith('input.')) && graph.nodes.some((n) => n.kind.startsWith('head.'));
  let dataset: LoadedDataset | null = null;
  if (report.manifest && hasBinding) {
    dataset = await loadDataset(source, {
      graph,
      registry,
      adapter,
      manifest,
      onProgress: (p) => post({ type: 'progress', job, stage: p.stage, done: p.done, total: p.total }),
    });
    dataset.problems.unshift(...openProblems);
  } else report.problems.unshift(...openProblems);
  const t2 = performance.now();
  const previews = await makePreviews(source, report, dataset, manifest).catch(() => []);
  const result: ProcessResult = { datasetId, sourceName: source.name, report, dataset, previews, timings: { openMs, inspectMs: t1 - t0, loadMs: t2 - t1 } };
  post({ type: 'done', job, result }, transferables(result));
}

const openProblemsById = new Map<string, import('@/engine/data').DataProblem[]>();

scope.onmessage = async (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  switch (msg.type) {
    case 'rpc-result': {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new DecodeError(msg.error, msg.code ?? 'undecodable'));
      return;
    }
    case 'open':
      try {
        post({ type: 'progress', job: msg.job, stage: 'open', done: 0, total: 1 });
        const t0 = performance.now();
        const { source, problems } = await openSource(msg.input);
        const openMs = performance.now() - t0;
        if (!source) {
          const empty = { source: msg.input.kind === 'demo' ? 'demo' : msg.input.name, manifest: null, format: null, layout: null, tables: [], rows: 0, columns: [], splits: { train: 0, val: 0, test: 0, seeded: 0 }, labels: [], problems, problemCounts: {} };
          post({ type: 'done', job: msg.job, result: { datasetId: msg.datasetId, sourceName: empty.source, report: empty, dataset: null, previews: [], timings: { openMs, inspectMs: 0, loadMs: 0 } } });
          return;
        }
        // Keep the two most recent sources (the current one and the one before).
        sources.set(msg.datasetId, source);
        openProblemsById.set(msg.datasetId, problems);
        while (sources.size > 2) {
          const first = sources.keys().next().value as string;
          sources.delete(first);
          openProblemsById.delete(first);
        }
        await process(msg.job, msg.datasetId, msg.graph, openMs, problems, msg.manifest);
      } catch (err) {
        post({ type: 'error', job: msg.job, message: err instanceof Error ? err.message : String(err) });
      }
      return;
    case 'process':
      try {
        await process(msg.job, msg.datasetId, msg.graph, 0, openProblemsById.get(msg.datasetId) ?? [], msg.manifest);
      } catch (err) {
        post({ type: 'error', job: msg.job, message: err instanceof Error ? err.message : String(err) });
      }
      return;
    case 'demo-zip':
      try {
        const bytes = demoDatasetZip({ seed: msg.seed, rows: msg.rows });
        post({ type: 'zip', job: msg.job, bytes }, [bytes.buffer]);
      } catch (err) {
        post({ type: 'error', job: msg.job, message: err instanceof Error ? err.message : String(err) });
      }
      return;
    default: {
      const _x: never = msg;
      return _x;
    }
  }
};
