/**
 * engine/sweep.ts: the fusion sweep's graphs. On the demo (four inputs into concat) every
 * compatible feature-level operator validates and compiles, and the late average, vote and stack
 * over one head per modality do too; operators that cannot take four inputs are listed as not
 * applicable with a diagnostic, not dropped or thrown.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import { fusionOperatorVariants, lateFusionVariants, sweepFusionNode, sweepVariants } from '../engine/sweep';
import { registry } from '../nodes';
import { graph } from './fixtures/graphs';
import { loadTemplate } from './fixtures/export-harness';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('fusion sweep variants', () => {
  const demo = loadTemplate('demo');

  it('swap the demo\'s concat for every compatible operator (at least six), each compiling', () => {
    const ops = fusionOperatorVariants(demo, registry);
    expect(ops.map((v) => v.op).sort()).toEqual(registry.all().filter((s) => s.category === 'fusion').map((s) => s.kind).sort());
    const ok = ops.filter((v) => v.ok);
    expect(ok.length).toBeGreaterThanOrEqual(6);
    expect(ok.map((v) => v.op)).toEqual(expect.arrayContaining(['fusion.concat', 'fusion.add', 'fusion.gated', 'fusion.attention', 'fusion.low-rank']));
    expect(ops.find((v) => v.current)?.op).toBe('fusion.concat');
    for (const v of ok) {
      const c = compileGraph(v.graph, registry, { tf });
      expect(c.ok, v.op).toBe(true);
      if (c.ok) c.model.dispose();
    }
    // Two-input operators cannot take the demo's four inputs: not applicable, with the reason.
    for (const op of ['fusion.mfb', 'fusion.film', 'fusion.cross-attention']) {
      const v = ops.find((x) => x.op === op)!;
      expect(v.ok, op).toBe(false);
      expect(v.diagnostics.some((d) => d.severity === 'error'), op).toBe(true);
    }
  });

  it('build the model-level variants over one head per modality', () => {
    const late = lateFusionVariants(demo, registry);
    expect(late.map((v) => v.op)).toEqual(['late.average', 'late.vote', 'late.stack']);
    for (const v of late) {
      expect(v.ok, `${v.op}: ${JSON.stringify(v.diagnostics)}`).toBe(true);
      const heads = v.graph.nodes.filter((n) => n.kind === 'head.classify');
      expect(heads).toHaveLength(4);
      expect(v.graph.nodes.some((n) => n.id === 'fuse' || n.id === 'mix')).toBe(false);
      const c = compileGraph(v.graph, registry, { tf });
      expect(c.ok, v.op).toBe(true);
      if (c.ok) {
        expect(c.summary.outputs.length).toBe(5);
        c.model.dispose();
      }
    }
  });

  it('a graph without a fusion node has nothing to sweep; two inputs reach the two-input operators', () => {
    const single = graph([['t', 'input.tabular', { columns: ['a', 'b'] }], ['m', 'encoder.tabular-mlp'], ['h', 'head.classify', { classes: 2 }]], ['t.out->m.in', 'm.out->h.in']);
    expect(sweepFusionNode(single, registry)).toBeUndefined();
    expect(sweepVariants(single, registry)).toEqual([]);
    const two = graph(
      [['a', 'input.tabular', { columns: ['a'] }], ['b', 'input.tabular', { columns: ['b', 'c'] }], ['ea', 'encoder.tabular-mlp', { units: 8 }], ['eb', 'encoder.tabular-mlp', { units: 4 }], ['f', 'fusion.concat'], ['h', 'head.classify', { classes: 2 }]],
      ['a.out->ea.in', 'b.out->eb.in', 'ea.out->f.in', 'eb.out->f.in', 'f.out->h.in'],
    );
    const ok = fusionOperatorVariants(two, registry).filter((v) => v.ok).map((v) => v.op);
    expect(ok).toEqual(expect.arrayContaining(['fusion.mfb', 'fusion.film', 'fusion.gated', 'fusion.add']));
  });
});
