/** Pure logic of the app's Data panel (components/data/progress.ts). */
import { describe, expect, it } from 'vitest';
import { bindGraph, type ColumnInfo } from '../engine/data';
import { classMismatches, columnTypesFromGraph, formatDuration, formatStat, progressStats, readsDemoColumns } from '../components/data/progress';
import { registry } from '../nodes';
import { templates } from '../templates';

const graphOf = (id: string) => templates.find((t) => t.id === id)!.graph;

describe('progress figures', () => {
  it('gives the rate and the time left while decoding', () => {
    const p = progressStats('decode', 500, 2000, 1000, 3000);
    expect(p.rate).toBeCloseTo(250);
    expect(p.etaMs).toBeCloseTo(6000);
    expect(p.fraction).toBeCloseTo(0.02 + 0.93 * 0.25);
  });
  it('knows no rate before the first samples, and is monotone over the stages', () => {
    expect(progressStats('decode', 0, 100, 0, 10).etaMs).toBeNull();
    expect(progressStats('open', 0, 1, 0, 0).rate).toBe(0);
    const a = progressStats('open', 1, 1, 0, 1).fraction;
    const b = progressStats('decode', 100, 100, 0, 1).fraction;
    const c = progressStats('encode', 3, 3, 0, 1).fraction;
    expect(a).toBeLessThan(b);
    expect(b).toBeLessThan(c);
    expect(c).toBe(1);
  });
  it('formats durations and statistics', () => {
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatStat(0.123456)).toBe('0.123');
    expect(formatStat(1234567)).toBe('1.23e+6');
  });
});

describe('class-count mismatches', () => {
  const g = graphOf('avmnist');
  const head = { nodeId: 'digit', kind: 'head.classify', task: 'classify' as const, column: 'label', classes: [], shape: [10] };
  const digits = (n: number, perClass: number) => Array.from({ length: n }, (_, i) => ({ name: String(i), bySplit: { train: perClass } }));
  it('is silent when the head matches the data', () => {
    expect(classMismatches(g, { heads: [head] }, [{ column: 'label', classes: digits(10, 270) }])).toEqual([]);
  });
  it('names the count the head should have', () => {
    const m = classMismatches(g, { heads: [head] }, [{ column: 'label', classes: digits(4, 50) }]);
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ nodeId: 'digit', expected: 10, found: 4 });
  });
  it('does not count a stray label (one bad row) as a class', () => {
    const classes = [...digits(9, 2), { name: '9', bySplit: { train: 1 } }, { name: 'banana', bySplit: { train: 1 } }];
    expect(classMismatches(g, { heads: [head] }, [{ column: 'label', classes }])).toEqual([]);
    // A class rare in train but present in test is a class.
    // A lone word among words is a class, not a typo.
    const words = ['cat', 'dog', 'owl'].map((name) => ({ name, bySplit: { train: 1 } }));
    expect(classMismatches(g, { heads: [{ ...head }] }, [{ column: 'label', classes: words }])[0]).toMatchObject({ found: 3 });
    const big = [...digits(10, 270), { name: 'banana', bySplit: { train: 3 } }];
    expect(classMismatches(g, { heads: [head] }, [{ column: 'label', classes: big }])).toEqual([]);
  });
  it('ignores regression heads and missing datasets', () => {
    expect(classMismatches(g, null, [])).toEqual([]);
    expect(classMismatches(g, { heads: [{ ...head, task: 'regress' }] }, [{ column: 'label', classes: digits(3, 5) }])).toEqual([]);
  });
});

describe('the demo graph', () => {
  it('is recognised by the columns it reads; AV-MNIST is not', () => {
    expect(readsDemoColumns(bindGraph(graphOf('demo'), registry))).toBe(true);
    expect(readsDemoColumns(bindGraph(graphOf('avmnist'), registry))).toBe(false);
    expect(readsDemoColumns({ inputs: [], heads: [] })).toBe(false);
  });
});

describe('column types from the graph', () => {
  const col = (name: string, type: ColumnInfo['type']): ColumnInfo => ({ name, type, filled: 3, missing: 0, distinct: 3, examples: [] });
  it('types a column by the input that reads it: WebM audio is audio, not video', () => {
    const cols = [col('id', 'id'), col('video', 'video'), col('audio', 'video'), col('pic', 'text'), col('label', 'category'), col('gone', 'empty')];
    const bound = bindGraph(graphOf('audio-video'), registry).inputs;
    const typed = columnTypesFromGraph(cols, [...bound, { kind: 'input.image', columns: ['pic', 'gone'] }, { kind: 'input.text', columns: ['label'] }]);
    expect(typed.map((c) => c.type)).toEqual(['id', 'video', 'audio', 'image', 'category', 'empty']);
    // Unchanged columns are the same objects; the input is not modified.
    expect(typed[0]).toBe(cols[0]);
    expect(cols[2].type).toBe('video');
  });
});
