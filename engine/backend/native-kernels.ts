/**
 * FusionLab's own C kernels (engine/backend/native/*.c, built by native/build.sh into
 * fusionlab-kernels.wasm and fusionlab-kernels-shared.wasm) attached to tfjs' WASM backend.
 *
 * Why: the training step's hottest loops that XNNPACK does not cover (the batch-norm forward and
 * gradient, the max-pool gradient) ran as JS loops over the heap or as a dozen element-wise
 * kernels; compiled with SIMD they run several times faster, and one call replaces the dozen. The modules import tfjs' own
 * `WebAssembly.Memory`, so they read and write tensors where they lie: no copy.
 *
 * The caller (Node: node-backend.ts reads the files; browser: the bundler's URLs, fetched) gives
 * the bytes to `registerWasmTrainingKernels`; the module is instantiated synchronously on first
 * use, once per backend instance, because tfjs creates its memory only when the backend starts.
 * When the bytes are absent or instantiation fails (e.g. a synchronous compile refused on a
 * browser's main thread), `nativeKernels` answers null and callers keep tfjs' own path.
 *
 * Pure TypeScript, no Node or DOM imports.
 */

/** The compiled modules: `plain` for tfjs' single-thread builds, `shared` for its threaded build. */
export interface NativeKernelBinaries {
  plain?: BufferSource;
  shared?: BufferSource;
}

/** Exports of the modules (see the C sources for the meaning of every argument; all are heap offsets or sizes). */
export interface NativeKernelExports {
  bn_train_forward(x: number, y: number, mean: number, variance: number, scale: number, offset: number, acc: number, coef: number, rows: number, channels: number, eps: number): void;
  bn_moments(x: number, mean: number, variance: number, acc: number, rows: number, channels: number): void;
  bn_train_backward(dy: number, x: number, mean: number, variance: number, scale: number, gmean: number, gvar: number, dx: number, dscale: number, doffset: number, acc: number, coef: number, rows: number, channels: number, eps: number): void;
  conv2d_backprop_filter(x: number, dy: number, dw: number, N: number, H: number, W: number, Ci: number, Ho: number, Wo: number, Co: number, Fh: number, Fw: number, sh: number, sw: number, pt: number, pl: number): void;
  /** native/adam.c: one Adam step over n floats (x, g, m, v, outputs x', m', v'; then β1, β2, 1−β1, 1−β2, 1−β1^t, 1−β2^t, ε, −lr). */
  adam_update(x: number, g: number, m: number, v: number, ox: number, om: number, ov: number, n: number, b1: number, b2: number, c1: number, c2: number, d1: number, d2: number, eps: number, negLr: number): void;
  /** native/max_pool.c: NHWC dx of a max pool (window kh×kw, strides, dilations, padding before). */
  max_pool_grad(x: number, dy: number, dx: number, n: number, h: number, w: number, c: number, ho: number, wo: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, top: number, left: number): void;
}

const EXPORT_NAMES: ReadonlyArray<keyof NativeKernelExports> = ['bn_train_forward', 'bn_moments', 'bn_train_backward', 'conv2d_backprop_filter', 'max_pool_grad', 'adam_update'];

let binaries: NativeKernelBinaries = {};
/** Bumped by every setNativeKernelBinaries, so that a failure for want of bytes is retried. */
let generation = 0;
/** Per backend instance: its instance's exports, or null when it could not be made (with the bytes of `generation`). */
const instances = new WeakMap<object, { k: NativeKernelExports | null; generation: number }>();
let lastError = '';
/** Off: every caller takes its fallback (tests and benches of the fallback paths). */
let enabled = true;

/** File names of the two builds (native/build.sh). */
export const NATIVE_KERNEL_FILES = { plain: 'fusionlab-kernels.wasm', shared: 'fusionlab-kernels-shared.wasm' } as const;

/**
 * Fetches the builds from their URLs (the app's own origin). A build that cannot be fetched is
 * left out: the kernels it serves then run tfjs' own, slower, code.
 */
export async function fetchNativeKernelBinaries(urls: { plain?: string; shared?: string }): Promise<NativeKernelBinaries> {
  const get = async (url: string | undefined): Promise<ArrayBuffer | undefined> => {
    if (url === undefined) return undefined;
    try {
      const r = await fetch(url);
      return r.ok ? await r.arrayBuffer() : undefined;
    } catch {
      return undefined;
    }
  };
  const [plain, shared] = await Promise.all([get(urls.plain), get(urls.shared)]);
  return { plain, shared };
}

/** Sets the modules' bytes (later calls replace them; instances already made are kept). */
export function setNativeKernelBinaries(b: NativeKernelBinaries): void {
  binaries = b;
  generation++;
}

/** The members of BackendWasm's Emscripten module that hold its memory (single-thread / threaded builds). */
interface EmscriptenMemoryHolder {
  wasm?: { asm?: { memory?: unknown }; wasmMemory?: unknown };
}

function memoryOf(backend: object): WebAssembly.Memory | null {
  const m = (backend as EmscriptenMemoryHolder).wasm;
  const mem = m?.asm?.memory ?? m?.wasmMemory;
  return mem instanceof WebAssembly.Memory ? mem : null;
}

function instantiate(backend: object): NativeKernelExports | null {
  const memory = memoryOf(backend);
  if (memory == null) {
    lastError = "tfjs' WASM memory is not reachable";
    return null;
  }
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = shared ? binaries.shared : binaries.plain;
  if (bytes == null) {
    lastError = `no ${shared ? 'shared-memory' : 'single-thread'} build of the kernels was given`;
    return null;
  }
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    const ex = instance.exports;
    for (const name of EXPORT_NAMES) {
      if (typeof ex[name] !== 'function') throw new Error(`the module lacks ${name}`);
    }
    return ex as unknown as NativeKernelExports;
  } catch (e) {
    lastError = e instanceof Error ? e.message : String(e);
    return null;
  }
}

/**
 * Turns the native kernels off (`false`: {@link nativeKernels} answers null, so every caller
 * runs its fallback) or back on. For tests and benches that compare the two paths; a fused
 * batch-norm kernel already on a model's tape throws while they are off.
 */
export function setNativeKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** The kernels bound to `backend`'s memory (a tfjs BackendWasm), or null when unavailable or turned off. */
export function nativeKernels(backend: object): NativeKernelExports | null {
  if (!enabled) return null;
  const got = instances.get(backend);
  if (got !== undefined && (got.k !== null || got.generation === generation)) return got.k;
  const k = instantiate(backend);
  instances.set(backend, { k, generation });
  return k;
}

/** Why the last instantiation failed ('' when none did): for diagnostics and tests. */
export function nativeKernelsError(): string {
  return lastError;
}
