/**
 * Node-only backend set-up for the CLI, tests and benchmarks.
 *
 * This file imports `node:` modules, so browser code must never import it (the app uses
 * `select.ts` + `wasm-kernels.ts` and serves the .wasm files itself).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { NATIVE_KERNEL_FILES, type NativeKernelBinaries } from './native-kernels';
import { registerWasmTrainingKernels, type WasmKernelOptions } from './wasm-kernels';

/** Which backend the Node process should run on. */
export type NodeBackendKind = 'wasm' | 'cpu';

/** What `initNodeBackend` ended up with. */
export interface NodeBackendInfo {
  backend: NodeBackendKind;
  /** True when the SIMD build of the WASM binary was loaded. */
  simd: boolean;
  /** XNNPACK threads in use (always 1 in Node: tfjs disables WASM threads there). */
  threads: number;
  /** Kernel names registered by `registerWasmTrainingKernels` (empty for 'cpu'). */
  addedKernels: string[];
}

/** Absolute directory holding tfjs-backend-wasm*.wasm inside node_modules, with a trailing slash. */
export function wasmBinaryDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

/** FusionLab's compiled C kernels (native/build.sh), read from beside this file. */
export function nativeKernelBinaries(): NativeKernelBinaries {
  const read = (name: string) => new Uint8Array(readFileSync(new URL(`./native/${name}`, import.meta.url)));
  return { plain: read(NATIVE_KERNEL_FILES.plain), shared: read(NATIVE_KERNEL_FILES.shared) };
}

/**
 * Selects and initialises a tfjs backend in Node. For 'wasm' it points tfjs at the binaries in
 * node_modules and registers the training kernels the WASM backend lacks (options: see
 * `registerWasmTrainingKernels`). SIMD is used when Node supports it (Node 16.4+ does); threads
 * are not: tfjs forces WASM_HAS_MULTITHREAD_SUPPORT off in Node, and forcing it on fails because
 * the threaded build starts its pthread workers from blob: URLs, which Node's worker_threads
 * reject (ERR_WORKER_PATH). Idempotent.
 */
export async function initNodeBackend(kind: NodeBackendKind = 'wasm', options: WasmKernelOptions = {}): Promise<NodeBackendInfo> {
  let addedKernels: string[] = [];
  if (kind === 'wasm') {
    // A plain absolute path: the Node build of tfjs-backend-wasm reads it with fs, not fetch.
    setWasmPaths(wasmBinaryDir());
    addedKernels = registerWasmTrainingKernels(tf, { native: nativeKernelBinaries(), ...options });
  }
  const ok = await tf.setBackend(kind);
  if (!ok) throw new Error(`tfjs backend '${kind}' failed to initialise`);
  await tf.ready();
  const simd = kind === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : false;
  const threads = kind === 'wasm' ? getThreadsCount() : 1;
  return { backend: kind, simd, threads, addedKernels };
}
