/**
 * The browser platform adapter (engine/data/adapter.ts): decoding bytes into pixels and samples
 * with browser APIs. Runs in the data worker or on the main thread; touches no DOM global at
 * import time.
 *
 * - Images: `createImageBitmap` + `OffscreenCanvas` (both exist in workers), no premultiplied
 *   alpha and no colour-space conversion, so pixels equal the file's values (as pngjs in Node);
 *   CMYK JPEGs are the exception (converted to sRGB with their profile, as sharp in Node). The
 *   header (./imageInfo.ts) gives size and EXIF orientation without decoding: the pixel limit is
 *   checked first, and with a size hint the browser decodes straight to the shrunk size (a 24-MP
 *   photo costs ~0.2–0.4 s instead of ~0.7–1.3 s for a full decode and readback). Small
 *   non-interlaced PNGs take a pure decoder (./png.ts): createImageBitmap has a fixed cost per
 *   image in a worker, which capped AV-MNIST at ~200 samples/s.
 * - Audio: WAV is parsed by the engine's pure decoder (`decodeWavAt`) wherever this runs — the
 *   same code as the CLI, and no round trip. Other formats (MP3, OGG, FLAC, M4A…) need
 *   `decodeAudioData`, which Chromium and Firefox do not offer in workers: in a worker they are
 *   handed to the main thread (`delegate.decodeAudio`), which decodes with an
 *   `OfflineAudioContext` at the node's rate and transfers the Float32Array back.
 * - Video: frames by seeking an `HTMLVideoElement`, which only exists on the main thread: always
 *   through `delegate.decodeVideo`.
 */
import { DecodeError, extensionOf, shrinkSize, type DecodedImage, type ImageSizeHint, type PlatformAdapter } from '@/engine/data/adapter';
import { concatBytes } from '@/engine/bytes';
import { crc32 } from '@/engine/data/png';
import { DEFAULT_LIMITS } from '@/engine/data/problems';
import { decodeWavAt, framesForOutput, isRiffWave, readWavInfo, resample } from '@/engine/data/wav';
import { brokenImageReason, orientRgba, readImageInfo, type ImageFormat, type ImageInfo } from './imageInfo';
import { decodePngFast } from './png';
import type { DecodedFrames } from './protocol';

/** Work only the main thread can do (audio other than WAV, video). */
export interface MainThreadDecoders {
  /** `maxSamples`: only the first samples are wanted (a clip); see {@link decodeAudioWebAudio}. */
  decodeAudio(bytes: Uint8Array, rate: number, path: string, maxSamples?: number): Promise<Float32Array>;
  decodeVideo(bytes: Uint8Array, frames: number, path: string): Promise<DecodedFrames>;
}

function copyBytes(bytes: Uint8Array): ArrayBuffer {
  // A standalone ArrayBuffer (the view may be a slice of a larger buffer, e.g. an unpacked zip).
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}

/** A Blob of the bytes (the Blob copies the view's range; only shared memory needs a copy first). */
function blobOf(bytes: Uint8Array): Blob {
  return new Blob([bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : copyBytes(bytes)]);
}

// ---- canvases --------------------------------------------------------------------------------

/** Canvases up to this size are kept for reuse (shrunk photos, icons); larger ones are released. */
const CANVAS_CACHE_PIXELS = 1 << 20;
const CANVAS_CACHE_SIZE = 8;
/** Reusable CPU-backed canvases by size, least recently used first: at most 8 × 1 MP (32 MB). */
const canvases = new Map<string, OffscreenCanvasRenderingContext2D>();

function newContext(width: number, height: number): OffscreenCanvasRenderingContext2D {
  const c = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!c) throw new DecodeError('no 2-D canvas is available to read pixels');
  return c;
}

