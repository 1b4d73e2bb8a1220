/**
 * The benchmark model shared by bench/backend.ts (Node) and bench/backend-browser.ts (Chromium):
 * a two-branch CNN shaped like AV-MNIST.
 */
import type * as tfTypes from '@tensorflow/tfjs';

export const BATCH = 32;
export const IMAGE: [number, number, number] = [28, 28, 1];
export const SPEC: [number, number, number] = [98, 32, 1]; // 1 s at 8 kHz, 10 ms hop, 32 log-mel bins

/** conv 16 → pool → conv 32 → pool per branch, concat, dense 64, softmax over 10. */
export function twoBranchCnn(tf: typeof tfTypes): tfTypes.LayersModel {
  const branch = (input: tfTypes.SymbolicTensor, name: string): tfTypes.SymbolicTensor => {
    let x = input;
    for (const [i, filters] of [16, 32].entries()) {
      x = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', name: `${name}_conv${i + 1}`, kernelInitializer: tf.initializers.glorotUniform({ seed: i + 1 }) }).apply(x) as tfTypes.SymbolicTensor;
      x = tf.layers.maxPooling2d({ poolSize: 2, name: `${name}_pool${i + 1}` }).apply(x) as tfTypes.SymbolicTensor;
    }
    return tf.layers.flatten({ name: `${name}_flat` }).apply(x) as tfTypes.SymbolicTensor;
  };
  const image = tf.input({ shape: IMAGE, name: 'image' });
  const audio = tf.input({ shape: SPEC, name: 'audio' });
  const fused = tf.layers.concatenate({ name: 'fuse' }).apply([branch(image, 'img'), branch(audio, 'aud')]) as tfTypes.SymbolicTensor;
  const hidden = tf.layers.dense({ units: 64, activation: 'relu', name: 'dense', kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }).apply(fused) as tfTypes.SymbolicTensor;
  const out = tf.layers.dense({ units: 10, activation: 'softmax', name: 'digit', kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) }).apply(hidden) as tfTypes.SymbolicTensor;
  const m = tf.model({ inputs: [image, audio], outputs: out });
  m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

