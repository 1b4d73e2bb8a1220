import { describe, expect, it } from 'vitest';
import { parseCsv, parseCsvManifest, parseJsonlManifest, parseManifest, writeCsv } from '../engine/data/manifest';
import { assignSplits, parseSplitCell } from '../engine/data/split';
import { fitClasses, sortClassNames, splitMultiLabel } from '../engine/data/labels';
import { encodeTokens, fitVocabulary, tokenize, vocabularyIndex, PAD_ID, UNK_ID } from '../engine/data/text';
import { resolveDataPath, zipSource, memorySource } from '../engine/data/source';
import { openDataset } from '../engine/data/layout';
import { encodeTabular, fitTabular, parseNumber, tabularWidth } from '../engine/data/tabular';
import { zipSync, strToU8 } from 'fflate';

describe('CSV manifest', () => {
  it('reads quotes, escaped quotes, commas and newlines inside quotes, CRLF and a BOM', () => {
    const text = '\uFEFFid,text,label\r\n1,"hello, world",a\r\n2,"she said ""hi""",b\r\n3,"two\nlines",c\r\n4,plain,d\r\n';
    const m = parseCsvManifest(text);
    expect(m.problems).toEqual([]);
    expect(m.columns).toEqual(['id', 'text', 'label']);
    expect(m.rows.map((r) => r.values[1])).toEqual(['hello, world', 'she said "hi"', 'two\nlines', 'plain']);
    // Row 4 starts on line 6 because row 3 spans two lines.
    expect(m.rows.map((r) => [r.row, r.line])).toEqual([
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 6],
    ]);
  });

  it('reads columns in any order and keeps empty cells', () => {
    const m = parseCsvManifest('label,,image\nx,,a.png\n');
    expect(m.columns).toEqual(['label', 'column2', 'image']);
    expect(m.rows[0].values).toEqual(['x', '', 'a.png']);
  });

  it('reports a line with the wrong number of cells and keeps the rest', () => {
    const m = parseCsvManifest('a,b\n1,2\n3\n4,5,6\n7,8\n9,10,\n');
    expect(m.rows.map((r) => r.values)).toEqual([
      ['1', '2'],
      ['7', '8'],
      ['9', '10'], // a trailing empty cell is tolerated
    ]);
    expect(m.problems.map((p) => [p.code, p.row, p.line])).toEqual([
      ['broken-line', 2, 3],
      ['broken-line', 3, 4],
    ]);
  });

  it('reports an unclosed quote on its own line and resumes on the next line', () => {
    const m = parseCsvManifest('a,b\n1,"oops\n2,ok\n3,fine\n');
    expect(m.problems).toHaveLength(1);
    expect(m.problems[0]).toMatchObject({ code: 'broken-line', line: 2 });
    expect(m.rows.map((r) => r.values)).toEqual([
      ['2', 'ok'],
      ['3', 'fine'],
    ]);
  });

  it('skips blank lines, renames duplicate header cells with a warning, and stops at maxRows', () => {
    const m = parseCsvManifest('a,a\n\n1,2\n\n3,4\n5,6\n', 2);
    expect(m.columns).toEqual(['a', 'a_2']);
    expect(m.rows).toHaveLength(2);
    expect(m.problems.map((p) => p.code).sort()).toEqual(['duplicate-column', 'too-many-rows']);
  });

  it('reports an empty file', () => {
    expect(parseCsvManifest('').problems[0].code).toBe('manifest-empty');
    expect(parseCsv('\n\n').records).toEqual([]);
  });

  it('round-trips through writeCsv', () => {
    const rows = [
      ['1', 'a "quoted", text', ' lead'],
      ['2', 'multi\nline', 'x'],
    ];
    const m = parseCsvManifest(writeCsv(['id', 't', 'u'], rows));
    expect(m.rows.map((r) => r.values)).toEqual(rows);
  });
});

describe('JSONL manifest', () => {
  it('unions keys in order of first use and reports bad lines', () => {
    const m = parseJsonlManifest('{"id":1,"text":"hi"}\n\n{"label":"x","id":2}\nnot json\n[1,2]\n{"tags":["a","b"],"n":null}\n');
    expect(m.columns).toEqual(['id', 'text', 'label', 'tags', 'n']);
    expect(m.rows.map((r) => r.values)).toEqual([
      ['1', 'hi', '', '', ''],
      ['2', '', 'x', '', ''],
      ['', '', '', 'a;b', ''],
    ]);
    expect(m.problems.map((p) => [p.code, p.row, p.line])).toEqual([
      ['broken-line', 3, 4],
      ['broken-line', 4, 5],
    ]);
    expect(parseManifest('{"a":1}', 'x/samples.jsonl').format).toBe('jsonl');
  });
});

describe('splits', () => {
  it('uses the split column, spelling variants, and reports bad cells', () => {
    expect(parseSplitCell(' Validation ')).toBe('val');
    const rows = ['train', 'TEST', 'dev', 'bogus'].map((cell, i) => ({ row: i + 1, line: i + 2, key: String(i), cell }));
    const r = assignSplits(rows);
    expect(r.splits).toEqual(['train', 'test', 'val', null]);
    expect(r.problems[0]).toMatchObject({ code: 'bad-split', row: 4 });
  });

  it('splits by seed with exact fractions, independent of row order', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ row: i + 1, line: i + 2, key: `id${i}` }));
    const a = assignSplits(rows, { seed: 7, valFraction: 0.2, testFraction: 0.1 });
    expect(a.splits.filter((s) => s === 'val')).toHaveLength(20);
    expect(a.splits.filter((s) => s === 'test')).toHaveLength(10);
    const reversed = assignSplits([...rows].reverse(), { seed: 7, valFraction: 0.2, testFraction: 0.1 });
    const byKey = new Map(rows.map((r, i) => [r.key, a.splits[i]]));
    [...rows].reverse().forEach((r, i) => expect(reversed.splits[i]).toBe(byKey.get(r.key)));
    const other = assignSplits(rows, { seed: 8, valFraction: 0.2 });
    expect(other.splits).not.toEqual(a.splits);
  });
});

