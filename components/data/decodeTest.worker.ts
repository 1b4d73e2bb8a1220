/// <reference lib="webworker" />
/**
 * A test-only worker (started by testHook.ts under `?fusionlab-test`, never in normal use): runs
 * the data worker's image decoder (browserAdapter.decodeImageBrowser) on files the page sends, so
 * that browser tests and the benchmark see the decoder exactly where the data worker runs it —
 * sizes, pixels, failures and time per file, with `concurrency` decodes in flight as the loader.
 */
import type { ImageSizeHint } from '@/engine/data/adapter';
import { DecodeError } from '@/engine/data/adapter';
import { decodeImageBrowser, setImageDecodeBudget } from './browserAdapter';

export interface DecodeTestRequest {
  files: { path: string; bytes: ArrayBuffer }[];
  hint?: ImageSizeHint;
  maxPixels?: number;
  /** Decodes in flight at once (the loader keeps 8 rows in flight). */
  concurrency?: number;
  /** The adapter's decode budget in pixels (default: the adapter's own). */
  budget?: number;
  /** Send pixels back for decoded images up to this many pixels (default 1 M). */
  keepPixels?: number;
}

export interface DecodeTestResult {
  path: string;
  ok: boolean;
  width?: number;
  height?: number;
  channels?: number;
  /** RGBA (channels = 4) or as decoded, when the image is small enough to send. */
  data?: Uint8Array;
  code?: string;
  message?: string;
  ms: number;
}

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = async (e: MessageEvent<DecodeTestRequest>) => {
  const req = e.data;
  const old = req.budget ? setImageDecodeBudget(req.budget) : null;
  const keep = req.keepPixels ?? 1 << 20;
  const results: DecodeTestResult[] = new Array(req.files.length);
  const t0 = performance.now();
  let next = 0;
  const run = async () => {
    while (next < req.files.length) {
      const i = next++;
      const f = req.files[i];
      const t = performance.now();
      try {
        const img = await decodeImageBrowser(new Uint8Array(f.bytes), f.path, req.hint, req.maxPixels);
        const small = img.width * img.height <= keep;
        results[i] = { path: f.path, ok: true, width: img.width, height: img.height, channels: img.channels, data: small ? new Uint8Array(img.data) : undefined, ms: performance.now() - t };
      } catch (err) {
        results[i] = { path: f.path, ok: false, code: err instanceof DecodeError ? err.code : 'error', message: err instanceof Error ? err.message : String(err), ms: performance.now() - t };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, req.concurrency ?? 1) }, run));
  const totalMs = performance.now() - t0;
  if (old !== null) setImageDecodeBudget(old);
  scope.postMessage({ results, totalMs }, results.flatMap((r) => (r.data ? [r.data.buffer as ArrayBuffer] : [])));
};
