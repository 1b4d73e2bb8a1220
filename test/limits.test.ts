/**
 * Untrusted graphs stay bounded (issue 13): the CLI's output reaches a pipe whole, control codes
 * are never sent to the terminal, the model budget is judged from shapes before any weight exists
 * (in the CLI and in the editor's counts), ids cannot name Object.prototype's properties, graphs
 * thousands of nodes deep are a diagnostic, `export --out` never turns a file name into a folder,
 * and the exported train.py says why when no row is usable.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph, measureGraph } from '../engine/compile';
import { countNodeParams } from '../engine/editor/paramCounts';
import { layoutPositions } from '../engine/editor/layout';
import { exportProgram } from '../engine/export';
import { parseGraph, type GraphDoc } from '../engine/graph';
import { withoutWeights, measureModel } from '../engine/model-size';
import { analyzeGraph } from '../engine/validate';
import { registry } from '../nodes';
import { terminalSafe, modelLimitsFromEnv } from '../cli/io';
import { PYTHON, writeFiles } from './fixtures/export-harness';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/fusionlab.mjs');
const TMP = path.join(ROOT, 'test-results', 'limits-tmp');

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeJson(name: string, value: unknown): string {
  fs.mkdirSync(TMP, { recursive: true });
  const file = path.join(TMP, name);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

/** A 1024×1024 image into an MLP of 1024 units: a 480-byte graph asking for over a billion weights. */
function hugeGraph(): GraphDoc {
  const res = parseGraph({
    format: 'fusionlab/graph',
    version: 1,
    name: 'huge',
    nodes: [
      { id: 'img', kind: 'input.image', params: { width: 1024, height: 1024, channels: 1 } },
      { id: 'mlp', kind: 'encoder.image-mlp', params: { units: 1024 } },
      { id: 'h', kind: 'head.classify', params: { classes: 2 } },
    ],
    edges: [
      { id: 'e1', source: 'img', sourcePort: 'out', target: 'mlp', targetPort: 'in' },
      { id: 'e2', source: 'mlp', sourcePort: 'out', target: 'h', targetPort: 'in' },
    ],
  });
  if (!res.ok) throw new Error(res.diagnostics[0].message);
  return res.graph;
}