/** Read an ImageBitmap's RGBA pixels through a canvas (reused for small sizes). */
function readPixels(bmp: ImageBitmap): Uint8ClampedArray {
  const { width, height } = bmp;
  const key = `${width}x${height}`;
  const cacheable = width * height <= CANVAS_CACHE_PIXELS;
  let ctx = cacheable ? canvases.get(key) : undefined;
  if (ctx) canvases.delete(key); // re-inserted below as the most recent
  else ctx = newContext(width, height);
  ctx.clearRect(0, 0, width, height);
  ctx.drawImage(bmp, 0, 0);
  const data = ctx.getImageData(0, 0, width, height).data;
  if (cacheable) {
    canvases.set(key, ctx);
    if (canvases.size > CANVAS_CACHE_SIZE) {
      const [oldKey, old] = canvases.entries().next().value as [string, OffscreenCanvasRenderingContext2D];
      canvases.delete(oldKey);
      old.canvas.width = old.canvas.height = 0;
    }
  } else {
    // Release a large canvas's backing store now rather than at the next garbage collection.
    ctx.canvas.width = ctx.canvas.height = 0;
  }
  return data;
}

// ---- decode budget ---------------------------------------------------------------------------

/**
 * Browser decodes in flight at once, by the pixels of the files being decoded: the loader has 8
 * rows in flight, and createImageBitmap holds a full-size decode of each photo while it shrinks it
 * (4 bytes a pixel: 96 MB for 24 MP). Over the budget a decode waits for others to finish; one
 * decode always runs, however large. See bench/data-browser.ts for the measurements.
 */
let decodeBudgetPixels = 50_000_000;
let pixelsInFlight = 0;
const waiting: { pixels: number; go: () => void }[] = [];

/** Set the decode budget (benchmarks); returns the previous one. */
export function setImageDecodeBudget(pixels: number): number {
  const old = decodeBudgetPixels;
  decodeBudgetPixels = Math.max(1, pixels);
  return old;
}

async function acquire(pixels: number): Promise<void> {
  if (waiting.length === 0 && (pixelsInFlight === 0 || pixelsInFlight + pixels <= decodeBudgetPixels)) {
    pixelsInFlight += pixels;
    return;
  }
  await new Promise<void>((go) => waiting.push({ pixels, go }));
}

function release(pixels: number): void {
  pixelsInFlight -= pixels;
  while (waiting.length && (pixelsInFlight === 0 || pixelsInFlight + waiting[0].pixels <= decodeBudgetPixels)) {
    const w = waiting.shift() as (typeof waiting)[number];
    pixelsInFlight += w.pixels;
    w.go();
  }
}

// ---- EXIF orientation ------------------------------------------------------------------------

/** A TIFF structure (big-endian) with IFD0 = { Orientation: 6 }. */
const EXIF_ORIENTATION_6 = [0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0];
/** 2 × 1 images without metadata (written by sharp): grey JPEG, RGB PNG, lossless WebP. */
const PROBE_BASE: Record<'jpeg' | 'png' | 'webp', string> = {
  jpeg: '/9j/2wBDAFA3PEY8MlBGQUZaVVBfeMiCeG5uePWvuZHI////////////////////////////////////////////////////wAALCAABAAIBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAABP/EABkQAAEFAAAAAAAAAAAAAAAAAAMAATNysf/aAAgBAQAAPwAppyWfV//Z',
  png: 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAADUlEQVQI12P4zwAE/wEHAAH/GSbxIwAAAABJRU5ErkJggg==',
  webp: 'UklGRh4AAABXRUJQVlA4TBEAAAAvAQAAAA8Q87//8x8OMqL/AQA=',
};

