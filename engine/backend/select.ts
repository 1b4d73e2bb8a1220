/**
 * Choosing a tfjs backend from what the machine can do (DESIGN.md, "Backends and speed"):
 * a real GPU → WebGPU or WebGL; no GPU or a software renderer (SwiftShader, llvmpipe, …) → WASM
 * with the training kernels of wasm-kernels.ts; neither WebGL nor WASM → the plain CPU backend.
 *
 * `selectBackend` is pure (unit-tested); `detectCapabilities` reads the browser or worker it runs
 * in, and touches no DOM global until it is called.
 */

/** The tfjs backends FusionLab can run on. */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** What the runtime offers; `detectCapabilities` fills it in a browser or worker. */
export interface BackendCapabilities {
  /** A WebGPU adapter that is not a fallback (software) adapter, and a tfjs webgpu backend registered. */
  webgpu: boolean;
  /** A WebGL context can be created. */
  webgl: boolean;
  /** The WebGL renderer string (unmasked where the browser allows), or null without WebGL. */
  webglRenderer: string | null;
  /** WebAssembly is available. */
  wasm: boolean;
  /** WebAssembly SIMD validates. */
  wasmSimd: boolean;
  /** WebAssembly threads validate and SharedArrayBuffer can be posted. */
  wasmThreads: boolean;
  /** The page or worker is cross-origin isolated (COOP + COEP), which SharedArrayBuffer requires. */
  crossOriginIsolated: boolean;
  /** navigator.hardwareConcurrency (1 when unknown). */
  hardwareConcurrency: number;
}

/** The decision, with a sentence the app shows to the user. */
export interface BackendChoice {
  backend: BackendName;
  /** Why, in plain words (names the software renderer or missing feature when relevant). */
  reason: string;
  /** The software renderer detected in the WebGL renderer string, if any. */
  softwareRenderer: string | null;
  /** What the WASM backend will use if it runs: which binary tfjs loads. */
  wasmFeatures: { simd: boolean; threads: boolean };
  /** XNNPACK threads WASM will use: half the logical cores (tfjs's own cap), at most 8; 1 without threads. */
  wasmThreadCount: number;
}

const SOFTWARE_RENDERERS: Array<[RegExp, string]> = [
  [/swiftshader/i, 'SwiftShader'],
  [/llvmpipe/i, 'llvmpipe'],
  [/lavapipe/i, 'lavapipe'],
  [/softpipe/i, 'softpipe'],
  [/mesa offscreen/i, 'Mesa OffScreen'],
  [/basic render driver/i, 'Microsoft Basic Render Driver'],
  [/gdi generic/i, 'GDI Generic'],
  [/\bsoftware\b/i, 'a software renderer'],
];

/** The name of the software renderer in a WebGL renderer string, or null for real (or masked) GPUs. */
export function detectSoftwareRenderer(renderer: string | null): string | null {
  if (renderer == null) return null;
  for (const [re, name] of SOFTWARE_RENDERERS) if (re.test(renderer)) return name;
  return null;
}

function wasmFeaturesOf(c: BackendCapabilities): { simd: boolean; threads: boolean } {
  return { simd: c.wasm && c.wasmSimd, threads: c.wasm && c.wasmThreads && c.crossOriginIsolated && c.hardwareConcurrency > 1 };
}

/**
 * XNNPACK threads tfjs-wasm 4.22 will run: its C++ caps them at hardwareConcurrency / 2 (it
 * assumes two hardware threads per core) and at 8, whatever `setThreadsCount` asks.
 */
function wasmThreadsFor(c: BackendCapabilities): number {
  return wasmFeaturesOf(c).threads ? Math.max(1, Math.min(8, Math.floor(c.hardwareConcurrency / 2))) : 1;
}

function wasmDetail(c: BackendCapabilities): string {
  const f = wasmFeaturesOf(c);
  const parts = [f.simd ? 'SIMD' : 'no SIMD'];
  const n = wasmThreadsFor(c);
  if (f.threads && n > 1) parts.push(`${n} threads`);
  else if (f.threads) parts.push(`1 thread: tfjs uses half of the ${c.hardwareConcurrency} logical cores`);
  else if (c.wasmThreads && !c.crossOriginIsolated) parts.push('1 thread: the page is not cross-origin isolated (COOP/COEP headers), so SharedArrayBuffer is off');
  else if (c.hardwareConcurrency <= 1) parts.push('1 thread: one CPU core');
  else parts.push('1 thread: WebAssembly threads unsupported');
  return parts.join(', ');
}

function available(c: BackendCapabilities, b: BackendName): boolean {
  switch (b) {
    case 'webgpu': return c.webgpu;
    case 'webgl': return c.webgl;
    case 'wasm': return c.wasm;
    case 'cpu': return true;
    default: {
      const _x: never = b;
      return _x;
    }
  }
}

