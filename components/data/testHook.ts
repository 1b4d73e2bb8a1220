/**
 * A test-only hook for the browser tests and the browser benchmark, installed only when the page
 * URL has `?fusionlab-test` (never in normal use): read the processed dataset, and open a dataset
 * fetched from URLs the test serves (page.route), timing the processing.
 */
import type { GraphDoc } from '@/engine/graph';
import { decodeImageBitmap, decodeVideoElement } from './browserAdapter';
import { getDataset, getDatasetState, openDataset } from './datasetStore';
import type { ProcessResult } from './protocol';

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
  };
}
