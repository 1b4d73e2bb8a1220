import { describe, expect, it, beforeAll } from 'vitest';
import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import { registry } from '../nodes';
import { parseGraph } from '../engine/graph';
import { analyzeGraph } from '../engine/validate';
import { hasErrors } from '../engine/diagnostics';
import { demoDatasetZip, generateDemoDataset, DEMO_SHAPES, type DemoRow } from '../engine/data/demo';
import { loadDataset, type LoadedDataset } from '../engine/data/loader';
import { memorySource } from '../engine/data/source';
import { createNodeAdapter } from '../engine/data/node-decoders';
import demoTemplate from '../templates/demo.json';

function hashFiles(files: Map<string, Uint8Array>): string {
  const h = createHash('sha256');
  for (const k of [...files.keys()].sort()) {
    h.update(k);
    h.update(files.get(k)!);
  }
  return h.digest('hex');
}

/**
 * Multinomial logistic regression by full-batch gradient descent on standardised features:
 * a simple per-modality classifier. Returns accuracy on the evaluation rows.
 */
function logisticAccuracy(xTrain: Float32Array[], yTrain: number[], xEval: Float32Array[], yEval: number[], classes: number): number {
  const d = xTrain[0].length;
  const n = xTrain.length;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const x of xTrain) for (let j = 0; j < d; j++) mean[j] += x[j] / n;
  for (const x of xTrain) for (let j = 0; j < d; j++) sd[j] += (x[j] - mean[j]) ** 2 / n;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]) || 1;
  const z = (x: Float32Array) => Float64Array.from(x, (v, j) => (v - mean[j]) / sd[j]);
  const A = xTrain.map(z);
  const B = xEval.map(z);
  const W = new Float64Array(classes * (d + 1)); // row c: d weights then the bias
  const l = new Float64Array(classes);
  const logits = (x: Float64Array) => {
    for (let c = 0; c < classes; c++) {
      let s = W[c * (d + 1) + d];
      for (let j = 0; j < d; j++) s += W[c * (d + 1) + j] * x[j];
      l[c] = s;
    }
    return l;
  };
  const G = new Float64Array(W.length);
  for (let it = 0; it < 120; it++) {
    G.fill(0);
    for (let k = 0; k < n; k++) {
      const x = A[k];
      logits(x);
      let m = -Infinity;
      for (let c = 0; c < classes; c++) m = Math.max(m, l[c]);
      let s = 0;
      for (let c = 0; c < classes; c++) s += (l[c] = Math.exp(l[c] - m));
      for (let c = 0; c < classes; c++) {
        const g = l[c] / s - (c === yTrain[k] ? 1 : 0);
        const o = c * (d + 1);
        for (let j = 0; j < d; j++) G[o + j] += g * x[j];
        G[o + d] += g;
      }
    }
    for (let i = 0; i < W.length; i++) W[i] -= (0.5 * G[i]) / n + 1e-3 * W[i];
  }
  let ok = 0;
  B.forEach((x, k) => {
    logits(x);
    let best = 0;
    for (let c = 1; c < classes; c++) if (l[c] > l[best]) best = c;
    if (best === yEval[k]) ok++;
  });
  return ok / B.length;
}

