/**
 * MaxPoolGrad on WASM per call: FusionLab's C kernel (native/max_pool.c) against the JS heap
 * loop it replaces (the fallback when the native module is not loaded), alternating in one run
 * so that machine load hits both alike. Shapes: the AV-MNIST template's four pooling layers
 * (2×2 stride 2 valid, batch 32) and two overlapping/padded pools. Prints the median
 * milliseconds per call of each and their ratio; asserts nothing.
 *
 * usage: npx tsx --import ./scripts/raw-loader.mjs bench/max-pool-grad.ts [--reps 30]
 */
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../engine/backend/node-backend';
import { nativeKernels, setNativeKernelsEnabled } from '../engine/backend/native-kernels';
import { printTable, stats } from './table';

const i = process.argv.indexOf('--reps');
const REPS = i >= 0 ? Number(process.argv[i + 1]) : 30;

interface Case {
  name: string;
  shape: [number, number, number, number];
  k: number;
  s: number;
  pad: 'valid' | 'same';
}

const CASES: Case[] = [
  { name: 'AV-MNIST audio 1', shape: [32, 61, 32, 16], k: 2, s: 2, pad: 'valid' },
  { name: 'AV-MNIST audio 2', shape: [32, 30, 16, 32], k: 2, s: 2, pad: 'valid' },
  { name: 'AV-MNIST image 1', shape: [32, 28, 28, 16], k: 2, s: 2, pad: 'valid' },
  { name: 'AV-MNIST image 2', shape: [32, 14, 14, 32], k: 2, s: 2, pad: 'valid' },
  { name: '3×3/1 same', shape: [32, 28, 28, 16], k: 3, s: 1, pad: 'same' },
  { name: '3×3/2 same, C = 6', shape: [32, 29, 29, 6], k: 3, s: 2, pad: 'same' },
];

async function main(): Promise<void> {
  await initNodeBackend('wasm');
  if (nativeKernels(tf.backend()) == null) throw new Error('the native kernels did not load');
  const rows = [['MaxPoolGrad', 'input', 'C, ms/call', 'JS, ms/call', 'JS / C']];
  for (const c of CASES) {
    const x = tf.randomUniform(c.shape, -1, 1, 'float32', 1) as tf.Tensor4D;
    const y = tf.maxPool(x, c.k, c.s, c.pad);
    const dy = tf.randomUniform(y.shape, -1, 1, 'float32', 2);
    const attrs = { filterSize: c.k, strides: c.s, pad: c.pad } as unknown as tf.NamedAttrMap;
    const time = (native: boolean): number => {
      setNativeKernelsEnabled(native);
      const t0 = performance.now();
      // The WASM kernels run synchronously: the call's end is the kernel's end.
      const out = tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, attrs) as tf.Tensor;
      const t = performance.now() - t0;
      out.dispose();
      return t;
    };
    time(true);
    time(false);
    const ts: number[] = [];
    const tj: number[] = [];
    for (let r = 0; r < REPS; r++) {
      ts.push(time(true));
      tj.push(time(false));
    }
    setNativeKernelsEnabled(true);
    const a = stats(ts).median;
    const b = stats(tj).median;
    rows.push([c.name, `[${c.shape.join(',')}] ${c.k}×${c.k}/${c.s} ${c.pad}`, a.toFixed(2), b.toFixed(2), (b / a).toFixed(1)]);
    tf.dispose([x, y, dy]);
  }
  printTable(`MaxPoolGrad per call on wasm (median of ${REPS}, alternating)`, rows);
}

void main();
