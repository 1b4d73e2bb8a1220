/**
 * A platform adapter that works inside a Web Worker (and on the page): images through
 * createImageBitmap + OffscreenCanvas, WAV audio through the engine's pure decoder. Used only
 * when the train panel loads the built-in demo dataset itself (no dataset from the Data panel).
 */
import { DecodeError, type DecodedImage, type PlatformAdapter } from '@/engine/data/adapter';
import { decodeWavAt } from '@/engine/data/wav';

export function createWorkerAdapter(): PlatformAdapter {
  return {
    name: 'browser-worker',
    async decodeImage(bytes: Uint8Array, path: string): Promise<DecodedImage> {
      if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas === 'undefined') {
        throw new DecodeError(`${path}: this browser cannot decode images here`, 'needs-app');
      }
      let bmp: ImageBitmap;
      try {
        bmp = await createImageBitmap(new Blob([bytes as BlobPart]));
      } catch (e) {
        throw new DecodeError(`${path}: not a readable image (${e instanceof Error ? e.message : String(e)})`);
      }
      const c = new OffscreenCanvas(bmp.width, bmp.height);
      const ctx = c.getContext('2d');
      if (!ctx) throw new DecodeError(`${path}: no 2D canvas to decode with`, 'needs-app');
      ctx.drawImage(bmp, 0, 0);
      const img = ctx.getImageData(0, 0, bmp.width, bmp.height);
      bmp.close();
      return { width: img.width, height: img.height, channels: 4, data: img.data };
    },
    async decodeAudio(bytes: Uint8Array, targetRate: number, path: string): Promise<Float32Array> {
      try {
        return decodeWavAt(bytes, targetRate);
      } catch (e) {
        throw new DecodeError(`${path}: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
    async decodeVideo(_bytes: Uint8Array, _req: { frames: number }, path: string): Promise<DecodedImage[]> {
      throw new DecodeError(`${path}: video is decoded by the Data panel, not the training worker`, 'needs-app');
    },
  };
}