describe('the demo dataset', () => {
  it('is identical for the same seed and differs for another', () => {
    const a = generateDemoDataset({ seed: 5, rows: 40 });
    const b = generateDemoDataset({ seed: 5, rows: 40 });
    const c = generateDemoDataset({ seed: 6, rows: 40 });
    expect(a.files.size).toBe(82); // samples.csv + README.md + 40 PNG + 40 WAV
    expect(hashFiles(a.files)).toBe(hashFiles(b.files));
    expect(hashFiles(a.files)).not.toBe(hashFiles(c.files));
    const z1 = demoDatasetZip({ seed: 5, rows: 40 });
    const z2 = demoDatasetZip({ seed: 5, rows: 40 });
    expect(createHash('sha256').update(z1).digest('hex')).toBe(createHash('sha256').update(z2).digest('hex'));
    const unzipped = unzipSync(z1);
    expect(new TextDecoder().decode(unzipped['fusionlab-demo/samples.csv'])).toBe(new TextDecoder().decode(a.files.get('samples.csv')));
  });

  it('has a label that is a function of picture shape, caption shape and pitch', () => {
    const { rows } = generateDemoDataset({ seed: 2, rows: 400 });
    for (const r of rows) expect(r.label).toBe(`${r.shape === r.captionShape ? 'match' : 'mismatch'}-${r.pitch}`);
    for (const r of rows) expect(r.caption).toContain(r.captionShape);
    const labels = new Set(rows.map((r) => r.label));
    expect(labels.size).toBe(4);
    const matches = rows.filter((r) => r.match).length / rows.length;
    expect(matches).toBeGreaterThan(0.4);
    expect(matches).toBeLessThan(0.6);
  });

  describe('single modalities cannot separate the label', () => {
    let ds: LoadedDataset;
    let truth: Map<string, DemoRow>;
    beforeAll(async () => {
      const demo = generateDemoDataset({ seed: 11, rows: 700 });
      truth = new Map(demo.rows.map((r) => [r.id, r]));
      const g = parseGraph(demoTemplate);
      if (!g.ok) throw new Error(JSON.stringify(g.diagnostics));
      ds = await loadDataset(memorySource('demo', demo.files), { graph: g.graph, registry, adapter: createNodeAdapter() });
    }, 60_000);

    it('loads cleanly with the demo template', () => {
      expect(ds.problems).toEqual([]);
      expect(ds.summary.loaded).toBe(700);
      expect(ds.heads[0].classes).toEqual(['match-high', 'match-low', 'mismatch-high', 'mismatch-low']);
    });

    // Features per sample; token ids become a bag of words (ids are not quantities).
    function features(split: 'train' | 'val' | 'test', nodeId: string): Float32Array[] {
      const sp = ds.splits[split];
      const inp = ds.inputs.find((i) => i.nodeId === nodeId)!;
      const size = inp.shape.reduce((a, b) => a * b, 1);
      return Array.from({ length: sp.count }, (_, n) => {
        const x = sp.inputs[nodeId].subarray(n * size, (n + 1) * size);
        if (inp.kind !== 'input.text') return x;
        const bag = new Float32Array(64);
        for (const id of x) if (id > 0) bag[id] += 1;
        return bag;
      });
    }

    it('per modality the label stays near chance, while each modality carries its own factor', () => {
      const head = ds.heads[0].nodeId;
      const yTrain = Array.from(ds.splits.train.classIndex[head]);
      const evalX = (id: string) => [...features('val', id), ...features('test', id)];
      const yEval = [...ds.splits.val.classIndex[head], ...ds.splits.test.classIndex[head]];
      const facts = (split: 'train' | 'val' | 'test') => ds.splits[split].ids.map((id) => truth.get(id)!);
      const evalFacts = [...facts('val'), ...facts('test')];
      const results: Record<string, number> = {};
      for (const inp of ds.inputs) {
        results[inp.nodeId] = logisticAccuracy(features('train', inp.nodeId), yTrain, evalX(inp.nodeId), yEval, 4);
        expect(results[inp.nodeId]).toBeLessThanOrEqual(0.65);
      }
      // Positive controls: the same classifier finds each modality's own factor.
      const shapeIdx = (s: string) => DEMO_SHAPES.indexOf(s as (typeof DEMO_SHAPES)[number]);
      const control = {
        tone: logisticAccuracy(features('train', 'tone'), facts('train').map((r) => (r.pitch === 'high' ? 1 : 0)), evalX('tone'), evalFacts.map((r) => (r.pitch === 'high' ? 1 : 0)), 2),
        caption: logisticAccuracy(features('train', 'caption'), facts('train').map((r) => shapeIdx(r.captionShape)), evalX('caption'), evalFacts.map((r) => shapeIdx(r.captionShape)), 3),
        picture: logisticAccuracy(features('train', 'picture'), facts('train').map((r) => shapeIdx(r.shape)), evalX('picture'), evalFacts.map((r) => shapeIdx(r.shape)), 3),
      };
      expect(control.tone).toBeGreaterThan(0.95);
      expect(control.caption).toBeGreaterThan(0.95);
      expect(control.picture).toBeGreaterThan(0.8); // far above 1/3: the shape is visible
      // The tone alone knows half the label (the pitch), so it is the best single modality.
      expect(results.tone).toBeGreaterThan(0.4);
      console.log('single-modality label accuracy', results, 'controls', control);
    });
  });

  it('ships a demo template that validates clean and binds to the demo columns', () => {
    const g = parseGraph(demoTemplate);
    expect(g.ok).toBe(true);
    if (!g.ok) return;
    const a = analyzeGraph(g.graph, registry);
    expect(hasErrors(a.diagnostics)).toBe(false);
    expect(a.diagnostics.filter((d) => d.severity === 'warning')).toEqual([]);
  });
});
