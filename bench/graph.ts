/**
 * Validation + shape inference and compile time of a generated 300-node graph.
 * Targets on a 2-core machine: under 10 ms and under 1 s. Run: npx tsx bench/graph.ts
 */
import * as tf from '@tensorflow/tfjs';
import { compileGraph } from '../engine/compile';
import { analyzeGraph } from '../engine/validate';
import { registry } from '../nodes';
import { generateLargeGraph } from './large-graph';
import { printTable, stats } from './table';

async function main() {
  await tf.setBackend('cpu');
  const graph = generateLargeGraph(300);
  const a = analyzeGraph(graph, registry);
  if (a.diagnostics.length) throw new Error(`generated graph has diagnostics: ${JSON.stringify(a.diagnostics.slice(0, 3))}`);

  for (let i = 0; i < 200; i++) analyzeGraph(graph, registry); // warm-up (JIT)
  const analyze: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    analyzeGraph(graph, registry);
    analyze.push(performance.now() - t0);
  }

  const compile: number[] = [];
  let params = 0;
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    const res = compileGraph(graph, registry, { tf });
    const dt = performance.now() - t0;
    if (!res.ok) throw new Error(JSON.stringify(res.diagnostics.slice(0, 3)));
    params = res.summary.totalParams;
    res.model.dispose();
    if (i > 0) compile.push(dt); // the first includes module warm-up
  }

  const an = stats(analyze);
  const co = stats(compile);
  printTable(`Graph of ${graph.nodes.length} nodes, ${graph.edges.length} edges, ${params.toLocaleString('en-US')} parameters (tfjs ${tf.version.tfjs}, backend ${tf.getBackend()})`, [
    ['step', 'median ms', 'p90 ms', 'target ms', 'runs'],
    ['validate + shape inference', an.median.toFixed(2), an.p90.toFixed(2), '10', String(analyze.length)],
    ['compile to tf.LayersModel', co.median.toFixed(1), co.p90.toFixed(1), '1000', String(compile.length)],
  ]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
