/**
 * Random and mutated graph documents never throw: parsing, analysis, canConnect and compile all
 * answer with diagnostics.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import { hasErrors } from '../engine/diagnostics';
import { parseGraph, parseGraphText, serializeGraph, type GraphDoc } from '../engine/graph';
import { analyzeGraph, canConnect } from '../engine/validate';
import { registry } from '../nodes';
import { toyRegistry } from './fixtures/toy-nodes';
import { templates } from './fixtures/template-files';
import { mulberry32 } from '../engine/data/rng';

/** A seeded PRNG so failures reproduce. */
const rng = mulberry32;

function randomValue(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * (depth > 3 ? 6 : 8));
  switch (pick) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return [0, -1, 1e308, -0, 3.5, 2 ** 53, 1e-300][Math.floor(r() * 7)];
    case 3: return ['', 'a', 'in', 'out', '__proto__', 'constructor', '💥', 'x'.repeat(300), 'input.image', 'fusion.concat'][Math.floor(r() * 10)];
    case 4: return Math.floor(r() * 100);
    case 5: return 'str' + Math.floor(r() * 10);
    case 6: return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const keys = ['format', 'version', 'nodes', 'edges', 'id', 'kind', 'params', 'source', 'target', 'sourcePort', 'targetPort', 'position', 'label', 'frozen', 'x', 'y', 'units'];
      for (let i = 0; i < Math.floor(r() * 5); i++) o[keys[Math.floor(r() * keys.length)]] = randomValue(r, depth + 1);
      return o;
    }
  }
}

/** Change one random place in a JSON value. */
function mutate(value: unknown, r: () => number): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0 || r() < 0.15) return [...value, randomValue(r)];
    const copy = [...value];
    const i = Math.floor(r() * copy.length);
    if (r() < 0.2) copy.splice(i, 1);
    else copy[i] = mutate(copy[i], r);
    return copy;
  }
  if (value && typeof value === 'object') {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    if (keys.length === 0 || r() < 0.1) return randomValue(r);
    const k = keys[Math.floor(r() * keys.length)];
    if (r() < 0.2) delete copy[k];
    else copy[k] = r() < 0.7 ? mutate(copy[k], r) : randomValue(r);
    return copy;
  }
  return randomValue(r);
}

function exercise(doc: unknown, reg = registry) {
  const res = parseGraph(doc);
  if (!res.ok) {
    expect(res.diagnostics.length).toBeGreaterThan(0);
    return undefined;
  }
  const a = analyzeGraph(res.graph, reg);
  const ids = res.graph.nodes.map((n) => n.id);
  for (let i = 0; i < 5 && ids.length; i++) {
    canConnect(res.graph, reg, { source: ids[i % ids.length], sourcePort: 'out', target: ids[(i * 7) % ids.length], targetPort: i % 2 ? 'in' : 'query' }, a);
  }
  serializeGraph(res.graph);
  return { graph: res.graph, analysis: a };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('fuzz', () => {
  it('random JSON values never throw', () => {
    const r = rng(1);
    for (let i = 0; i < 3000; i++) exercise(randomValue(r));
  });

  it('random text never throws', () => {
    const r = rng(2);
    const pieces = ['{', '}', '[', ']', '"format"', ':', '"fusionlab/graph"', ',', '1', 'null', '"nodes"', '"edges"', '"'];
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: Math.floor(r() * 30) }, () => pieces[Math.floor(r() * pieces.length)]).join('');
      const res = parseGraphText(text);
      expect(typeof res.ok).toBe('boolean');
    }
  });

  it('mutated templates never throw, and compile answers with a model or diagnostics', () => {
    const r = rng(3);
    let compiled = 0;
    for (const t of templates()) {
      let doc: unknown = JSON.parse(t.text);
      for (let i = 0; i < 300; i++) {
        doc = i % 25 === 0 ? JSON.parse(t.text) : mutate(doc, r);
        const out = exercise(doc);
        if (out && i % 60 === 7) {
          const c = compileGraph(out.graph, registry, { tf, analysis: out.analysis });
          if (c.ok) {
            compiled++;
            c.model.dispose();
          } else expect(c.diagnostics.length).toBeGreaterThan(0);
        }
      }
    }
    expect(compiled).toBeGreaterThanOrEqual(0);
  });

  it('random wiring of real kinds never throws', () => {
    const r = rng(4);
    const kinds = registry.all().map((s) => s.kind);
    const ports = ['in', 'out', 'query', 'context', 'x', 'condition', 'weights'];
    for (let i = 0; i < 400; i++) {
      const n = 2 + Math.floor(r() * 8);
      const g: GraphDoc = {
        format: 'fusionlab/graph',
        version: 1,
        name: 'fuzz',
        description: '',
        nodes: Array.from({ length: n }, (_, j) => ({ id: `n${j}`, kind: kinds[Math.floor(r() * kinds.length)], label: '', params: {}, position: { x: 0, y: 0 }, frozen: false })),
        edges: Array.from({ length: Math.floor(r() * n * 2) }, (_, j) => ({
          id: `e${j}`,
          source: `n${Math.floor(r() * n)}`,
          sourcePort: ports[Math.floor(r() * ports.length)],
          target: `n${Math.floor(r() * n)}`,
          targetPort: ports[Math.floor(r() * ports.length)],
        })),
      };
      const out = exercise(g);
      expect(out).toBeDefined();
      if (out && !hasErrors(out.analysis.diagnostics) && i % 10 === 0) {
        const c = compileGraph(out.graph, registry, { tf, analysis: out.analysis });
        if (c.ok) c.model.dispose();
      }
    }
  });

  it('the toy registry survives the same', () => {
    const r = rng(5);
    for (let i = 0; i < 1000; i++) exercise(randomValue(r), toyRegistry);
  });
});
