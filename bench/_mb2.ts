import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../engine/backend/node-backend';
async function main() {
  await initNodeBackend('wasm');
  const xv = Array.from({ length: 2 * 9 * 9 * 2 }, (_, i) => -1 - Math.abs(Math.sin(i * 1.7)));
  const rv = Array.from({ length: 2 * 5 * 5 * 2 }, (_, i) => Math.cos(i * 0.3));
  const res: Record<string, number[]> = {};
  for (const b of ['cpu', 'wasm']) {
    await tf.setBackend(b);
    const x = tf.tensor4d(xv, [2, 9, 9, 2]);
    const r = tf.tensor4d(rv, [2, 5, 5, 2]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 3, 2, 'same'), r)))(x);
    res[b] = Array.from(g.dataSync());
    const y = tf.maxPool(x, 3, 2, 'same'); const dy = r;
    const k = tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: 3, strides: 2, pad: 'same' } as any) as tf.Tensor;
    res[b + 'k'] = Array.from(k.dataSync());
  }
  let e = 0, e2 = 0; for (let i = 0; i < res.cpu.length; i++) { e = Math.max(e, Math.abs(res.cpu[i] - res.wasm[i])); e2 = Math.max(e2, Math.abs(res.cpuk[i] - res.wasmk[i])); }
  console.log('grad diff', e, 'kernel diff', e2);
}
main();