/** The 2 × 1 probe of `format` with EXIF orientation 6, placed where cameras and encoders put it. */
export function orientationProbe(format: 'jpeg' | 'png' | 'webp'): Uint8Array {
  const base = Uint8Array.from(atob(PROBE_BASE[format]), (c) => c.charCodeAt(0));
  const exif = Uint8Array.from(EXIF_ORIENTATION_6);
  const bytes = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
  switch (format) {
    case 'jpeg': {
      const app1 = [0xff, 0xe1, 0, 2 + 6 + exif.length, ...bytes('Exif\0\0'), ...exif];
      return concatBytes([base.subarray(0, 2), Uint8Array.from(app1), base.subarray(2)]);
    }
    case 'png': {
      const chunk = new Uint8Array(12 + exif.length);
      const v = new DataView(chunk.buffer);
      v.setUint32(0, exif.length);
      chunk.set(bytes('eXIf'), 4);
      chunk.set(exif, 8);
      v.setUint32(8 + exif.length, crc32(chunk.subarray(4, 8 + exif.length)));
      return concatBytes([base.subarray(0, 33), chunk, base.subarray(33)]);
    }
    case 'webp': {
      // VP8X (EXIF flag, canvas 2 × 1) + the VP8L chunk + an EXIF chunk.
      const vp8x = Uint8Array.from([...bytes('VP8X'), 10, 0, 0, 0, 0x08, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
      const exifChunk = Uint8Array.from([...bytes('EXIF'), exif.length, 0, 0, 0, ...exif]);
      const body = concatBytes([Uint8Array.from(bytes('WEBP')), vp8x, base.subarray(12), exifChunk]);
      const head = Uint8Array.from([...bytes('RIFF'), body.length & 0xff, (body.length >> 8) & 0xff, 0, 0]);
      return concatBytes([head, body]);
    }
    default: {
      const _x: never = format;
      return _x;
    }
  }
}

const orientsCache = new Map<ImageFormat, Promise<boolean>>();

/**
 * Whether this browser's createImageBitmap applies EXIF orientation to `format` itself. Asked once
 * per format, of a 2 × 1 probe image: Chromium applies it for JPEG and PNG (eXIf) but not WebP;
 * where the browser does not, the adapter turns the pixels itself. GIF and BMP have no EXIF.
 */
export function browserAppliesOrientation(format: ImageFormat): Promise<boolean> {
  if (format !== 'jpeg' && format !== 'png' && format !== 'webp') return Promise.resolve(true);
  let p = orientsCache.get(format);
  if (!p) {
    p = (async () => {
      try {
        const bmp = await createImageBitmap(new Blob([orientationProbe(format) as Uint8Array<ArrayBuffer>]), { imageOrientation: 'from-image' });
        const applied = bmp.width === 1 && bmp.height === 2;
        bmp.close();
        return applied;
      } catch {
        return true; // the probe does not decode: neither will the file, nothing to turn
      }
    })();
    orientsCache.set(format, p);
  }
  return p;
}

// ---- images ----------------------------------------------------------------------------------

/**
 * Non-interlaced PNGs up to this many pixels take the pure decoder (./png.ts); larger ones go to
 * createImageBitmap when a hint lets it shrink them. Measured in a worker (headless Chromium 156,
 * 2 cores): pure 0.3 ms vs createImageBitmap 1.2 ms at 64 × 43, even at 256 × 171 (2.1 vs 2.2 ms),
 * createImageBitmap with a 64-px hint ahead above (512 × 341: 5.9 vs 3.6 ms; 3000 × 2000: 295 vs
 * 100 ms; 16-bit 3000 × 2000: 458 vs 137 ms).
 */
const PURE_PNG_MAX_PIXELS = 1 << 16;

function tooLarge(w: number, h: number, maxPixels: number): DecodeError {
  return new DecodeError(`${w}×${h} pixels is over the limit maxImagePixels = ${maxPixels}`, 'file-too-large');
}

/** The upright size of a header's image (EXIF orientations 5–8 swap the sides). */
function upright(info: ImageInfo): { width: number; height: number } {
  return info.orientation >= 5 ? { width: info.height, height: info.width } : { width: info.width, height: info.height };
}

/** createImageBitmap within the decode budget (`cost` pixels held while it runs); failures say why. */
async function budgetedBitmap(blob: Blob, options: ImageBitmapOptions, cost: number, bytes: Uint8Array, path: string): Promise<ImageBitmap> {
  await acquire(cost);
  try {
    return await bitmapOf(blob, options);
  } catch (e) {
    throw undecodable(bytes, path, e);
  } finally {
    release(cost);
  }
}

/**
 * Decode an image to RGBA, EXIF orientation applied: small non-interlaced PNGs with the pure
 * decoder, everything else with createImageBitmap (shrunk to {@link shrinkSize} of `hint`).
 * The header's size is checked against `maxPixels` before anything is decoded.
 */
export async function decodeImageBrowser(bytes: Uint8Array, path: string, hint?: ImageSizeHint, maxPixels = DEFAULT_LIMITS.maxImagePixels): Promise<DecodedImage> {
  if (bytes.length === 0) throw new DecodeError('empty file (0 bytes)');
  const head = readImageInfo(bytes);
  if (head.ok && head.info.format === 'png') {
    const info = head.info;
    if (info.width * info.height > maxPixels) throw tooLarge(info.width, info.height, maxPixels);
    const up = upright(info);
    const target = shrinkSize(up.width, up.height, hint);
    const shrinks = target.width < up.width || target.height < up.height;
    if (!info.interlaced && (info.width * info.height <= PURE_PNG_MAX_PIXELS || !shrinks)) {
      const fast = decodePngFast(bytes);
      if (fast) return info.orientation === 1 ? fast : { ...orientRgba(fast.data, fast.width, fast.height, info.orientation), channels: 4 };
    }
  }
  return decodeImageBitmap(bytes, path, hint, maxPixels);
}

const BITMAP_OPTIONS: ImageBitmapOptions = { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'none' };

async function bitmapOf(source: Blob | ImageBitmap, options: ImageBitmapOptions): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(source, options);
  } catch (e) {
    // A browser from before imageOrientation: 'from-image' (it applies EXIF orientation anyway).
    if (e instanceof TypeError && options.imageOrientation) return createImageBitmap(source, { ...options, imageOrientation: undefined });
    throw e;
  }
}