describe('labels', () => {
  it('sorts numeric class names numerically, others by code units', () => {
    expect(sortClassNames(['10', '9', '2', '2'])).toEqual(['2', '9', '10']);
    expect(sortClassNames(['b', 'B', 'a'])).toEqual(['B', 'a', 'b']);
  });
  it('keeps the most frequent classes when the head expects fewer', () => {
    expect(fitClasses(['1', '1', '2', '2', 'oops'], 2)).toEqual({ classes: ['1', '2'], dropped: ['oops'] });
    expect(splitMultiLabel(' a; b|c ;')).toEqual(['a', 'b', 'c']);
  });
});

describe('text', () => {
  it('tokenizes words with punctuation and characters', () => {
    expect(tokenize("Don't panic, Zoë!", { tokenizer: 'word', lowercase: true })).toEqual(["don't", 'panic', ',', 'zoë', '!']);
    expect(tokenize('a  b', { tokenizer: 'char', lowercase: false })).toEqual(['a', ' ', 'b']);
  });
  it('fits a vocabulary with pad 0 and unknown 1, and pads and truncates', () => {
    const vocab = fitVocabulary([['b', 'a', 'b'], ['c', 'a', 'b']], 4);
    expect(vocab).toEqual(['<pad>', '<unk>', 'b', 'a']);
    const idx = vocabularyIndex(vocab);
    expect([...encodeTokens(['a', 'zzz'], idx, 4)]).toEqual([3, UNK_ID, PAD_ID, PAD_ID]);
    expect([...encodeTokens(['b', 'b', 'b'], idx, 2)]).toEqual([2, 2]);
  });
});

describe('tabular', () => {
  it('parses numbers strictly, standardises and one-hot encodes', () => {
    expect(parseNumber(' 1e3 ')).toBe(1000);
    expect(parseNumber('12abc')).toBeNull();
    expect(parseNumber('NaN')).toBeNull();
    const p = { columns: ['x'], categorical: [{ column: 'c', cardinality: 2 }], standardise: true };
    expect(tabularWidth(p)).toBe(3);
    const rows = [
      { numbers: [1], categories: ['red'] },
      { numbers: [3], categories: ['red'] },
      { numbers: [5], categories: ['blue'] },
      { numbers: [7], categories: ['green'] },
    ];
    const { fitted, overflow } = fitTabular(rows, p);
    expect(fitted.means[0]).toBe(4);
    expect(fitted.categories[0]).toEqual(['red', 'blue']);
    expect(overflow).toEqual([{ column: 'c', dropped: ['green'] }]);
    const out = new Float32Array(3);
    encodeTabular({ numbers: [4], categories: ['blue'] }, p, fitted, out, 0);
    expect([...out]).toEqual([0, 0, 1]);
    encodeTabular({ numbers: [4], categories: ['green'] }, p, fitted, out, 0);
    expect([...out]).toEqual([0, 0, 0]);
  });
});

describe('sources', () => {
  it('finds the shallowest manifest and ignores __MACOSX', async () => {
    const t = new TextEncoder().encode('a,label\n1,x\n');
    const files = Object.fromEntries(['__MACOSX/d/samples.csv', 'd/samples.jsonl', 'd/samples.csv', 'd/sub/samples.csv'].map((p) => [p, t]));
    const opened = await openDataset(memorySource('m', files));
    expect({ path: opened.path, dir: opened.dir, layout: opened.layout }).toEqual({ path: 'd/samples.csv', dir: 'd', layout: 'manifest' });
    const none = await openDataset(memorySource('m', { 'a.png': t }));
    expect(none.manifest).toBeNull();
    expect(none.problems.map((p) => p.code)).toEqual(['no-manifest']);
  });
  it('refuses paths that leave the dataset', () => {
    expect(resolveDataPath('d', 'images/../a.png')).toBe('d/a.png');
    expect(resolveDataPath('d', '../secret')).toBeNull();
    expect(resolveDataPath('', '/etc/passwd')).toBeNull();
    expect(resolveDataPath('', 'C:\\x.png')).toBeNull();
    expect(resolveDataPath('', '.\\images\\a.png')).toBe('images/a.png');
  });
  it('reads a zip, and refuses one that expands past the limit, naming the limit', async () => {
    const zip = zipSync({ 'ds/samples.csv': strToU8('id,label\n1,a\n'), 'ds/big.bin': new Uint8Array(100_000) });
    const ok = zipSource('x.zip', zip);
    expect(ok.problems).toEqual([]);
    expect(new TextDecoder().decode(await ok.source!.read('ds/samples.csv'))).toContain('1,a');
    const bomb = zipSource('x.zip', zip, { maxArchiveExpandedBytes: 50_000 });
    expect(bomb.source).toBeNull();
    expect(bomb.problems[0].code).toBe('archive-too-large');
    expect(bomb.problems[0].message).toContain('maxArchiveExpandedBytes');
    const oversized = zipSource('x.zip', zip, { maxFileBytes: 50_000 });
    expect(await oversized.source!.size('ds/big.bin')).toBeGreaterThan(50_000);
    expect(oversized.problems[0].code).toBe('file-too-large');
    expect(zipSource('x.zip', new Uint8Array([1, 2, 3])).problems[0].code).toBe('archive-unreadable');
    expect(await memorySource('m', { a: new Uint8Array(2) }).size('a')).toBe(2);
  });
});
