import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../engine/backend/node-backend';

type Case = [string, number[], (x: tf.SymbolicTensor) => tf.SymbolicTensor, ('float'|'int')?];
const L = tf.layers;
const cases: Case[] = [
  ['dense', [8], (x) => L.dense({ units: 4, activation: 'relu' }).apply(x) as tf.SymbolicTensor],
  ['conv2d-s1-same', [9, 9, 2], (x) => L.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(x) as tf.SymbolicTensor],
  ['conv2d-s2-valid', [9, 9, 2], (x) => L.conv2d({ filters: 3, kernelSize: 3, strides: 2 }).apply(x) as tf.SymbolicTensor],
  ['conv2d-dil2', [9, 9, 2], (x) => L.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2 }).apply(x) as tf.SymbolicTensor],
  ['conv1d', [12, 3], (x) => L.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor],
  ['depthwise', [9, 9, 3], (x) => L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor],
  ['separable', [9, 9, 3], (x) => L.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x) as tf.SymbolicTensor],
  ['maxpool2d', [8, 8, 2], (x) => L.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor],
  ['avgpool2d', [8, 8, 2], (x) => L.averagePooling2d({ poolSize: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor],
  ['maxpool1d', [8, 2], (x) => L.maxPooling1d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor],
  ['avgpool1d', [8, 2], (x) => L.averagePooling1d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor],
  ['gmp2d', [8, 8, 2], (x) => L.globalMaxPooling2d({}).apply(x) as tf.SymbolicTensor],
  ['gap2d', [8, 8, 2], (x) => L.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor],
  ['gmp1d', [8, 2], (x) => L.globalMaxPooling1d({}).apply(x) as tf.SymbolicTensor],
  ['gap1d', [8, 2], (x) => L.globalAveragePooling1d({}).apply(x) as tf.SymbolicTensor],
  ['batchnorm', [8, 8, 2], (x) => L.batchNormalization({}).apply(x) as tf.SymbolicTensor],
  ['layernorm', [6, 4], (x) => L.layerNormalization({}).apply(x) as tf.SymbolicTensor],
  ['gru', [5, 3], (x) => L.gru({ units: 4 }).apply(x) as tf.SymbolicTensor],
  ['lstm', [5, 3], (x) => L.lstm({ units: 4, returnSequences: true }).apply(x) as tf.SymbolicTensor],
  ['bidir', [5, 3], (x) => L.bidirectional({ layer: L.gru({ units: 4 }) as tf.RNN }).apply(x) as tf.SymbolicTensor],
  ['embedding', [6], (x) => L.embedding({ inputDim: 10, outputDim: 4 }).apply(x) as tf.SymbolicTensor, 'int'],
  ['timedist', [4, 5, 5, 1], (x) => L.timeDistributed({ layer: L.conv2d({ filters: 2, kernelSize: 3 }) }).apply(x) as tf.SymbolicTensor],
  ['dropout', [8], (x) => L.dropout({ rate: 0.5 }).apply(L.dense({ units: 4 }).apply(x)) as tf.SymbolicTensor],
  ['spatialdropout', [8], (x) => L.alphaDropout({ rate: 0.5 }).apply(L.dense({ units: 4 }).apply(x)) as tf.SymbolicTensor],
  ...(['elu', 'selu', 'gelu', 'gelu_new', 'swish', 'mish', 'softplus', 'softsign', 'tanh', 'sigmoid', 'hardSigmoid', 'relu6', 'linear', 'softmax', 'logSoftmax'] as const).map(
    (a): Case => [`act-${a}`, [8], (x) => L.dense({ units: 4, activation: a as 'relu' }).apply(x) as tf.SymbolicTensor]),
  ['leakyrelu', [8], (x) => L.leakyReLU({}).apply(L.dense({ units: 4 }).apply(x)) as tf.SymbolicTensor],
  ['prelu', [8], (x) => L.prelu({}).apply(L.dense({ units: 4 }).apply(x)) as tf.SymbolicTensor],
  ['elu-layer', [8], (x) => L.elu({}).apply(L.dense({ units: 4 }).apply(x)) as tf.SymbolicTensor],
  ['upsampling', [4, 4, 2], (x) => L.upSampling2d({ size: [2, 2] }).apply(x) as tf.SymbolicTensor],
  ['conv2dT', [4, 4, 2], (x) => L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor],
  ['zeropad', [4, 4, 2], (x) => L.zeroPadding2d({ padding: 1 }).apply(x) as tf.SymbolicTensor],
  ['cropping', [6, 6, 2], (x) => L.cropping2D({ cropping: 1 }).apply(x) as tf.SymbolicTensor],
  ['permute', [4, 3], (x) => L.permute({ dims: [2, 1] }).apply(x) as tf.SymbolicTensor],
  ['repeat', [4], (x) => L.repeatVector({ n: 3 }).apply(x) as tf.SymbolicTensor],
  ['gaussiannoise', [4], (x) => L.gaussianNoise({ stddev: 0.1 }).apply(L.dense({ units: 4 }).apply(x)) as tf.SymbolicTensor],
  ['simplernn', [5, 3], (x) => L.simpleRNN({ units: 4 }).apply(x) as tf.SymbolicTensor],
];

async function main() {
  await initNodeBackend(process.argv[2] === 'cpu' ? 'cpu' : 'wasm');
  for (const [name, shape, f, dt] of cases) {
    try {
      const inp = tf.input({ shape, dtype: dt === 'int' ? 'int32' : 'float32' });
      let y = f(inp);
      if (y.shape.length > 2) y = tf.layers.flatten().apply(y) as tf.SymbolicTensor;
      y = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(y) as tf.SymbolicTensor;
      const m = tf.model({ inputs: inp, outputs: y });
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      const x = dt === 'int' ? tf.randomUniform([4, ...shape], 0, 10, 'int32') : tf.randomNormal([4, ...shape]);
      const t = tf.oneHot([0, 1, 2, 1], 3);
      const h = await m.fit(x, t, { epochs: 1, batchSize: 4, verbose: 0 });
      console.log('OK  ', name, h.history.loss[0]);
    } catch (e) {
      console.log('FAIL', name, (e as Error).message.split('\n')[0]);
    }
  }
  // signal
  for (const [n, fn] of [['stft', () => tf.abs(tf.signal.stft(tf.randomNormal([256]), 64, 32)).sum()], ['rfft', () => tf.spectral.rfft(tf.randomNormal([4, 8])).abs().sum()]] as const) {
    try { const v = tf.tidy(fn as () => tf.Tensor); console.log('OK  ', n, v.dataSync()[0]); } catch (e) { console.log('FAIL', n, (e as Error).message.split('\n')[0]); }
  }
}
main();
