import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { initNodeBackend } from '../engine/backend/node-backend';
import { compileGraph } from '../engine/compile';
import { parseGraphText } from '../engine/graph';
import { registry } from '../nodes';
import { createTrainer } from '../engine/train';
await initNodeBackend('wasm');
const g = parseGraphText(readFileSync('templates/avmnist.json','utf8'));
if (!g.ok) throw new Error('graph');
const c = compileGraph(g.graph, registry, { tf });
if (!c.ok) throw new Error('c');
const n = 256;
const img = new Float32Array(n*784).map(() => Math.random());
const aud = new Float32Array(n*61*32).map(() => Math.random());
const lab = new Float32Array(n*10); for (let i=0;i<n;i++) lab[i*10+(i%10)] = 1;
const data = { inputs: [{nodeId:'image',kind:'input.image',shape:[28,28,1]},{nodeId:'audio',kind:'input.audio',shape:[61,32,1]}], heads:[{nodeId:'digit',task:'classify' as const,column:'label',classes:['0','1','2','3','4','5','6','7','8','9'],shape:[10]}],
  splits: { train: {count:n, inputs:{image:img,audio:aud}, labels:{digit:lab}}, val:{count:0,inputs:{},labels:{}}, test:{count:0,inputs:{},labels:{}} } };
const m = c.model;
m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
const xs = [tf.tensor(img,[n,28,28,1]), tf.tensor(aud,[n,61,32,1])]; const y = tf.tensor(lab,[n,10]);
for (let r=0;r<2;r++){
let t = performance.now();
await m.fit(xs, y, { batchSize: 32, epochs: 1, verbose: 0, shuffle: true });
console.log('fit', n/((performance.now()-t)/1000));
const tr = createTrainer(tf, c, data, { epochs: 1, batchSize: 32, validationFraction: 0 });
t = performance.now();
await tr.train();
console.log('loop', n/((performance.now()-t)/1000));
tr.dispose();
}
