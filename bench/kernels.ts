/**
 * Per-kernel profile of the WASM training step (tf.profile) for the AV-MNIST, text + tabular and
 * audio + video templates, trained by FusionLab's loop (engine/train) on random data of the
 * templates' shapes, batch 32, Adam. One table per template: each kernel's milliseconds per
 * training step (the sum of its calls), its share of the step's kernel time, and its calls per
 * step (tf.profile's wall-clock kernel times; the median over several profiled epochs, so that
 * other load on a shared machine lands in few rows); the last rows give the kernel total and the step's whole CPU time (the rest is JS
 * dispatch, tape bookkeeping and batch assembly). An epoch is what the trainer runs, so the
 * epoch-end precise batch-norm pass (FusedBatchNorm, FusionLabMoments: one call per epoch) is in
 * it, spread over the steps. Prints tables; asserts nothing.
 *
 * Composed kernels (engine/backend/wasm-kernels.ts) call the backend's own kernels directly, not
 * through the engine, so each counts as one kernel here with its whole cost.
 *
 * usage: npx tsx --import ./scripts/raw-loader.mjs bench/kernels.ts [--templates avmnist,text-tabular,audio-video]
 *        [--batches 8] [--rounds 3] [--top 15] [--backend wasm|cpu] [--native] [--shapes]
 *        (--native: the native kernels instead of the faster replacements; --shapes: one row per kernel and input shapes)
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend, type NodeBackendKind } from '../engine/backend/node-backend';
import { compileGraph } from '../engine/compile';
import { parseGraphText, type GraphDoc } from '../engine/graph';
import { createTrainer, type TrainingSet } from '../engine/train';
import type { HeadTask } from '../engine/data/loader';
import { registry } from '../nodes';
import { printTable, stats } from './table';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const TEMPLATES = arg('templates', 'avmnist,text-tabular,audio-video').split(',');
const BATCHES = Number(arg('batches', '8'));
const TOP = Number(arg('top', '15'));
const ROUNDS = Number(arg('rounds', '3'));
const BATCH = 32;
const backend = arg('backend', 'wasm') as NodeBackendKind;

function loadTemplate(name: string): GraphDoc {
  const r = parseGraphText(readFileSync(new URL(`../templates/${name}.json`, import.meta.url), 'utf8'));
  if (!r.ok) throw new Error(`templates/${name}.json does not parse`);
  return r.graph;
}

function headTask(kind: string): HeadTask {
  const task = kind.replace(/^head\./, '') as HeadTask;
  switch (task) {
    case 'classify':
    case 'multilabel':
    case 'regress':
      return task;
    default: {
      const never: never = task;
      throw new Error(`bench/kernels: unknown head kind ${String(never)}`);
    }
  }
}

/** Deterministic values in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(1664525, s) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A random training set of the compiled model's shapes: token ids with trailing padding for text, values in [-1, 1) otherwise. */
function randomSet(graph: GraphDoc, summary: { inputs: { nodeId: string; shape: number[] }[]; outputs: { nodeId: string; role: string; shape: number[] }[] }, n: number): TrainingSet {
  const r = lcg(7);
  const kindOf = (id: string) => graph.nodes.find((x) => x.id === id)?.kind ?? '';
  const inputs: Record<string, Float32Array> = {};
  for (const inp of summary.inputs) {
    const size = inp.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n * size);
    if (kindOf(inp.nodeId) === 'input.text') {
      for (let b = 0; b < n; b++) {
        const used = 1 + Math.floor(r() * size);
        for (let i = 0; i < used; i++) data[b * size + i] = 2 + Math.floor(r() * 50);
      }
    } else for (let i = 0; i < data.length; i++) data[i] = r() * 2 - 1;
    inputs[inp.nodeId] = data;
  }
  const heads = summary.outputs.filter((o) => o.role === 'head').map((o) => {
    const width = o.shape[0];
    const task = headTask(kindOf(o.nodeId));
    return { nodeId: o.nodeId, task, column: o.nodeId, classes: Array.from({ length: width }, (_, i) => String(i)), shape: o.shape };
  });
  const labels: Record<string, Float32Array> = {};
  for (const h of heads) {
    const width = h.shape[0];
    const y = new Float32Array(n * width);
    for (let i = 0; i < n; i++) {
      if (h.task === 'regress') for (let j = 0; j < width; j++) y[i * width + j] = r();
      else y[i * width + (i % width)] = 1;
    }
    labels[h.nodeId] = y;
  }
  const empty = { count: 0, inputs: {}, labels: {} };
  return {
    inputs: summary.inputs.map((i) => ({ nodeId: i.nodeId, kind: kindOf(i.nodeId), shape: i.shape })),
    heads,
    splits: { train: { count: n, inputs, labels }, val: empty, test: empty },
  };
}