function undecodable(bytes: Uint8Array, path: string, e: unknown): DecodeError {
  const reason = brokenImageReason(bytes, extensionOf(path));
  // The browser's own words add something only when they are not its generic "could not be decoded".
  const said = e instanceof Error && e.message && !/could not be decoded/i.test(e.message) ? ` (${e.name}: ${e.message})` : '';
  return new DecodeError(`${reason}${said}`);
}

/**
 * Decode any image the browser reads with createImageBitmap + OffscreenCanvas to RGBA, EXIF
 * orientation applied. With `hint`, the browser shrinks while decoding to {@link shrinkSize} of
 * the upright size (resizeQuality 'high'), read from the header first: one decode, and the pixel
 * limit checked before it. Files whose header is not understood are decoded at full size, checked,
 * then shrunk. File colour values are kept (no colour-space conversion) except for CMYK JPEGs,
 * which the browser converts to sRGB with their embedded profile.
 */
export async function decodeImageBitmap(bytes: Uint8Array, path: string, hint?: ImageSizeHint, maxPixels = DEFAULT_LIMITS.maxImagePixels): Promise<DecodedImage> {
  if (bytes.length === 0) throw new DecodeError('empty file (0 bytes)');
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas === 'undefined') {
    throw new DecodeError('this browser cannot decode images here (no createImageBitmap and OffscreenCanvas)', 'needs-app');
  }
  const head = readImageInfo(bytes);
  const blob = blobOf(bytes);
  if (head.ok) {
    const info = head.info;
    if (info.width * info.height > maxPixels) throw tooLarge(info.width, info.height, maxPixels);
    const up = upright(info);
    const target = shrinkSize(up.width, up.height, hint);
    const resize = target.width !== up.width || target.height !== up.height;
    // Where the browser leaves the orientation to us, it decodes (and shrinks) the stored picture.
    const turn = info.orientation !== 1 && !(await browserAppliesOrientation(info.format));
    const out = turn && info.orientation >= 5 ? { width: target.height, height: target.width } : target;
    const options: ImageBitmapOptions = {
      ...BITMAP_OPTIONS,
      colorSpaceConversion: info.cmyk ? 'default' : 'none',
      ...(resize ? { resizeWidth: out.width, resizeHeight: out.height, resizeQuality: 'high' as const } : {}),
    };
    const bmp = await budgetedBitmap(blob, options, info.width * info.height, bytes, path);
    try {
      const data = readPixels(bmp);
      if (!turn) return { width: bmp.width, height: bmp.height, channels: 4, data };
      return { ...orientRgba(data, bmp.width, bmp.height, info.orientation), channels: 4 };
    } finally {
      bmp.close();
    }
  }
  // A header this code does not read (DNL JPEG, AVIF…): decode at full size, then check and shrink.
  let bmp = await budgetedBitmap(blob, BITMAP_OPTIONS, decodeBudgetPixels / 2, bytes, path); // size unknown: half the budget
  try {
    if (bmp.width * bmp.height > maxPixels) throw tooLarge(bmp.width, bmp.height, maxPixels);
    const target = shrinkSize(bmp.width, bmp.height, hint);
    if (target.width !== bmp.width || target.height !== bmp.height) {
      const small = await bitmapOf(bmp, { premultiplyAlpha: 'none', resizeWidth: target.width, resizeHeight: target.height, resizeQuality: 'high' });
      bmp.close();
      bmp = small;
    }
    return { width: bmp.width, height: bmp.height, channels: 4, data: readPixels(bmp) };
  } finally {
    bmp.close();
  }
}

