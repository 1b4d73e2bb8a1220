/**
 * Data scored by a saved model is encoded with the model's own fitted state (LoadOptions.fitted):
 * `fusionlab evaluate --data other` reads new data the way `predict` and the saved model do, not
 * with a vocabulary and scaling fitted afresh on that data.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDemoDataset } from '../engine/data/demo';
import { featuriseSample, loadDataset, type LoadedDataset } from '../engine/data/loader';
import { parseCsvManifest } from '../engine/data/manifest';
import { createNodeAdapter } from '../engine/data/node-decoders';
import { memorySource } from '../engine/data/source';
import { parseGraph } from '../engine/graph';
import { registry } from '../nodes';
import demoTemplate from '../templates/demo.json';

const graph = (() => {
  const r = parseGraph(demoTemplate);
  if (!r.ok) throw new Error('demo template');
  return r.graph;
})();
const adapter = createNodeAdapter();
const load = (files: Map<string, Uint8Array>, fitted?: LoadedDataset['fitted']) => loadDataset(memorySource('d', files), { graph, registry, adapter, fitted });

describe('encoding new data with a saved model\'s fitted state', () => {
  const a = generateDemoDataset({ seed: 1, rows: 240 }).files;
  const b = generateDemoDataset({ seed: 7, rows: 120 }).files;
  let trained: LoadedDataset;
  let withSaved: LoadedDataset;
  let refit: LoadedDataset;
  let before: string;

  beforeAll(async () => {
    trained = await load(a);
    before = JSON.stringify(trained.fitted);
    withSaved = await load(b, trained.fitted);
    refit = await load(b);
  }, 60_000);

  it('keeps the saved state as it is, and leaves the caller\'s object unchanged', () => {
    expect(withSaved.ok).toBe(true);
    expect(JSON.stringify(withSaved.fitted)).toBe(before);
    expect(JSON.stringify(trained.fitted)).toBe(before);
    // Fitted afresh, the other data gives another state (the vocabulary or the scaling differ).
    expect(JSON.stringify(refit.fitted)).not.toBe(before);
  });

  it('encodes every row exactly as prediction featurises it with the saved state', async () => {
    const m = parseCsvManifest(new TextDecoder().decode(b.get('samples.csv')));
    const source = memorySource('d', b);
    let differsFromRefit = false;
    const test = withSaved.splits.test;
    expect(test.count).toBeGreaterThan(3);
    for (let n = 0; n < 4; n++) {
      const r = m.rows.find((x) => x.row === test.rows[n]);
      if (!r) throw new Error('row');
      const cells = Object.fromEntries(m.columns.map((c, j) => [c, r.values[j]]));
      const one = await featuriseSample(trained.fitted, cells, source, adapter);
      expect(one.ok).toBe(true);
      if (!one.ok) return;
      for (const inp of withSaved.inputs) {
        const size = inp.shape.reduce((x, y) => x * y, 1);
        expect(Array.from(one.inputs[inp.nodeId]), inp.nodeId).toEqual(Array.from(test.inputs[inp.nodeId].subarray(n * size, (n + 1) * size)));
        const k = refit.splits.test.rows.indexOf(test.rows[n]);
        const other = refit.splits.test.inputs[inp.nodeId].subarray(k * size, (k + 1) * size);
        if (other.some((v, j) => v !== one.inputs[inp.nodeId][j])) differsFromRefit = true;
      }
    }
    // What evaluate did before: the same rows encoded with a state fitted on them read differently.
    expect(differsFromRefit).toBe(true);
  });

  it('skips rows whose label the model never learnt, and says so', async () => {
    const files = new Map(b);
    const text = new TextDecoder().decode(files.get('samples.csv'));
    const lines = text.split('\n');
    lines[1] = lines[1].replace(/,(match|mismatch)-(low|high),/, ',unseen-class,');
    files.set('samples.csv', new TextEncoder().encode(lines.join('\n')));
    const ds = await load(files, trained.fitted);
    const unknown = ds.problems.filter((p) => p.code === 'unknown-label');
    expect(unknown).toHaveLength(1);
    expect(unknown[0].message).toMatch(/"unseen-class" .* not one of the classes learnt by the model/);
    expect(ds.summary.loaded).toBe(withSaved.summary.loaded - 1);
  });
});
