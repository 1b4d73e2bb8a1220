/**
 * The platform adapter: decoding bytes into pixels and samples is platform code (browser APIs in
 * the app, pure decoders in Node); everything after decoding is shared engine code.
 */

/** Decoded pixels, interleaved 8-bit, `channels` per pixel (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA). */
export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array | Uint8ClampedArray;
}

/** The size an image will be resized to (the input node's width and height). */
export interface ImageSizeHint {
  width: number;
  height: number;
}

/**
 * The smallest size a decoder may shrink a `width × height` image to for a `hint`-sized target:
 * one scale for both axes (the aspect ratio is kept), with each side at least twice the target's
 * (the engine's bilinear resize then reads at most 2 × 2 source pixels per output pixel, after a
 * decoder's own antialiased shrink). Never larger than the image.
 */
export function shrinkSize(width: number, height: number, hint: ImageSizeHint | undefined): { width: number; height: number } {
  if (!hint || width < 1 || height < 1) return { width, height };
  const scale = Math.min(1, Math.max((2 * hint.width) / width, (2 * hint.height) / height));
  if (scale >= 1) return { width, height };
  return { width: Math.max(1, Math.ceil(width * scale)), height: Math.max(1, Math.ceil(height * scale)) };
}

/** An audio file's format, as read without resampling. */
export interface AudioInfo {
  sampleRate: number;
  channels: number;
  seconds: number;
}

/** What a video decoder is asked for: `frames` frames sampled evenly over the clip. */
export interface VideoRequest {
  frames: number;
}

export interface PlatformAdapter {
  /** A name for reports, e.g. "node" or "browser". */
  name: string;
  /**
   * Decode an image file, EXIF orientation applied, as 8-bit pixels. With `hint` (the size the
   * caller resizes to), the decoder may shrink while decoding (JPEG DCT scaling, libvips
   * shrink-on-load, createImageBitmap's resize) to no less than {@link shrinkSize} gives: full-size
   * photos then cost memory and time for what the model sees, not for their 24 or 50 megapixels.
   * Throws a {@link DecodeError} (or any error) when it cannot.
   */
  decodeImage(bytes: Uint8Array, path: string, hint?: ImageSizeHint): Promise<DecodedImage>;
  /** Decode an audio file to mono samples in [-1, 1] at `targetRate` Hz. */
  decodeAudio(bytes: Uint8Array, targetRate: number, path: string): Promise<Float32Array>;
  /**
   * Optional: read an audio file's native rate, channels and length without resampling (fast
   * checks in `inspect`). Without it, inspection decodes at 16 kHz.
   */
  probeAudio?(bytes: Uint8Array, path: string): Promise<AudioInfo>;
  /** Decode `req.frames` frames of a video; throws a DecodeError with code 'needs-app' where unsupported. */
  decodeVideo(bytes: Uint8Array, req: VideoRequest, path: string): Promise<DecodedImage[]>;
}

/** A decoding failure with the problem code the loader should report. */
export class DecodeError extends Error {
  constructor(
    message: string,
    readonly code: 'undecodable' | 'needs-app' | 'file-too-large' = 'undecodable',
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'gif', 'bmp'] as const;
export const AUDIO_EXTENSIONS = ['wav', 'mp3', 'ogg', 'flac', 'm4a', 'aac', 'oga', 'opus'] as const;
export const VIDEO_EXTENSIONS = ['mp4', 'webm', 'mov', 'm4v', 'ogv'] as const;

/** The lower-case extension of a path, without the dot. */
export function extensionOf(path: string): string {
  const m = /\.([A-Za-z0-9]+)$/.exec(path);
  return m ? m[1].toLowerCase() : '';
}
