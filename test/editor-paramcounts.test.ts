import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import { countNodeParams } from '../engine/editor/paramCounts';
import { removeElements } from '../engine/editor/mutations';
import { analyzeGraph } from '../engine/validate';
import { registry } from '../nodes';
import { templates } from '../templates';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('per-node parameter counts', () => {
  it('match the compiler summary on every template', () => {
    for (const t of templates) {
      const r = compileGraph(t.graph, registry, { tf });
      expect(r.ok, t.id).toBe(true);
      if (!r.ok) continue;
      const counts = countNodeParams(t.graph, analyzeGraph(t.graph, registry), tf);
      for (const [id, n] of Object.entries(r.summary.nodes)) expect(counts[id], `${t.id}/${id}`).toBe(n.params);
      r.model.dispose();
    }
  });
  it('still count typed nodes when the graph does not compile', () => {
    const t = templates.find((x) => x.id === 'avmnist') ?? templates[0];
    const head = t.graph.nodes.find((n) => registry.get(n.kind)?.category === 'head');
    expect(head).toBeDefined();
    const broken = removeElements(t.graph, { nodes: [head!.id] });
    const analysis = analyzeGraph(broken, registry);
    expect(compileGraph(broken, registry, { tf }).ok).toBe(false);
    const before = tf.memory().numTensors;
    const counts = countNodeParams(broken, analysis, tf);
    expect(tf.memory().numTensors).toBe(before); // every weight made for counting is disposed
    const encoders = broken.nodes.filter((n) => registry.get(n.kind)?.category === 'encoder');
    expect(encoders.length).toBeGreaterThan(0);
    for (const e of encoders) expect(counts[e.id]).toBeGreaterThan(0);
  });
});
