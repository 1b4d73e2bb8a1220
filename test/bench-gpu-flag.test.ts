import { describe, expect, it } from 'vitest';
import { chromiumGpuArgs, describeGpu, gpuModeFromArgs } from '../bench/backend-browser';

describe('bench/backend-browser.ts --gpu', () => {
  it('reads the flag: none is SwiftShader, bare --gpu is Vulkan, anything else is refused', () => {
    expect(gpuModeFromArgs(['--quick'])).toBe('software');
    expect(gpuModeFromArgs(['--gpu'])).toBe('vulkan');
    expect(gpuModeFromArgs(['--gpu=vulkan'])).toBe('vulkan');
    expect(gpuModeFromArgs(['--quick', '--gpu=webgpu'])).toBe('webgpu');
    expect(() => gpuModeFromArgs(['--gpu=cuda'])).toThrow(/vulkan or webgpu/);
  });

  it('launches on SwiftShader by default and on Vulkan (plus WebGPU) with the flag', () => {
    expect(chromiumGpuArgs('software')).toContain('--use-angle=swiftshader');
    expect(chromiumGpuArgs('vulkan')).toContain('--use-angle=vulkan');
    expect(chromiumGpuArgs('vulkan')).not.toContain('--enable-unsafe-webgpu');
    expect(chromiumGpuArgs('webgpu')).toEqual([...chromiumGpuArgs('vulkan'), '--enable-unsafe-webgpu']);
  });

  it('tells a software renderer from a GPU in its report', () => {
    const sw = describeGpu({ webglRenderer: 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)', webglVendor: 'Google Inc. (Google)', webgpuApi: true, webgpuAdapter: 'google / swiftshader', webgpuFallback: true });
    expect(sw).toMatch(/software \(SwiftShader\)/);
    expect(sw).toMatch(/fallback \(software\) adapter/);
    const hw = describeGpu({ webglRenderer: 'ANGLE (AMD, Vulkan 1.3.260 (AMD Radeon RX 6600 (RADV NAVI23)), radv)', webglVendor: 'Google Inc. (AMD)', webgpuApi: true, webgpuAdapter: 'amd / rdna-2', webgpuFallback: false });
    expect(hw).toMatch(/hardware GPU/);
    expect(hw).not.toMatch(/fallback/);
    expect(describeGpu({ webglRenderer: null, webglVendor: null, webgpuApi: false, webgpuAdapter: null, webgpuFallback: false })).toMatch(/no WebGL[\s\S]*off \(no navigator\.gpu\)/);
  });
});
