/**
 * Runs every benchmark in turn and prints their tables (npm run bench). Each benchmark is its own
 * script so that it can also run alone: npx tsx bench/<name>.ts.
 * usage: npx tsx bench/run.ts [name ...]   (default: all)
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ALL: { name: string; what: string }[] = [
  { name: 'graph', what: 'validation, shape inference and compile time of a 300-node graph' },
  { name: 'backend', what: 'two-branch CNN training speed per tfjs backend in Node' },
  { name: 'video', what: 'audio + video template training speed on WASM: TimeDistributed loop vs frames folded into the batch' },
  { name: 'train', what: 'AV-MNIST training: compiled vs hand-written, loop vs model.fit, frozen cache, PyTorch, WASM vs WebGL in Chromium' },
  { name: 'kernels', what: 'per-kernel profile (tf.profile) of the WASM training step: AV-MNIST, text + tabular, audio + video' },
  { name: 'max-pool-grad', what: "MaxPoolGrad per call on WASM: FusionLab's C kernel vs the JS fallback loop" },
  { name: 'data-browser', what: 'decode + featurise throughput on AV-MNIST, headless Chromium and Node' },
  { name: 'photo-ingest', what: 'full-size photo JPEGs (and small PNGs) decoded + featurised in Node: sharp with a size hint vs jpeg-js and pngjs' },
  { name: 'backend-browser', what: 'WASM vs WebGL training speed in headless Chromium' },
  { name: 'editor', what: 'editor render and param-edit time with a 300-node graph' },
];

const wanted = process.argv.slice(2);
let failed = 0;
for (const b of ALL.filter((x) => wanted.length === 0 || wanted.includes(x.name))) {
  console.log(`\n## bench/${b.name}.ts — ${b.what}`);
  const r = spawnSync('npx', ['tsx', '--import', path.join(import.meta.dirname, '../scripts/raw-loader.mjs'), path.join(import.meta.dirname, `${b.name}.ts`)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`bench/${b.name}.ts exited with ${r.status}`);
  }
}
process.exit(failed ? 1 : 0);
