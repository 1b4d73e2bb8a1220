import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { checkParam, paramFields, parseNumberInput } from '../engine/editor/fields';
import { parseInline, parseMarkdown, safeHref } from '../engine/editor/markdown';
import { defineNode } from '../engine/spec';
import { registry } from '../nodes';

const fake = defineNode({
  kind: 'test.fields',
  category: 'encoder',
  label: 'Fields',
  summary: 's',
  doc: 'd',
  params: z.object({
    units: z.number().int().min(1).max(512).default(8).describe('Width.'),
    rate: z.number().min(0).max(1).default(0.5).describe('A rate.'),
    mode: z.enum(['a', 'b']).default('a').describe('Mode.'),
    on: z.boolean().default(true).describe('Toggle.'),
    column: z.string().default('image').describe('Dataset column it reads.'),
    labelColumn: z.string().default('label').describe('Label.'),
    title: z.string().default('x').describe('Free text.'),
    columns: z.array(z.string()).default(['a']).describe('Columns.'),
    sizes: z.array(z.number().int()).default([1, 2]).describe('Sizes.'),
    weird: z.record(z.string(), z.number()).default({}).describe('Anything else.'),
  }),
  ports: () => ({ inputs: [], outputs: [] }),
  infer: () => ({ ok: true, outputs: {} }),
  build: () => ({}),
});

describe('param fields from the zod schema', () => {
  it('maps every schema type to a field', () => {
    const f = Object.fromEntries(paramFields(fake).map((x) => [x.name, x]));
    expect(f.units).toMatchObject({ type: 'number', integer: true, min: 1, max: 512, step: 1, default: 8, description: 'Width.' });
    expect(f.rate).toMatchObject({ type: 'number', integer: false, min: 0, max: 1, step: 0.05 });
    expect(f.mode).toMatchObject({ type: 'enum', options: ['a', 'b'] });
    expect(f.on.type).toBe('boolean');
    expect(f.column).toMatchObject({ type: 'string', column: true });
    expect(f.labelColumn).toMatchObject({ type: 'string', column: true });
    expect(f.title).toMatchObject({ type: 'string', column: false });
    expect(f.columns).toMatchObject({ type: 'string-list', column: true });
    expect(f.sizes).toMatchObject({ type: 'number-list', integer: true });
    expect(f.weird.type).toBe('json');
  });
  it('every registered kind gives a field for every param, with a description', () => {
    for (const spec of registry.all()) {
      const fields = paramFields(spec);
      expect(fields.map((x) => x.name).sort()).toEqual(Object.keys(spec.params.shape).sort());
      for (const x of fields) expect(x.description.length, `${spec.kind}.${x.name}`).toBeGreaterThan(0);
    }
  });
  it('checks one value against its schema', () => {
    expect(checkParam(fake, 'units', 4)).toBeNull();
    expect(checkParam(fake, 'units', 0)).toMatch(/>=|1/);
    expect(checkParam(fake, 'units', 1.5)).not.toBeNull();
    expect(checkParam(fake, 'mode', 'c')).not.toBeNull();
    expect(checkParam(fake, 'nope', 1)).toContain('Unknown');
    expect(parseNumberInput(' 12 ', true)).toBe(12);
    expect(parseNumberInput('2.6', true)).toBe(3);
    expect(Number.isNaN(parseNumberInput('', false))).toBe(true);
    expect(Number.isNaN(parseNumberInput('abc', false))).toBe(true);
  });
});

describe('markdown', () => {
  it('reads the blocks node docs use', () => {
    const b = parseMarkdown('# Title\n\nA **bold** and *em* `code`.\nSame para.\n\n- one\n- two\n\n1. first\n2. second\n\n```\nx = 1\n```\n\n> quote');
    expect(b.map((x) => x.type)).toEqual(['heading', 'paragraph', 'list', 'list', 'code', 'quote']);
    const p = b[1];
    expect(p.type === 'paragraph' && p.children.map((c) => c.type)).toEqual(['text', 'strong', 'text', 'em', 'text', 'code', 'text']);
    expect(b[2].type === 'list' && !b[2].ordered && b[2].items.length).toBe(2);
    expect(b[3].type === 'list' && b[3].ordered).toBe(true);
    expect(b[4].type === 'code' && b[4].text).toBe('x = 1');
  });
  it('keeps only safe links and never produces markup', () => {
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('https://arxiv.org/abs/1702.01992')).toBe('https://arxiv.org/abs/1702.01992');
    const bad = parseInline('[click](javascript:alert(1)) <script>x</script>');
    expect(bad.some((x) => x.type === 'link')).toBe(false);
    expect(JSON.stringify(bad)).toContain('<script>'); // kept as text, rendered escaped by React
    const good = parseInline('see [the paper](https://example.org/p)');
    expect(good[1]).toEqual({ type: 'link', href: 'https://example.org/p', children: [{ type: 'text', text: 'the paper' }] });
  });
  it('parses every registered doc without losing text', () => {
    for (const spec of registry.all()) {
      const blocks = parseMarkdown(spec.doc);
      expect(blocks.length).toBeGreaterThan(0);
    }
  });
  it('snake_case words are not emphasis', () => {
    expect(parseInline('use num_classes and x_1')).toEqual([{ type: 'text', text: 'use num_classes and x_1' }]);
  });
});