/** input.tabular → `depth` dense nodes in a row → classify. */
function chainGraph(depth: number): GraphDoc {
  const nodes = [{ id: 'x', kind: 'input.tabular', params: { columns: ['a', 'b'] } }, ...Array.from({ length: depth }, (_, i) => ({ id: `d${i}`, kind: 'encoder.dense', params: { units: 4 } })), { id: 'h', kind: 'head.classify', params: { classes: 2 } }];
  const ids = nodes.map((n) => n.id);
  const edges = ids.slice(1).map((id, i) => ({ id: `e${i}`, source: ids[i], sourcePort: 'out', target: id, targetPort: 'in' }));
  const res = parseGraph({ format: 'fusionlab/graph', version: 1, name: 'chain', nodes, edges });
  if (!res.ok) throw new Error(res.diagnostics[0].message);
  return res.graph;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('CLI output', () => {
  it('--json on a pipe is written whole before the process exits', () => {
    // Through a shell pipe, as `fusionlab nodes --json | wc -c` runs (cut at 65,536 bytes before).
    const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" nodes --json | cat`], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    expect(piped.status).toBe(0);
    expect(piped.stdout.length).toBeGreaterThan(65_536);
    expect(() => JSON.parse(piped.stdout)).not.toThrow();
  });

  it('control characters in names and labels are shown as escapes, never sent raw', () => {
    expect(terminalSafe('a\u001b]0;owned\u0007b\u001b[31mc\rd\u009be\u202ef\n\tg')).toBe('a\\u001b]0;owned\\u0007b\\u001b[31mc\\u000dd\\u009be\\u202ef\n\tg');
    const g = JSON.parse(fs.readFileSync(path.join(ROOT, 'templates/demo.json'), 'utf8')) as { name: string; nodes: { label: string; id: string }[] };
    g.name = 'Evil\u001b]0;pwned\u0007\u001b[31m\r';
    g.nodes[0].label = 'x\u001b[2J';
    const file = writeJson('evil.json', g);
    for (const args of [['validate', file], ['summary', file]]) {
      const r = run(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    }
    // A graph error message quoting a label is escaped too.
    g.nodes[0].id = 'bad id\u001b[31m';
    const bad = run(['validate', writeJson('evil-id.json', g)]);
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toContain('\\u001b[31m');
    expect(bad.stdout + bad.stderr).not.toMatch(/\u001b/);
  });
});

describe('model budget from shapes', () => {
  it('layers built without weights allocate nothing and count what tfjs would', () => {
    const before = tf.memory().numBytes;
    const m = withoutWeights(tf, () => {
      const x = tf.input({ shape: [512, 512, 1] });
      const y = tf.layers.dense({ units: 256 }).apply(tf.layers.flatten().apply(x)) as tf.SymbolicTensor;
      return tf.model({ inputs: x, outputs: tf.layers.batchNormalization().apply(y) as tf.SymbolicTensor });
    });
    expect(tf.memory().numBytes).toBe(before);
    expect(measureModel(m)).toEqual({ params: 512 * 512 * 256 + 256 + 4 * 256, activationsPerSample: 512 * 512 * 2 + 256 * 2 });
    m.dispose();
    // Afterwards layers get real weights again.
    const real = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2] })] });
    expect(tf.memory().numBytes).toBeGreaterThan(before);
    expect(real.countParams()).toBe(9);
    real.dispose();
  });

  it('a graph over the budget is refused before a weight exists, naming the node to shrink', () => {
    const before = tf.memory().numBytes;
    const r = compileGraph(hugeGraph(), registry, { tf });
    expect(r.ok).toBe(false);
    const d = r.diagnostics.find((x) => x.code === 'model-too-large');
    expect(d?.nodeId).toBe('mlp');
    expect(d?.message).toMatch(/1,074,794,498 parameters \(4\.3 GB of weights\), over the budget of 50,000,000\. "mlp" alone holds 1,074,792,448/);
    expect(tf.memory().numBytes).toBe(before);
    // The summary still has every number; a raised budget lets it compile.
    const m = measureGraph(hugeGraph(), registry, { tf });
    expect(m.ok && m.summary.totalParams).toBe(1_074_794_498);
    expect(m.ok && m.check.size.activationsPerSample).toBe(1024 * 1024 * 2 + 1024 * 2 + 2); // input, flatten, two dense layers of 1024, the head
    const small = measureGraph(hugeGraph(), registry, { tf, limits: { maxActivationsPerSample: 1000 } });
    expect(small.ok && small.check.diagnostics.map((x) => x.message).join(' ')).toMatch(/values per sample .* over the budget of 1,000\. "mlp" produces 1,050,624/);
  });

  it('a graph with an uploaded pretrained model is measured without weights, compiles and predicts, twice', () => {
    const user = tf.sequential({ layers: [tf.layers.dense({ inputShape: [5], units: 3 })] });
    const res = parseGraph({
      format: 'fusionlab/graph',
      version: 1,
      nodes: [
        { id: 'x', kind: 'input.tabular', params: { columns: ['a', 'b', 'c', 'd', 'e'] } },
        { id: 'p', kind: 'encoder.pretrained', params: { asset: 'm', inputShape: [5], outputWidth: 3 } },
        { id: 'h', kind: 'head.classify', params: { classes: 2 } },
      ],
      edges: [
        { id: 'e1', source: 'x', sourcePort: 'out', target: 'p', targetPort: 'in' },
        { id: 'e2', source: 'p', sourcePort: 'out', target: 'h', targetPort: 'in' },
      ],
    });
    if (!res.ok) throw new Error(res.diagnostics[0].message);
    const assets = new Map([['m', user]]);
    const m = measureGraph(res.graph, registry, { tf, assets });
    expect(m.ok && m.check.size.params).toBe(18 + 8);
    const outs: number[][] = [];
    for (let i = 0; i < 2; i++) {
      const c = compileGraph(res.graph, registry, { tf, assets });
      expect(c.ok, c.diagnostics.map((d) => d.message).join(' ')).toBe(true);
      if (!c.ok) return;
      expect(c.summary.nodes.p.params).toBe(18);
      outs.push(Array.from(tf.tidy(() => (c.model.predict(tf.ones([1, 5])) as tf.Tensor).dataSync())));
      c.model.dispose();
    }
    expect(outs[1]).toEqual(outs[0]);
    expect(tf.tidy(() => (user.predict(tf.ones([1, 5])) as tf.Tensor).shape)).toEqual([1, 3]);
    user.dispose();
  });

  it('the editor counts a node from shapes, without allocating its weights', () => {
    const g = hugeGraph();
    const before = tf.memory().numBytes;
    const counts = countNodeParams(g, analyzeGraph(g, registry), tf);
    expect(counts.mlp).toBe(1_074_792_448);
    expect(tf.memory().numBytes).toBe(before);
  });

  it('summary prints the budget verdict; FUSIONLAB_MAX_PARAMS raises the budget', () => {
    const file = writeJson('huge.json', hugeGraph());
    const r = run(['summary', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error [model-too-large] (node mlp)');
    expect(r.stdout).toContain('parameters: 1,074,794,498');
    const raised = run(['summary', file, '--json'], { FUSIONLAB_MAX_PARAMS: '2e9' });
    expect(raised.code).toBe(0);
    expect(JSON.parse(raised.stdout)).toMatchObject({ ok: true, size: { params: 1_074_794_498, maxParams: 2e9 } });
    expect(() => modelLimitsFromEnv({ FUSIONLAB_MAX_PARAMS: 'lots' })).toThrow(/not a positive number/);
  });
});

