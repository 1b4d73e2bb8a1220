/**
 * The browser platform adapter (engine/data/adapter.ts): decoding bytes into pixels and samples
 * with browser APIs. Runs in the data worker or on the main thread; touches no DOM global at
 * import time.
 *
 * - Images: `createImageBitmap` + `OffscreenCanvas` (both exist in workers), no premultiplied
 *   alpha and no colour-space conversion, so pixels equal the file's values (as pngjs in Node).
 *   Non-interlaced PNGs take a pure decoder first (./png.ts): createImageBitmap costs ~5 ms per
 *   image in a worker here, which capped AV-MNIST at ~200 samples/s.
 * - Audio: WAV is parsed by the engine's pure decoder (`decodeWavAt`) wherever this runs — the
 *   same code as the CLI, and no round trip. Other formats (MP3, OGG, FLAC, M4A…) need
 *   `decodeAudioData`, which Chromium and Firefox do not offer in workers: in a worker they are
 *   handed to the main thread (`delegate.decodeAudio`), which decodes with an
 *   `OfflineAudioContext` at the node's rate and transfers the Float32Array back.
 * - Video: frames by seeking an `HTMLVideoElement`, which only exists on the main thread: always
 *   through `delegate.decodeVideo`.
 */
import { DecodeError, extensionOf, type DecodedImage, type PlatformAdapter } from '@/engine/data/adapter';
import { DEFAULT_LIMITS } from '@/engine/data/problems';
import { decodeWav, decodeWavAt, resample } from '@/engine/data/wav';
import { decodePngFast } from './png';
import type { DecodedFrames } from './protocol';

/** Work only the main thread can do (audio other than WAV, video). */
export interface MainThreadDecoders {
  decodeAudio(bytes: Uint8Array, rate: number, path: string): Promise<Float32Array>;
  decodeVideo(bytes: Uint8Array, frames: number, path: string): Promise<DecodedFrames>;
}

function isRiffWave(b: Uint8Array): boolean {
  return b.length >= 12 && b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x41 && b[10] === 0x56 && b[11] === 0x45;
}

/** Read width × height from a PNG header so that a decompression bomb is refused before decoding. */
function pngSize(b: Uint8Array): { w: number; h: number } | null {
  if (b.length < 24 || b[0] !== 0x89 || b[1] !== 0x50 || b[2] !== 0x4e || b[3] !== 0x47) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { w: v.getUint32(16), h: v.getUint32(20) };
}

function copyBytes(bytes: Uint8Array): ArrayBuffer {
  // A standalone ArrayBuffer (the view may be a slice of a larger buffer, e.g. an unpacked zip).
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}

/** One CPU-backed canvas per image size, reused: datasets hold thousands of same-size images. */
const canvases = new Map<string, OffscreenCanvasRenderingContext2D>();
function canvasFor(width: number, height: number): OffscreenCanvasRenderingContext2D {
  const key = `${width}x${height}`;
  let ctx = canvases.get(key);
  if (!ctx) {
    const c = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (!c) throw new DecodeError('no 2-D canvas is available to read pixels');
    ctx = c;
    // A few sizes at most (mixed-size datasets would otherwise keep one per size).
    if (canvases.size >= 8) canvases.clear();
    canvases.set(key, ctx);
  }
  return ctx;
}

/** Decode an image with createImageBitmap + OffscreenCanvas to RGBA. */
export async function decodeImageBrowser(bytes: Uint8Array, path: string, maxPixels = DEFAULT_LIMITS.maxImagePixels): Promise<DecodedImage> {
  const size = pngSize(bytes);
  if (size && size.w * size.h > maxPixels) throw new DecodeError(`${size.w}×${size.h} pixels is over the limit maxImagePixels = ${maxPixels}`, 'file-too-large');
  // Non-interlaced PNG: pure code (~50× faster than createImageBitmap for small images).
  if (size) {
    const fast = decodePngFast(bytes);
    if (fast) return fast;
  }
  return decodeImageBitmap(bytes, path, maxPixels);
}

