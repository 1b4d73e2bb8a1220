import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../engine/backend/node-backend';
function time(name: string, f: () => tf.Tensor, reps = 4) {
  tf.tidy(() => { f().dataSync(); });
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) tf.tidy(() => { f().dataSync(); });
  console.log(name.padEnd(50), ((performance.now() - t0) / reps).toFixed(1), 'ms');
}
async function main() {
  await initNodeBackend('wasm');
  const x = tf.randomNormal([32, 49, 16, 16]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 16, 32]) as tf.Tensor4D;
  const dy = tf.randomNormal([32, 49, 16, 32]) as tf.Tensor4D;
  time('Conv2D fwd 32x49x16x16 -> 32', () => tf.conv2d(x, w, 1, 'same'));
  time('Conv2DBackpropInput native', () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: x.shape } as any) as tf.Tensor);
  time('composed: conv2d(dy, rot180 W^T)', () => { const wt = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]); return tf.conv2d(dy, wt as tf.Tensor4D, 1, 'same'); });
  time('Conv2DBackpropFilter (ours)', () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: w.shape } as any) as tf.Tensor);
  const a = tf.randomNormal([32, 98, 32, 16]) as tf.Tensor4D;
  const mp = tf.maxPool(a, 2, 2, 'valid');
  const dmp = tf.randomNormal(mp.shape);
  time('MaxPool fwd 32x98x32x16', () => tf.maxPool(a, 2, 2, 'valid'));
  time('MaxPoolGrad native', () => tf.engine().runKernel('MaxPoolGrad', { dy: dmp, input: a, output: mp }, { filterSize: 2, strides: 2, pad: 'valid' } as any) as tf.Tensor);
  const f = tf.randomNormal([32, 7712]); const k = tf.randomNormal([7712, 64]); const g = tf.randomNormal([32, 64]);
  time('matMul fwd 32x7712 @ 7712x64', () => tf.matMul(f, k));
  time('matMul dX = g @ k^T (transposeB)', () => tf.matMul(g, k, false, true));
  time('matMul dX via explicit transpose', () => tf.matMul(g, tf.transpose(k)));
  time('matMul dW = f^T @ g (transposeA)', () => tf.matMul(f, g, true, false));
  time('matMul dW via explicit transpose', () => tf.matMul(tf.transpose(f), g));
  time('transpose f alone', () => tf.transpose(f));
}
main();
