import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { initNodeBackend } from '/work/main/engine/backend/node-backend';
import { compileGraph } from '/work/main/engine/compile';
import { parseGraphText } from '/work/main/engine/graph';
import { registry } from '/work/main/nodes';
import { loadDataset } from '/work/main/engine/data/loader';
import { openPathSource } from '/work/main/engine/data/node-source';
import { createNodeAdapter } from '/work/main/engine/data/node-decoders';
const info = await initNodeBackend((process.argv[2] as 'wasm'|'cpu') ?? 'wasm');
console.log(info);
const g = parseGraphText(readFileSync('/work/main/templates/avmnist.json','utf8'));
if (!g.ok) throw new Error('graph');
const t0 = Date.now();
const src = await openPathSource('/work/shared/datasets/avmnist');
const ds = await loadDataset(src.source!, { graph: g.graph, registry, adapter: createNodeAdapter() });
console.log('load ms', Date.now()-t0, ds.ok, ds.summary, ds.inputs, ds.heads, ds.problems.slice(0,3));
const c = compileGraph(g.graph, registry, { tf });
if (!c.ok) { console.log(c.diagnostics); process.exit(1); }
console.log(c.summary.inputs, c.summary.outputs, c.summary.totalParams);
const m = c.model;
m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const tr = ds.splits.train;
const xs = c.summary.inputs.map((i) => tf.tensor(tr.inputs[i.nodeId], [tr.count, ...i.shape]));
const y = tf.tensor(tr.labels['digit'], [tr.count, 10]);
const n = 640;
for (const bs of [32, 64]) for (let k = 0; k < 2; k++) {
const t1 = Date.now();
await m.fit(xs.map(x=>x.slice(0,n)), y.slice(0,n), { batchSize: bs, epochs: 1, verbose: 0 });
console.log('bs', bs, 'fit samples/s', n / ((Date.now()-t1)/1000));
}
const prof = await tf.profile(async () => { await m.fit(xs.map(x=>x.slice(0,64)), y.slice(0,64), { batchSize: 64, epochs: 1, verbose: 0 }); });
const agg = new Map<string, number>();
for (const k of prof.kernels) agg.set(k.name, (agg.get(k.name) ?? 0) + (k.kernelTimeMs as number));
console.log([...agg.entries()].sort((a,b)=>b[1]-a[1]).slice(0,12));