/**
 * Decode audio with the Web Audio API (main thread only): `decodeAudioData` resamples to the
 * context's rate, so the context runs at the node's rate. Rates outside the range the API allows
 * (3 kHz–768 kHz) decode at 48 kHz and are resampled by the engine's resampler. With `maxSamples`
 * (a clip), only the frames those samples need are mixed down and resampled, as for WAV
 * (`decodeWavAt`); `decodeAudioData` itself always decodes the whole file (the browser offers no
 * partial decode), which only the file-size limit bounds.
 */
export async function decodeAudioWebAudio(bytes: Uint8Array, rate: number, maxSamples?: number): Promise<Float32Array> {
  if (typeof OfflineAudioContext === 'undefined') throw new DecodeError('this browser has no Web Audio API to decode the file', 'needs-app');
  const native = rate >= 3000 && rate <= 768000;
  const ctx = new OfflineAudioContext(1, 1, native ? rate : 48000);
  let buf: AudioBuffer;
  try {
    buf = await ctx.decodeAudioData(copyBytes(bytes));
  } catch (e) {
    throw new DecodeError(`the browser cannot decode this audio (corrupt, truncated or an unsupported codec)${e instanceof Error && e.message ? `: ${e.message}` : ''}`);
  }
  const n = maxSamples === undefined ? buf.length : Math.min(buf.length, framesForOutput(maxSamples, buf.sampleRate, rate));
  const out = new Float32Array(n);
  for (let c = 0; c < buf.numberOfChannels; c++) {
    const ch = buf.getChannelData(c);
    for (let i = 0; i < n; i++) out[i] += ch[i] / buf.numberOfChannels;
  }
  return native ? out : resample(out, buf.sampleRate, rate, maxSamples);
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
 * The browser adapter: a {@link PlatformAdapter} whose `decodeAudio` also takes `maxSamples` (only
 * the first samples are wanted: previews), which the engine's interface does not pass yet.
 */
export type BrowserAdapter = PlatformAdapter & { decodeAudio(bytes: Uint8Array, rate: number, path: string, maxSamples?: number): Promise<Float32Array> };

/**
 * The browser adapter. In a worker pass `delegate` (messages to the main thread) for non-WAV audio
 * and video; on the main thread it may be omitted.
 */
export function createBrowserAdapter(delegate?: MainThreadDecoders, maxPixels = DEFAULT_LIMITS.maxImagePixels): BrowserAdapter {
  const onMain = () => typeof document !== 'undefined';
  return {
    name: 'browser',
    decodeImage: (bytes, path, hint) => decodeImageBrowser(bytes, path, hint, maxPixels),
    decodeAudio: async (bytes: Uint8Array, rate: number, path: string, maxSamples?: number) => {
      if (isRiffWave(bytes) || extensionOf(path) === 'wav') return decodeWavAt(bytes, rate, maxSamples);
      if (onMain() || !delegate) return decodeAudioWebAudio(bytes, rate, maxSamples);
      return delegate.decodeAudio(bytes, rate, path, maxSamples);
    },
    probeAudio: async (bytes, path) => {
      if (isRiffWave(bytes) || extensionOf(path) === 'wav') {
        // The header alone (sizes, rate, channels checked): probing decodes no sample.
        const w = readWavInfo(bytes);
        return { sampleRate: w.sampleRate, channels: w.channels, seconds: w.seconds };
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
