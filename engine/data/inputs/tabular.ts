/**
 * `input.tabular`: numeric columns (z-scored with train statistics) and categorical columns
 * one-hot in a fixed number of slots (the train split's most frequent categories).
 */
import { sizeOf } from '../../spec';
import { tidyNumber } from '../preview-values';
import { problem } from '../problems';
import { encodeTabular, FLOAT32_MAX, fitTabular, parseNumber, type TabularRaw } from '../tabular';
import { at } from './row';
import type { InputData, Prepared, RawInput } from './types';

export const tabularData: InputData<'input.tabular'> = {
  kind: 'input.tabular',
  columnTypes: ['number', 'category'],
  async prepare(b, cells, ctx) {
    const p = b.params;
    const numbers: number[] = [];
    const out: Prepared<RawInput>[] = [];
    p.columns.forEach((c, j) => {
      const v = parseNumber(cells[j]);
      if (v === null) {
        const cell = cells[j];
        out.push({ ok: false, problem: cell.trim() === '' ? problem('empty-value', `Row ${ctx.row}: "${c}" is empty; it needs a number.`, at(ctx, c, b.nodeId)) : problem('wrong-type', `Row ${ctx.row}: "${c}" is "${cell.slice(0, 40)}", not a number.`, at(ctx, c, b.nodeId)) });
      } else if (!p.standardise && Math.abs(v) > FLOAT32_MAX) {
        // Standardised, any finite value is fine (tabular.ts scales what would overflow); raw, it
        // would become ±Infinity in the float32 tensor.
        out.push({ ok: false, problem: problem('wrong-type', `Row ${ctx.row}: "${c}" is ${cells[j].trim().slice(0, 40)}, beyond what a 32-bit float holds (±3.4e38) without standardising; turn standardise on or rescale the column.`, at(ctx, c, b.nodeId)) });
      }
      numbers.push(v ?? 0);
    });
    const categories = p.categorical.map((_c, j) => cells[p.columns.length + j].trim());
    p.categorical.forEach((c, j) => {
      if (categories[j] === '') out.push({ ok: false, problem: problem('empty-value', `Row ${ctx.row}: "${c.column}" is empty; it needs a category.`, at(ctx, c.column, b.nodeId)) });
    });
    return out.length ? out : [{ ok: true, value: { numbers, categories } }];
  },
  rawLength: (_raw, shape) => sizeOf(shape), // encoded straight to the shape
  fit(b, raws, problems) {
    const { fitted, overflow } = fitTabular(raws as TabularRaw[], b.params);
    for (const o of overflow) {
      problems.push(problem('rare-category', `"${o.column}" has ${o.dropped.length} more categories in the train split than its cardinality; ${o.dropped.slice(0, 5).map((d) => `"${d}"`).join(', ')}${o.dropped.length > 5 ? ', …' : ''} encode as all zeros. Raise the cardinality to give them a slot.`, { column: o.column, nodeId: b.nodeId }, 'warning'));
    }
    return { kind: 'input.tabular', columns: b.columns, shape: b.shape, params: b.params, fitted };
  },
  encoder: (f) => (raw, out, offset) => encodeTabular(raw as TabularRaw, f.params, f.fitted, out, offset),
  augmenter: () => null,
  preview(nodeId, f, values) {
    // Numbers de-standardised; a category by its one-hot slot ('(other)' when all zeros).
    const p = f.params;
    const fields: { name: string; value: number | string }[] = [];
    let o = 0;
    p.columns.forEach((name, j) => {
      const v = values[o++];
      fields.push({ name, value: tidyNumber(p.standardise ? v * f.fitted.stds[j] + f.fitted.means[j] : v) });
    });
    p.categorical.forEach((c, j) => {
      let k = -1;
      for (let s = 0; s < c.cardinality; s++) if (values[o + s] > 0.5) k = s;
      fields.push({ name: c.column, value: k >= 0 ? (f.fitted.categories[j][k] ?? `#${k}`) : '(other)' });
      o += c.cardinality;
    });
    return { kind: 'tabular', nodeId, fields };
  },
  sampleWarnings(f, raw) {
    // A category the train split never had (or had too rarely for a slot) encodes as zeros.
    const cats = (raw as TabularRaw).categories;
    const out = [];
    for (let j = 0; j < f.params.categorical.length; j++) {
      const c = f.params.categorical[j];
      const known = f.fitted.categories[j] ?? [];
      if (known.includes(cats[j])) continue;
      out.push(problem('rare-category', `"${c.column}" is "${cats[j].slice(0, 40)}", a category the model did not learn (it knows ${known.slice(0, 8).map((k) => `"${k}"`).join(', ')}${known.length > 8 ? ', …' : ''}); it is encoded as all zeros, so the answer leans on the other columns.`, { column: c.column }, 'warning'));
    }
    return out;
  },
};
