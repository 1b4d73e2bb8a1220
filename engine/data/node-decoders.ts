/**
 * The Node platform adapter: PNG (pngjs), JPEG (jpeg-js) and WAV (pure code in wav.ts) decoding
 * for the CLI and tests. Only Node entry points import this file (pngjs needs Node's zlib);
 * engine code reaches decoders through the {@link PlatformAdapter} it is given.
 */
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { DecodeError, extensionOf, type DecodedImage, type PlatformAdapter } from './adapter';
import { DEFAULT_LIMITS, type DataLimits } from './problems';
import { decodeWav, decodeWavAt } from './wav';

function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/** Decode a PNG or JPEG (sniffed from the bytes, not the name) to 8-bit pixels. */
export function decodeImageNode(bytes: Uint8Array, path = '', maxPixels = DEFAULT_LIMITS.maxImagePixels): DecodedImage {
  if (isPng(bytes)) {
    if (bytes.length < 33) throw new DecodeError('truncated PNG (no IHDR)');
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const w = v.getUint32(16);
    const h = v.getUint32(20);
    // Check the declared size before pngjs allocates for it (a PNG bomb).
    if (w * h > maxPixels) throw new DecodeError(`${w}×${h} pixels is over the limit maxImagePixels = ${maxPixels}`, 'file-too-large');
    let png: PNG;
    try {
      png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (e) {
      throw new DecodeError(`corrupt or truncated PNG (${e instanceof Error ? e.message : String(e)})`);
    }
    // pngjs always expands to RGBA.
    return { width: png.width, height: png.height, channels: 4, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  }
  if (isJpeg(bytes)) {
    try {
      const maxMemoryUsageInMB = Math.ceil((maxPixels * 4) / (1024 * 1024)) + 64;
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: maxPixels / 1e6, maxMemoryUsageInMB });
      return { width: img.width, height: img.height, channels: 4, data: img.data };
    } catch (e) {
      throw new DecodeError(`corrupt or truncated JPEG (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  const ext = extensionOf(path);
  if (['webp', 'gif', 'bmp'].includes(ext)) throw new DecodeError(`.${ext} images are decoded by the browser app; the CLI reads PNG and JPEG`, 'needs-app');
  throw new DecodeError('not a PNG or JPEG file');
}

/** Other audio formats than WAV are decoded by the browser: say so instead of "not a WAV". */
function checkWav(bytes: Uint8Array, path: string): void {
  const riff = bytes.length >= 4 && bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x46;
  const ext = extensionOf(path);
  if (!riff && ext !== 'wav' && ext !== '') throw new DecodeError(`.${ext} audio is decoded by the browser app; the CLI reads WAV`, 'needs-app');
}

/** Decode audio for the CLI: WAV in pure code; other formats need the app. */
export function decodeAudioNode(bytes: Uint8Array, targetRate: number, path = ''): Float32Array {
  checkWav(bytes, path);
  return decodeWavAt(bytes, targetRate);
}

/** The adapter the CLI and Node tests pass to the loader. */
export function createNodeAdapter(limits: Partial<DataLimits> = {}): PlatformAdapter {
  const maxPixels = limits.maxImagePixels ?? DEFAULT_LIMITS.maxImagePixels;
  return {
    name: 'node',
    decodeImage: async (bytes, path) => decodeImageNode(bytes, path, maxPixels),
    decodeAudio: async (bytes, rate, path) => decodeAudioNode(bytes, rate, path),
    probeAudio: async (bytes, path) => {
      checkWav(bytes, path);
      const w = decodeWav(bytes);
      return { sampleRate: w.sampleRate, channels: w.channels, seconds: w.samples.length / w.sampleRate };
    },
    decodeVideo: async () => {
      throw new DecodeError('video is decoded by the browser app (it seeks an HTML video element); the CLI cannot read video frames. Open the dataset in the app, or use image and audio columns here.', 'needs-app');
    },
  };
}