function auto(c: BackendCapabilities): { backend: BackendName; reason: string } {
  const sw = detectSoftwareRenderer(c.webglRenderer);
  if (c.webgl && sw == null) {
    if (c.webgpu) return { backend: 'webgpu', reason: `WebGPU on a hardware GPU (${c.webglRenderer ?? 'unknown'})` };
    return { backend: 'webgl', reason: `WebGL on a hardware GPU (${c.webglRenderer ?? 'unknown renderer'})` };
  }
  if (c.wasm) {
    const why = sw != null
      ? `WebGL runs on ${sw}, a software renderer, which is far slower than WASM on the CPU`
      : 'no WebGL';
    return { backend: 'wasm', reason: `WASM (${wasmDetail(c)}): ${why}` };
  }
  if (c.webgl) return { backend: 'webgl', reason: `WebGL on ${sw ?? 'a software renderer'}: WebAssembly is unavailable` };
  return { backend: 'cpu', reason: 'plain JavaScript CPU backend: neither WebGL nor WebAssembly is available (slow)' };
}

/**
 * Picks the backend for training and inference.
 * @param caps what the runtime offers (from `detectCapabilities`, or hand-made in tests/CLI)
 * @param preferred the user's explicit choice; honoured when available, else the automatic
 *   choice is used and the reason says why the preference was not possible.
 */
export function selectBackend(caps: BackendCapabilities, preferred?: BackendName): BackendChoice {
  const common = {
    softwareRenderer: detectSoftwareRenderer(caps.webglRenderer),
    wasmFeatures: wasmFeaturesOf(caps),
    wasmThreadCount: wasmThreadsFor(caps),
  };
  if (preferred != null && available(caps, preferred)) {
    const detail = preferred === 'wasm' ? ` (${wasmDetail(caps)})` : '';
    return { backend: preferred, reason: `${preferred}${detail}: chosen by the user`, ...common };
  }
  const a = auto(caps);
  const reason = preferred != null ? `${preferred} is not available here, so: ${a.reason}` : a.reason;
  return { backend: a.backend, reason, ...common };
}

// Tiny WebAssembly modules from GoogleChromeLabs/wasm-feature-detect (the ones tfjs uses).
const SIMD_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11];
const THREADS_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0, 26, 11];

function validates(bytes: number[]): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(new Uint8Array(bytes));
  } catch {
    return false;
  }
}

function webglInfo(): { ok: boolean; renderer: string | null } {
  try {
    let canvas: OffscreenCanvas | HTMLCanvasElement | null = null;
    if (typeof OffscreenCanvas !== 'undefined') canvas = new OffscreenCanvas(1, 1);
    else if (typeof document !== 'undefined') canvas = document.createElement('canvas');
    if (canvas == null) return { ok: false, renderer: null };
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | WebGL2RenderingContext | null;
    if (gl == null) return { ok: false, renderer: null };
    const dbg = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return { ok: true, renderer };
  } catch {
    return { ok: false, renderer: null };
  }
}

/** Minimal shape of navigator.gpu (lib.dom of TypeScript 5.9 may lack WebGPU types). */
interface GpuLike {
  requestAdapter(): Promise<{ info?: { isFallbackAdapter?: boolean }; isFallbackAdapter?: boolean } | null>;
}

/**
 * Reads the capabilities of the current browser page or worker.
 * @param webgpuBackendRegistered whether a tfjs 'webgpu' backend is registered (FusionLab ships
 *   none by default, so WebGPU is then never chosen).
 */
export async function detectCapabilities(webgpuBackendRegistered = false): Promise<BackendCapabilities> {
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  // Our own narrow type: lib.dom's WebGPU typings differ between TypeScript versions.
  const gpu = (nav as unknown as { gpu?: GpuLike } | undefined)?.gpu;
  let webgpu = false;
  if (webgpuBackendRegistered && gpu) {
    try {
      const adapter = await gpu.requestAdapter();
      webgpu = adapter != null && !(adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false);
    } catch {
      webgpu = false;
    }
  }
  const gl = webglInfo();
  let sabPostable = false;
  try {
    new MessageChannel().port1.postMessage(new SharedArrayBuffer(1));
    sabPostable = true;
  } catch {
    sabPostable = false;
  }
  const wasm = typeof WebAssembly === 'object';
  return {
    webgpu,
    webgl: gl.ok,
    webglRenderer: gl.renderer,
    wasm,
    wasmSimd: wasm && validates(SIMD_PROBE),
    wasmThreads: wasm && sabPostable && validates(THREADS_PROBE),
    crossOriginIsolated: Boolean((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated),
    hardwareConcurrency: nav?.hardwareConcurrency ?? 1,
  };
}
