/** Pure logic of the app's Data panel (components/data/progress.ts). */
import { describe, expect, it } from 'vitest';
import { bindGraph, graphFixes, trainClasses, type ColumnInfo } from '../engine/data';
import { columnTypesFromGraph, formatDuration, formatStat, progressStats, readsDemoColumns } from '../components/data/progress';
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

describe('class-count fixes', () => {
  const g = graphOf('avmnist');
  const columns: ColumnInfo[] = ['image', 'audio'].map((name) => ({ name, type: name as ColumnInfo['type'], filled: 1, missing: 0, distinct: 1, examples: [] }));
  columns.push({ name: 'label', type: 'category', filled: 1, missing: 0, distinct: 1, examples: [] });
  const digits = (n: number, perClass: number) => Array.from({ length: n }, (_, i) => ({ name: String(i), bySplit: { train: perClass } }));
  const fixesFor = (classes: { name: string; bySplit: { train: number; val?: number; test?: number } }[]) =>
    graphFixes(g, registry, { columns, labels: [{ column: 'label', imbalance: 1, classes: classes.map((c) => ({ ...c, count: c.bySplit.train, bySplit: { val: 0, test: 0, ...c.bySplit } })) }] });
  it('is silent when the head matches the data', () => {
    expect(fixesFor(digits(10, 270))).toEqual([]);
  });
  it('names the count the head should have', () => {
    const m = fixesFor(digits(4, 50));
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ kind: 'set-classes', nodeId: 'digit', param: 'classes', value: 4, automatic: true });
  });
  it('does not count a stray label (one bad row) as a class', () => {
    const classes = [...digits(9, 2), { name: '9', bySplit: { train: 1 } }, { name: 'banana', bySplit: { train: 1 } }];
    expect(trainClasses({ classes })).toHaveLength(10);
    // A lone word among words is a class, not a typo.
    const words = ['cat', 'dog', 'owl'].map((name) => ({ name, bySplit: { train: 1 } }));
    expect(trainClasses({ classes: words })).toEqual(['cat', 'dog', 'owl']);
    const big = [...digits(10, 270), { name: 'banana', bySplit: { train: 3 } }];
    expect(trainClasses({ classes: big })).toHaveLength(10);
    // A class rare in train but present in test is a class.
    expect(trainClasses({ classes: [...digits(10, 270), { name: 'rare', bySplit: { train: 3, test: 2 } }] })).toHaveLength(11);
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
