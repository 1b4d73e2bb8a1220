/**
 * The TypeScript (tfjs) and Keras exports: for every template and the fixture graphs, the exported
 * model.ts runs under tsx and builds a model with the compiled model's parameter count and output
 * shapes; every Keras file passes `python3 -m py_compile`; node line ranges point at the node.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import type { GraphDoc } from '../engine/graph';
import { exportProgram } from '../engine/export';
import { logMelSpectrogram } from '../engine/data/audio';
import { tokenize } from '../engine/data/text';
import { registry } from '../nodes';
import { kindsGraph, sequenceGraph } from './fixtures/export-graphs';
import { kindGraphs, UNEXPORTABLE_KINDS } from './fixtures/kind-graphs';
import { gatedFusion } from '../nodes/fusion/gated';
import { loadTemplate, python, ROOT, templateNames, TMP, writeFiles } from './fixtures/export-harness';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// The generated TypeScript would otherwise be picked up by the project's own `tsc` run.
afterAll(() => {
  for (const f of fs.existsSync(TMP) ? fs.readdirSync(TMP) : []) if (f.startsWith('tfjs-') || f === 'run-tfjs.ts' || f === 'tsconfig.json') fs.rmSync(path.join(TMP, f), { recursive: true, force: true });
});

const perKind = kindGraphs(registry);
const cases: [string, GraphDoc][] = [
  ...templateNames().map((n): [string, GraphDoc] => [n, loadTemplate(n)]),
  ['every-kind', kindsGraph],
  ['sequences-video', sequenceGraph],
  ...perKind.filter((c): c is [string, GraphDoc] => c[1] !== null),
];

describe('export test graphs', () => {
  it('include one graph per node kind, built from the registry, so a new kind is exported by these tests without a fixture edit', () => {
    expect(perKind.filter(([, g]) => g === null).map(([n]) => n)).toEqual([]);
    const used = new Set(cases.flatMap(([, g]) => g.nodes.map((n) => n.kind)));
    // encoder.pretrained wraps a model the user uploads and has no exported code: exporting it is a
    // `cannot be exported` diagnostic (program.ts).
    expect(registry.all().map((s) => s.kind).filter((k) => !used.has(k) && !UNEXPORTABLE_KINDS.includes(k))).toEqual([]);
  });

  it('a custom layer without a runtime for a target is a diagnostic, not a program that fails to import', () => {
    const saved = gatedFusion.pytorch;
    gatedFusion.pytorch = '# no class here\n';
    try {
      const gated = cases.find(([, g]) => g.nodes.some((n) => n.kind === 'fusion.gated'));
      expect(gated).toBeDefined();
      const exp = exportProgram(gated![1], registry, 'pytorch');
      expect(exp.ok).toBe(false);
      expect(exp.diagnostics.map((d) => d.message).join(' ')).toMatch(/no runtime for the custom layer FusionLab>GatedFusion/);
      expect(exportProgram(gated![1], registry, 'tfjs').ok).toBe(true);
    } finally {
      gatedFusion.pytorch = saved;
    }
  });
});

describe('TypeScript (tfjs) export', () => {
  it('runs under tsx and builds the compiled model (parameters and output shapes) for every template', () => {
    const expected: Record<string, { params: number; trainable: number; shapes: number[][] }> = {};
    const imports: string[] = [];
    for (const [name, graph] of cases) {
      const compiled = compileGraph(graph, registry, { tf });
      expect(compiled.ok, name).toBe(true);
      if (!compiled.ok) continue;
      expected[name] = { params: compiled.summary.totalParams, trainable: compiled.summary.trainableParams, shapes: compiled.summary.outputs.map((o) => o.shape) };
      compiled.model.dispose();
      const exp = exportProgram(graph, registry, 'tfjs');
      expect(exp.ok, name).toBe(true);
      expect(exp.main).toBe('model.ts');
      writeFiles(`tfjs-${name}`, exp.files);
      imports.push(name);
    }
    const runner = [
      "import * as tf from '@tensorflow/tfjs';",
      'async function main() {',
      "  await tf.setBackend('cpu');",
      '  const out: Record<string, unknown> = {};',
      ...imports.map(
        (n) =>
          `  { const m = (await import(${JSON.stringify(`./tfjs-${n}/model`)})).buildModel() as tf.LayersModel; out[${JSON.stringify(n)}] = { params: m.countParams(), trainable: m.trainableWeights.reduce((a, w) => a + w.shape.reduce((x: number, y) => x * (y ?? 1), 1), 0), shapes: m.outputs.map((o) => o.shape.slice(1)) }; }`,
      ),
      '  console.log(JSON.stringify(out));',
      '}',
      'main();',
    ].join('\n');
    fs.writeFileSync(path.join(TMP, 'run-tfjs.ts'), runner);
    const res = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['run-tfjs.ts'], { cwd: TMP, encoding: 'utf8', timeout: 120_000 });
    expect(res.status, res.stderr).toBe(0);
    const got = JSON.parse(res.stdout.trim().split('\n').pop() as string);
    expect(got).toEqual(expected);
    // The exported modules also type-check under strict TypeScript.
    fs.writeFileSync(
      path.join(TMP, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'esnext', moduleResolution: 'bundler', skipLibCheck: true, noImplicitOverride: true, types: [] }, include: imports.map((n) => `tfjs-${n}/model.ts`) }),
    );
    const tsc = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', path.join(TMP, 'tsconfig.json')], { cwd: TMP, encoding: 'utf8', timeout: 120_000 });
    expect(tsc.status, tsc.stdout).toBe(0);
  }, 180_000);

  it('ships preprocessing functions that match engine/data (tokenizer, log-mel)', async () => {
    const exp = exportProgram(loadTemplate('demo'), registry, 'tfjs');
    const dir = writeFiles('tfjs-preprocess', exp.files);
    const mod = (await import(path.join(dir, 'model.ts'))) as {
      tokenize: (t: string, k?: 'word' | 'char', lower?: boolean) => string[];
      logMelSpectrogram: (clip: Float32Array, p: { sampleRate: number; frameLength: number; hop: number; melBins: number }) => Float32Array;
      PREPROCESS: { inputs: { kind: string; columns: string[] }[] };
    };
    const text = 'Ein  Kreis, rund! The CAT’s 3 tails… naïve café';
    expect(mod.tokenize(text)).toEqual(tokenize(text, { tokenizer: 'word', lowercase: true }));
    expect(mod.tokenize(text, 'char', false)).toEqual(tokenize(text, { tokenizer: 'char', lowercase: false }));
    const p = { sampleRate: 8000, clipSeconds: 0.05, frameLength: 100, hop: 60, melBins: 12, window: 'hann' as const };
    const clip = Float32Array.from({ length: 400 }, (_, i) => Math.sin(i * 0.3) + 0.1 * Math.cos(i * 1.7));
    const mine = mod.logMelSpectrogram(clip, p);
    const theirs = logMelSpectrogram(clip, p);
    expect(mine.length).toBe(theirs.length);
    for (let i = 0; i < mine.length; i++) expect(Math.abs(mine[i] - theirs[i])).toBeLessThan(1e-3);
    expect(mod.PREPROCESS.inputs.map((i) => i.kind)).toEqual(['input.image', 'input.text', 'input.audio', 'input.tabular']);
  });

  it('gives every node its line ranges in the main file', () => {
    const graph = loadTemplate('avmnist');
    for (const target of ['tfjs', 'keras', 'pytorch'] as const) {
      const exp = exportProgram(graph, registry, target);
      const lines = exp.files[exp.main].split('\n');
      const cnn = exp.nodeRanges.get('image_cnn') ?? [];
      expect(cnn.length).toBeGreaterThan(0);
      for (const r of cnn) expect(r.end).toBeGreaterThanOrEqual(r.start);
      const text = cnn.map((r) => lines.slice(r.start - 1, r.end).join('\n')).join('\n');
      expect(text).toMatch(/conv/i);
      expect(text).not.toMatch(/audio_cnn|audioCnn/);
      // No two nodes share a line.
      const seen = new Map<number, string>();
      for (const [id, ranges] of Object.entries(exp.nodeRanges)) {
        for (const r of ranges) for (let l = r.start; l <= r.end; l++) {
          expect(seen.get(l), `${target} line ${l}`).toBeUndefined();
          seen.set(l, id);
        }
      }
    }
  });

  it('comments each node from its doc and its params from their descriptions', () => {
    const exp = exportProgram(loadTemplate('avmnist'), registry, 'pytorch');
    const spec = registry.get('encoder.image-cnn');
    const described = (spec?.params.shape.kernelSize as { description?: string }).description as string;
    expect(exp.files['model.py']).toContain(`# kernelSize = 3: ${described}`);
    expect(exp.files['model.py']).toContain('Image CNN (encoder.image-cnn)');
  });

  it('names a node kind it cannot export (a pretrained tfjs model) in a diagnostic', () => {
    const g: GraphDoc = JSON.parse(JSON.stringify(kindsGraph));
    g.nodes.push({ id: 'pre', kind: 'encoder.pretrained', label: 'MobileNet', params: { asset: 'mobilenet', inputShape: [16, 16, 3], outputWidth: 8 }, position: { x: 0, y: 0 }, frozen: false });
    g.nodes.push({ id: 'preHead', kind: 'head.classify', label: '', params: { classes: 3 }, position: { x: 0, y: 0 }, frozen: false });
    g.edges.push({ id: 'ep1', source: 'img', sourcePort: 'out', target: 'pre', targetPort: 'in' }, { id: 'ep2', source: 'pre', sourcePort: 'out', target: 'preHead', targetPort: 'in' });
    const exp = exportProgram(g, registry, 'pytorch');
    expect(exp.ok).toBe(false);
    expect(exp.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ severity: 'error', code: 'build-failed', nodeId: 'pre' })]));
  });

  it('never throws: documents that bypassed the parser come back as diagnostics', () => {
    const junk = [{}, { nodes: null, edges: [] }, { nodes: [{ id: 'a', kind: 'input.image', params: { height: -1 } }], edges: [{}] }, { nodes: [{ id: 'x', kind: 'head.classify' }] }];
    for (const doc of junk) {
      for (const target of ['tfjs', 'keras', 'pytorch'] as const) {
        const exp = exportProgram(doc as unknown as GraphDoc, registry, target);
        expect(exp.ok).toBe(false);
        expect(exp.diagnostics.length).toBeGreaterThan(0);
      }
    }
  });

  it('reports a graph with errors as diagnostics, without files', () => {
    const graph = loadTemplate('avmnist');
    const broken = { ...graph, edges: graph.edges.slice(1) };
    const exp = exportProgram(broken, registry, 'pytorch');
    expect(exp.ok).toBe(false);
    expect(exp.files).toEqual({});
    expect(exp.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  });
});

describe('Keras export', () => {
  // Built, run and compared with tfjs against a stand-in Keras 3 in test/export-keras.test.ts.
  it('passes py_compile for every template and fixture graph', () => {
    const dirs: string[] = [];
    for (const [name, graph] of cases) {
      const exp = exportProgram(graph, registry, 'keras');
      expect(exp.ok, name).toBe(true);
      expect(Object.keys(exp.files).sort()).toEqual(['README.md', 'data.py', 'fusionlab_layers.py', 'model.py', 'train.py']);
      dirs.push(writeFiles(`keras-${name}`, exp.files));
    }
    const files = dirs.flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.py')).map((f) => path.join(d, f)));
    const script = `import py_compile, sys\nfor f in sys.argv[1:]:\n    py_compile.compile(f, doraise=True, cfile=f + "c")\nprint(len(sys.argv) - 1)`;
    const out = python(['-c', script, ...files], TMP);
    expect(Number(out.trim())).toBe(files.length);
  }, 60_000);
});
