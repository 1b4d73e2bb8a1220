/**
 * A platform adapter that works inside a Web Worker (and on the page): images through the Data
 * panel's decoder (components/data/browserAdapter.ts, which shrinks to the size hint), WAV audio
 * through the engine's pure decoder. Used only when the train panel loads the built-in demo
 * dataset itself (no dataset from the Data panel).
 */
import { decodeImageBrowser } from '@/components/data/browserAdapter';
import { DecodeError, type DecodedImage, type ImageSizeHint, type PlatformAdapter } from '@/engine/data/adapter';
import { decodeWavAt } from '@/engine/data/wav';

export function createWorkerAdapter(): PlatformAdapter {
  return {
    name: 'browser-worker',
    async decodeImage(bytes: Uint8Array, path: string, hint?: ImageSizeHint): Promise<DecodedImage> {
      try {
        // The Data panel's decoder (pure PNG decoder, createImageBitmap shrinking to the hint).
        return await decodeImageBrowser(bytes, path, hint);
      } catch (e) {
        if (e instanceof DecodeError) throw new DecodeError(`${path}: ${e.message}`, e.code);
        throw new DecodeError(`${path}: not a readable image (${e instanceof Error ? e.message : String(e)})`);
      }
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