interface Row { name: string; ms: number; calls: number }

async function profileTemplate(name: string): Promise<{ rows: Row[]; kernelMs: number; cpuMs: number }> {
  const graph = loadTemplate(name);
  const c = compileGraph(graph, registry, { tf, seed: 1 });
  if (!c.ok) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  const n = BATCH * BATCHES;
  const set = randomSet(graph, c.summary, n);
  const trainer = createTrainer(tf, c, set, { epochs: 1_000_000, batchSize: BATCH, validationFraction: 0 });
  const epoch = () => trainer.train({ onEpochEnd: () => trainer.stop() });
  await epoch(); // warm-up: kernels set up, optimizer slots created
  const cpu0 = process.cpuUsage();
  await epoch();
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / BATCHES;
  // Several profiled epochs; each kernel's time is its median over them (GC pauses and other
  // processes' load land in one kernel of one epoch, not in all of them).
  const shapes = process.argv.includes('--shapes');
  const perRound: Map<string, Row>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const profile = await tf.profile(async () => {
      await epoch();
    });
    const by = new Map<string, Row>();
    for (const k of profile.kernels) {
      // A name ending in __op is an op with a custom gradient, a scope around its kernel: counting it would count the kernel twice.
      if (k.name.endsWith('__op')) continue;
      const key = shapes ? `${k.name} ${k.inputShapes.map((sh) => `[${sh?.join(',') ?? ''}]`).join(' ')}` : k.name;
      const row = by.get(key) ?? { name: key, ms: 0, calls: 0 };
      row.ms += k.kernelTimeMs as number;
      row.calls++;
      by.set(key, row);
    }
    perRound.push(by);
  }
  const names = new Set(perRound.flatMap((m) => [...m.keys()]));
  const rows = [...names].map((key) => {
    const ms = perRound.map((m) => m.get(key)?.ms ?? 0);
    const calls = perRound[0].get(key)?.calls ?? 0;
    return { name: key, ms: stats(ms).median / BATCHES, calls: calls / BATCHES };
  }).sort((a, b) => b.ms - a.ms);
  trainer.dispose();
  c.model.dispose();
  return { rows, kernelMs: rows.reduce((a, r) => a + r.ms, 0), cpuMs };
}

async function main(): Promise<void> {
  const info = await initNodeBackend(backend, { faster: !process.argv.includes('--native') });
  const be = `${info.backend}${info.simd ? ' SIMD' : ''}, ${info.threads} thread`;
  for (const name of TEMPLATES) {
    const { rows, kernelMs, cpuMs } = await profileTemplate(name);
    const table = [['kernel', 'ms / step', 'share of kernel time', 'calls / step']];
    for (const r of rows.slice(0, TOP)) table.push([r.name, r.ms.toFixed(2), `${((100 * r.ms) / kernelMs).toFixed(1)} %`, String(Math.round(r.calls))]);
    const rest = rows.slice(TOP);
    if (rest.length > 0) {
      const ms = rest.reduce((a, r) => a + r.ms, 0);
      table.push([`${rest.length} other kernels`, ms.toFixed(2), `${((100 * ms) / kernelMs).toFixed(1)} %`, String(Math.round(rest.reduce((a, r) => a + r.calls, 0)))]);
    }
    table.push(['all kernels (tf.profile)', kernelMs.toFixed(2), '100 %', String(Math.round(rows.reduce((a, r) => a + r.calls, 0)))]);
    table.push(['whole step, CPU time without the profiler', cpuMs.toFixed(2), '', '']);
    printTable(`Kernels of one training step, template ${name} (batch ${BATCH}, Adam, ${be}; ${BATCHES} steps, median of ${ROUNDS} profiled epochs, each with its epoch-end batch-norm pass)`, table);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
