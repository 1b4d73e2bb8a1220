/**
 * NumPy `.npy` and `.npz` writers (pure TS, fflate for the zip): a named set of float32 (or int64)
 * arrays that `numpy.load` reads. Format: NEP 1 (.npy v1.0), an uncompressed zip of `<name>.npy`.
 */
import { zipSync } from 'fflate';

/** One array: row-major data and its shape. */
export interface NpyArray {
  data: Float32Array | BigInt64Array;
  shape: number[];
}

/** The bytes of one `.npy` file (version 1.0, little-endian, C order). */
export function encodeNpy(a: NpyArray): Uint8Array {
  const descr = a.data instanceof Float32Array ? '<f4' : '<i8';
  const shape = a.shape.length === 0 ? '()' : a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const body = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = header.length & 0xff;
  out[9] = (header.length >> 8) & 0xff;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, 10 + header.length);
  return out;
}

/** An `.npz` archive of named arrays (names must not contain '/' handling beyond zip paths). */
export function encodeNpz(arrays: Record<string, NpyArray>): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const [name, a] of Object.entries(arrays)) files[`${name}.npy`] = [encodeNpy(a), { level: 0 }];
  return zipSync(files);
}
