/**
 * WebGPU detection and lazy registration: the tfjs WebGPU backend is imported only when the
 * runtime has `navigator.gpu`; a fallback (software) adapter, no adapter, or an unregistered
 * backend never counts as WebGPU, so `selectBackend` does not pick it on machines like this one.
 * `navigator.gpu` is stubbed here (Node has none).
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { detectCapabilities, selectBackend } from '../engine/backend/select';
import { registerWebGpuIfPresent } from '../components/train/webgpu';

type Adapter = { info?: { isFallbackAdapter?: boolean }; isFallbackAdapter?: boolean } | null;

const g = globalThis as { navigator?: unknown };
const original = Object.getOwnPropertyDescriptor(globalThis, 'navigator');

function stubGpu(requestAdapter: (() => Promise<Adapter>) | null): void {
  const nav = { hardwareConcurrency: 2, ...(requestAdapter ? { gpu: { requestAdapter } } : {}) };
  Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
}

afterEach(() => {
  if (original) Object.defineProperty(globalThis, 'navigator', original);
  else delete g.navigator;
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
});

describe('WebGPU detection', () => {
  it('a hardware adapter counts only when a tfjs webgpu backend is registered', async () => {
    stubGpu(async () => ({ info: { isFallbackAdapter: false } }));
    expect((await detectCapabilities(true)).webgpu).toBe(true);
    expect((await detectCapabilities(false)).webgpu).toBe(false);
  });

  it('a fallback (software) adapter, no adapter, or a failing request never counts', async () => {
    for (const req of [async () => ({ info: { isFallbackAdapter: true } }), async () => ({ isFallbackAdapter: true }), async () => null, async (): Promise<Adapter> => { throw new Error('no GPU process'); }]) {
      stubGpu(req);
      const caps = await detectCapabilities(true);
      expect(caps.webgpu).toBe(false);
      // With a software WebGL renderer too (this machine), WASM is chosen and WebGPU not offered.
      const choice = selectBackend({ ...caps, webgl: true, webglRenderer: 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)', wasm: true });
      expect(choice.backend).toBe('wasm');
    }
    stubGpu(null);
    expect((await detectCapabilities(true)).webgpu).toBe(false);
  });
});

describe('registerWebGpuIfPresent', () => {
  it('imports nothing without navigator.gpu', async () => {
    stubGpu(null);
    expect(await registerWebGpuIfPresent(tf)).toBe(false);
    expect(tf.findBackendFactory('webgpu')).toBeNull();
  });

  it('registers the tfjs webgpu backend (without starting it) where navigator.gpu exists', async () => {
    await tf.setBackend('cpu');
    stubGpu(async () => null);
    expect(await registerWebGpuIfPresent(tf)).toBe(true);
    expect(tf.findBackendFactory('webgpu')).not.toBeNull();
    expect(tf.getBackend()).toBe('cpu'); // registering does not switch backends
  }, 60_000);
});