describe('graph ids and depth', () => {
  it('ids that name Object.prototype properties, or start with _, are refused with a message', () => {
    for (const id of ['__proto__', 'constructor', 'toString', '_x']) {
      const res = parseGraph({ format: 'fusionlab/graph', version: 1, nodes: [{ id, kind: 'input.image' }], edges: [] });
      expect(res.ok, id).toBe(false);
      expect(res.diagnostics[0].message, id).toMatch(/reserved name|start with a letter/);
    }
  });

  it('a 5,000-node chain is a graph-too-deep diagnostic everywhere, and still lays out', () => {
    const g = chainGraph(4998);
    const a = analyzeGraph(g, registry);
    expect(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['graph-too-deep']);
    expect(a.diagnostics[0].message).toMatch(/5000 nodes deep .* up to 500 nodes deep/);
    expect(compileGraph(g, registry, { tf }).diagnostics.map((d) => d.code)).toContain('graph-too-deep');
    expect(exportProgram(g, registry, 'pytorch').diagnostics.map((d) => d.code)).toContain('graph-too-deep');
    const pos = layoutPositions(g);
    expect(Object.keys(pos)).toHaveLength(5000);
    expect(pos.h.x).toBeGreaterThan(pos.d0.x);
    // 500 deep is within the limit and compiles.
    const ok = compileGraph(chainGraph(498), registry, { tf });
    expect(ok.ok).toBe(true);
    if (ok.ok) ok.model.dispose();
  });
});

describe('export --out', () => {
  it('a file name other than .zip is refused, and an existing file is never replaced by a folder', () => {
    const demo = path.join(ROOT, 'templates/demo.json');
    const out = path.join(TMP, 'model.py');
    fs.rmSync(out, { recursive: true, force: true });
    const r = run(['export', demo, '--target', 'pytorch', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/looks like a single file, but an export is several files/);
    expect(fs.existsSync(out)).toBe(false);
    const file = path.join(TMP, 'existing');
    fs.writeFileSync(file, 'mine');
    const e = run(['export', demo, '--target', 'pytorch', '--out', file]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/is an existing file, not a folder/);
    expect(fs.readFileSync(file, 'utf8')).toBe('mine');
  });
});

describe('exported train.py', () => {
  it.skipIf(!fs.existsSync(PYTHON))('with no usable row, stops with a message saying why (not a raw ValueError)', () => {
    const g = JSON.parse(fs.readFileSync(path.join(ROOT, 'templates/image-classifier.json'), 'utf8'));
    const parsed = parseGraph(g);
    if (!parsed.ok) throw new Error('template');
    const exp = exportProgram(parsed.graph, registry, 'pytorch');
    expect(exp.ok).toBe(true);
    const dir = writeFiles('torch-no-rows', exp.files);
    const data = path.join(dir, 'data-missing');
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, 'samples.csv'), ['image,label', ...Array.from({ length: 12 }, (_, i) => `images/missing${i}.png,${i % 2 ? 'cat' : 'dog'}`)].join('\n'));
    const res = spawnSync(PYTHON, ['train.py', '--data', data, '--epochs', '1'], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/No usable rows in the train split of .*data-missing: \d+ rows could not be read; the first: \w+Error/);
    expect(res.stderr).not.toMatch(/Traceback|num_samples/);
  }, 150_000);
});
