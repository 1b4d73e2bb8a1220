import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import { parseGraphText } from '../engine/graph';
import { analyzeGraph } from '../engine/validate';
import { registry } from '../nodes';
import { templates } from './fixtures/template-files';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const REQUIRED = ['avmnist', 'avmnist-late', 'image-text-gated', 'text-tabular', 'audio-video', 'demo'];

describe('templates', () => {
  it('include every template the catalogue promises', () => {
    expect(templates().map((t) => t.id)).toEqual(expect.arrayContaining(REQUIRED));
  });

  for (const t of templates()) {
    describe(t.id, () => {
      it('parses, has a name and description, and validates clean', () => {
        const res = parseGraphText(t.text);
        expect(res.ok, JSON.stringify(res.diagnostics)).toBe(true);
        if (!res.ok) return;
        expect(res.graph.name.length).toBeGreaterThan(0);
        expect(res.graph.description.length).toBeGreaterThan(20);
        expect(analyzeGraph(res.graph, registry).diagnostics).toEqual([]);
      });

      it('compiles, and the summary counts every parameter', () => {
        const res = parseGraphText(t.text);
        if (!res.ok) throw new Error('parse');
        const c = compileGraph(res.graph, registry, { tf });
        expect(c.ok, JSON.stringify(c.diagnostics)).toBe(true);
        if (!c.ok) return;
        expect(c.summary.totalParams).toBe(c.model.countParams());
        const perNode = Object.values(c.summary.nodes).reduce((a, n) => a + n.params, 0);
        expect(perNode).toBe(c.summary.totalParams);
        expect(c.summary.totalParams).toBeGreaterThan(0);
        // Every input node is a model input and every head a model output.
        const inputs = res.graph.nodes.filter((n) => n.kind.startsWith('input.')).map((n) => n.id);
        expect(c.summary.inputs.map((i) => i.nodeId).sort()).toEqual(inputs.sort());
        c.model.dispose();
      });
    });
  }
});