/** Decode any image the browser reads with createImageBitmap + OffscreenCanvas to RGBA. */
export async function decodeImageBitmap(bytes: Uint8Array, path: string, maxPixels = DEFAULT_LIMITS.maxImagePixels): Promise<DecodedImage> {
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(new Blob([copyBytes(bytes)]), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch (e) {
    throw new DecodeError(`the browser cannot decode it as an image (${extensionOf(path) || 'no extension'}): corrupt, truncated or not an image${e instanceof Error && e.message ? ` (${e.message})` : ''}`);
  }
  try {
    const { width, height } = bmp;
    if (width * height > maxPixels) throw new DecodeError(`${width}×${height} pixels is over the limit maxImagePixels = ${maxPixels}`, 'file-too-large');
    const ctx = canvasFor(width, height);
    ctx.clearRect(0, 0, width, height);
    ctx.drawImage(bmp, 0, 0);
    const data = ctx.getImageData(0, 0, width, height).data;
    return { width, height, channels: 4, data };
  } finally {
    bmp.close();
  }
}

/**
 * Decode audio with the Web Audio API (main thread only): `decodeAudioData` resamples to the
 * context's rate, so the context runs at the node's rate. Rates outside the range the API allows
 * (3 kHz–768 kHz) decode at 48 kHz and are resampled by the engine's resampler.
 */
export async function decodeAudioWebAudio(bytes: Uint8Array, rate: number): Promise<Float32Array> {
  if (typeof OfflineAudioContext === 'undefined') throw new DecodeError('this browser has no Web Audio API to decode the file', 'needs-app');
  const native = rate >= 3000 && rate <= 768000;
  const ctx = new OfflineAudioContext(1, 1, native ? rate : 48000);
  let buf: AudioBuffer;
  try {
    buf = await ctx.decodeAudioData(copyBytes(bytes));
  } catch (e) {
    throw new DecodeError(`the browser cannot decode this audio (corrupt, truncated or an unsupported codec)${e instanceof Error && e.message ? `: ${e.message}` : ''}`);
  }
  const n = buf.length;
  const out = new Float32Array(n);
  for (let c = 0; c < buf.numberOfChannels; c++) {
    const ch = buf.getChannelData(c);
    for (let i = 0; i < n; i++) out[i] += ch[i] / buf.numberOfChannels;
  }
  return native ? out : resample(out, buf.sampleRate, rate);
}

/**
 * Decode `frames` frames of a video by seeking an HTMLVideoElement (main thread only); frames are
 * taken at the centres of `frames` equal slices of the clip. Frames larger than 512 px on the long
 * side are drawn scaled down (featurisation shrinks them further anyway).
 */
export async function decodeVideoElement(bytes: Uint8Array, frames: number, path: string, timeoutMs = 15_000): Promise<DecodedFrames> {
  if (typeof document === 'undefined') throw new DecodeError('video frames are read on the main thread', 'needs-app');
  const ext = extensionOf(path);
  const type = ext === 'webm' ? 'video/webm' : ext === 'ogv' ? 'video/ogg' : 'video/mp4';
  const url = URL.createObjectURL(new Blob([copyBytes(bytes)], { type }));
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  video.playsInline = true;
  const wait = (ev: 'loadeddata' | 'seeked') =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new DecodeError(`the video did not ${ev === 'seeked' ? 'seek' : 'load'} within ${timeoutMs / 1000} s`)), timeoutMs);
      const ok = () => {
        clearTimeout(t);
        video.removeEventListener('error', bad);
        resolve();
      };
      const bad = () => {
        clearTimeout(t);
        video.removeEventListener(ev, ok);
        reject(new DecodeError(`the browser cannot decode this video (${video.error?.message || 'unsupported codec or corrupt file'})`));
      };
      video.addEventListener(ev, ok, { once: true });
      video.addEventListener('error', bad, { once: true });
    });
  // 'seeked' can fire before the element presents the frame at the new time, so drawing at once
  // sometimes copied the previous frame (Chromium, MediaRecorder WebM: ~1 seek in 30), and the
  // same clip gave different tensors from one decode to the next. A frame callback, asked for
  // before the seek, marks the presentation; the first one also waits for the first frame before
  // seeking (a first seek issued earlier sometimes landed a frame early). Hidden pages may not
  // present frames: the timeout keeps them going (as before) rather than stuck.
  const presented = () =>
    new Promise<void>((resolve) => {
      if (typeof video.requestVideoFrameCallback !== 'function' || document.visibilityState === 'hidden') return resolve();
      const t = setTimeout(resolve, 500);
      video.requestVideoFrameCallback(() => {
        clearTimeout(t);
        resolve();
      });
    });
  try {
    const loaded = wait('loadeddata');
    const first = presented();
    video.src = url;
    await loaded;
    await first;
    const w0 = video.videoWidth;
    const h0 = video.videoHeight;
    if (!w0 || !h0) throw new DecodeError('the video has no picture');
    const scale = Math.min(1, 512 / Math.max(w0, h0));
    const width = Math.max(1, Math.round(w0 * scale));
    const height = Math.max(1, Math.round(h0 * scale));
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new DecodeError('no 2-D canvas is available to read frames');
    const duration = Number.isFinite(video.duration) && video.duration > 0 ? video.duration : 0;
    const out: Uint8ClampedArray[] = [];
    for (let i = 0; i < frames; i++) {
      const t = duration ? ((i + 0.5) * duration) / frames : 0;
      if (Math.abs(video.currentTime - t) > 1e-3) {
        const seeked = wait('seeked');
        const shown = presented();
        video.currentTime = t;
        await seeked;
        await shown;
      }
      ctx.drawImage(video, 0, 0, width, height);
      out.push(ctx.getImageData(0, 0, width, height).data);
    }
    return { width, height, frames: out };
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}

/**
 * The browser adapter. In a worker pass `delegate` (messages to the main thread) for non-WAV audio
 * and video; on the main thread it may be omitted.
 */
export function createBrowserAdapter(delegate?: MainThreadDecoders, maxPixels = DEFAULT_LIMITS.maxImagePixels): PlatformAdapter {
  const onMain = () => typeof document !== 'undefined';
  return {
    name: 'browser',
    decodeImage: (bytes, path) => decodeImageBrowser(bytes, path, maxPixels),
    decodeAudio: async (bytes, rate, path) => {
      if (isRiffWave(bytes) || extensionOf(path) === 'wav') return decodeWavAt(bytes, rate);
      if (onMain() || !delegate) return decodeAudioWebAudio(bytes, rate);
      return delegate.decodeAudio(bytes, rate, path);
    },
    probeAudio: async (bytes, path) => {
      if (isRiffWave(bytes) || extensionOf(path) === 'wav') {
        const w = decodeWav(bytes);
        return { sampleRate: w.sampleRate, channels: w.channels, seconds: w.samples.length / w.sampleRate };
      }
      const s = onMain() || !delegate ? await decodeAudioWebAudio(bytes, 16000) : await delegate.decodeAudio(bytes, 16000, path);
      return { sampleRate: 16000, channels: 1, seconds: s.length / 16000 };
    },
    decodeVideo: async (bytes, req, path) => {
      const f = onMain() || !delegate ? await decodeVideoElement(bytes, req.frames, path) : await delegate.decodeVideo(bytes, req.frames, path);
      return f.frames.map((data) => ({ width: f.width, height: f.height, channels: 4 as const, data }));
    },
  };
}
