/**
 * A test-only hook for the browser tests and the browser benchmark, installed only when the page
 * URL has `?fusionlab-test` (never in normal use): read the processed dataset, open a dataset
 * fetched from URLs the test serves (page.route), timing the processing, and run the data
 * worker's image decoder in a worker (decodeTest.worker.ts) on served files.
 */
import type { ImageSizeHint } from '@/engine/data/adapter';
import type { GraphDoc } from '@/engine/graph';
import { decodeImageBitmap, decodeVideoElement } from './browserAdapter';
import { getDataset, getDatasetState, openDataset } from './datasetStore';
import type { DecodeTestRequest, DecodeTestResult } from './decodeTest.worker';
import type { ProcessResult } from './protocol';

export interface DecodeInWorkerOptions {
  hint?: ImageSizeHint;
  maxPixels?: number;
  concurrency?: number;
  budget?: number;
  keepPixels?: number;
}

/** A decode result as the test sees it: pixels (when sent) in base64. */
export type DecodeInWorkerResult = Omit<DecodeTestResult, 'data'> & { data?: string };

export interface FusionlabTestHook {
  state(): { status: string; sourceName: string; error: string | null; timings: ProcessResult['timings'] | null };
  /** Train/val/test tensors as plain arrays (for comparing with the Node loader). */
  tensors(): { ok: boolean; splits: Record<string, { ids: string[]; inputs: Record<string, number[]>; labels: Record<string, number[]> }>; classes: Record<string, string[]> } | null;
  /** Decode images (base64) with createImageBitmap + OffscreenCanvas: RGBA pixels per image. */
  imagesViaBitmap(files: string[]): Promise<{ width: number; height: number; data: number[] }[]>;
  /** Decode `frames` frames of a video (base64) as the loader does: a checksum per frame. */
  videoFrameSums(file: string, frames: number, path: string): Promise<{ width: number; height: number; sums: number[] }>;
  /** Fetch `paths` under `base`, open them as a dataset folder for `graph`, resolve when processed. */
  openUrls(base: string, paths: string[], graph: GraphDoc): Promise<{ fetchMs: number; processMs: number; timings: ProcessResult['timings'] | null; loaded: number; problems: number }>;
  /**
   * Fetch `urls` and decode them with the data worker's image decoder, in a worker: size, pixels
   * (base64, small images only), failure code and message, time per file and in all.
   */
  decodeInWorker(urls: string[], opts?: DecodeInWorkerOptions): Promise<{ fetchMs: number; totalMs: number; results: DecodeInWorkerResult[] }>;
}

let decodeWorker: Worker | null = null;

function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

declare global {
  interface Window {
    __fusionlabTest?: FusionlabTestHook;
  }
}

export function installTestHook(): void {
  if (typeof window === 'undefined' || !new URLSearchParams(window.location.search).has('fusionlab-test')) return;
  window.__fusionlabTest = {
    state: () => {
      const s = getDatasetState();
      return { status: s.status, sourceName: s.sourceName, error: s.error, timings: s.result?.timings ?? null };
    },
    tensors: () => {
      const d = getDataset();
      if (!d) return null;
      const splits: Record<string, { ids: string[]; inputs: Record<string, number[]>; labels: Record<string, number[]> }> = {};
      for (const [name, s] of Object.entries(d.splits)) {
        splits[name] = {
          ids: s.ids,
          inputs: Object.fromEntries(Object.entries(s.inputs).map(([k, v]) => [k, Array.from(v)])),
          labels: Object.fromEntries(Object.entries(s.labels).map(([k, v]) => [k, Array.from(v)])),
        };
      }
      return { ok: d.ok, splits, classes: Object.fromEntries(d.heads.map((h) => [h.nodeId, h.classes])) };
    },
    imagesViaBitmap: async (files) => {
      const out: { width: number; height: number; data: number[] }[] = [];
      for (const b64 of files) {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const img = await decodeImageBitmap(bytes, 'image.png');
        out.push({ width: img.width, height: img.height, data: Array.from(img.data) });
      }
      return out;
    },
    videoFrameSums: async (file, frames, path) => {
      const d = await decodeVideoElement(Uint8Array.from(atob(file), (c) => c.charCodeAt(0)), frames, path);
      const sums = d.frames.map((f) => {
        let h = 0;
        for (let i = 0; i < f.length; i++) h = (Math.imul(h, 31) + f[i]) >>> 0;
        return h;
      });
      return { width: d.width, height: d.height, sums };
    },
    openUrls: async (base, paths, graph) => {
      const t0 = performance.now();
      const files: { path: string; bytes: Uint8Array }[] = [];
      const queue = [...paths];
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
            const r = await fetch(`${base}/${p}`);
            if (r.ok) files.push({ path: `dataset/${p}`, bytes: new Uint8Array(await r.arrayBuffer()) });
          }
        }),
      );
      const t1 = performance.now();
      // Bytes are transferred to the worker: the timing is decode + featurise, not blob reads.
      const res = await openDataset({ kind: 'memory', name: 'dataset', files }, graph);
      const t2 = performance.now();
      return { fetchMs: t1 - t0, processMs: t2 - t1, timings: res?.timings ?? null, loaded: res?.dataset?.summary.loaded ?? 0, problems: res?.dataset?.problems.length ?? 0 };
    },
    decodeInWorker: async (urls, opts = {}) => {
      const t0 = performance.now();
      const files = await Promise.all(
        urls.map(async (u) => {
          const r = await fetch(u);
          if (!r.ok) throw new Error(`${u}: HTTP ${r.status}`);
          return { path: decodeURIComponent(new URL(u, location.href).pathname.split('/').pop() ?? u), bytes: await r.arrayBuffer() };
        }),
      );
      const fetchMs = performance.now() - t0;
      decodeWorker ??= new Worker(new URL('./decodeTest.worker.ts', import.meta.url), { type: 'module' });
      const w = decodeWorker;
      const req: DecodeTestRequest = { files, ...opts };
      const out = await new Promise<{ results: DecodeTestResult[]; totalMs: number }>((resolve, reject) => {
        w.onmessage = (e) => resolve(e.data);
        w.onerror = (e) => reject(new Error(`decode worker: ${e.message}`));
        w.postMessage(req, files.map((f) => f.bytes));
      });
      return { fetchMs, totalMs: out.totalMs, results: out.results.map((r) => ({ ...r, data: r.data ? toBase64(r.data) : undefined })) };
    },
  };
}
