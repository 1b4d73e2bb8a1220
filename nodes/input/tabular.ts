import { z } from 'zod';
import { defineNode } from '../../engine/spec';
import { presenceShape } from '../../engine/data/missing';
import { columnName, missingParam } from '../shared';

/** The params of `input.tabular` (exported for the data pipeline's type check). */
export const tabularParams = z.object({
  columns: z.array(columnName()).max(1000).default(['value']).describe('Numeric columns, in order; each becomes one feature.'),
  categorical: z
    .array(
      z.object({
        column: columnName().describe('A column holding categories (words or codes).'),
        cardinality: z.number().int().min(1).max(1000).describe('One-hot slots: the most frequent categories of the train split each get one; the rest encode as all zeros.'),
      }),
    )
    .max(100)
    .default([])
    .describe('Categorical columns, one-hot encoded after the numeric ones.'),
  standardise: z.boolean().default(true).describe('Subtract the train split mean and divide by its standard deviation, per numeric column.'),
  missing: missingParam,
});

type TabularParams = z.infer<typeof tabularParams>;

function width(p: TabularParams): number {
  return p.columns.length + p.categorical.reduce((a, c) => a + c.cardinality, 0);
}

export default defineNode({
  kind: 'input.tabular',
  category: 'input',
  label: 'Table',
  summary: 'Numbers and categories from dataset columns as one feature vector.',
  doc: `Gathers several columns of a row into one vector **[n]**, n = numeric columns + Σ cardinality.

Numeric columns: with \`standardise\`, z = (x − mean) / std using the **train split's** mean and
standard deviation, so all features have a similar scale (saved with the model).

Categorical columns: one-hot encoding, e.g. colour ∈ {red, green, blue} → red = [1, 0, 0]. The
\`cardinality\` fixes the width in advance (so the model's shape does not depend on the data): the
most frequent categories of the train split each get a slot, rarer and unseen ones encode as all
zeros, and the dataset report says which.

Connect it to a tabular MLP or a dense block. Use it for measurements, counts and metadata.`,
  params: tabularParams,
  ports: () => ({ inputs: [], outputs: [{ id: 'out', label: 'Table', accepts: ['tabular'] }] }),
  infer(_inputs, p) {
    const n = width(p);
    if (n === 0) return { ok: false, diagnostics: [{ severity: 'error', code: 'bad-shape', message: 'Name at least one numeric or categorical column.', path: ['params', 'columns'] }] };
    const names = [...p.columns, ...p.categorical.map((c) => c.column)];
    const dup = names.find((c, i) => names.indexOf(c) !== i);
    if (dup) return { ok: false, diagnostics: [{ severity: 'error', code: 'bad-params', message: `The column "${dup}" is listed twice.`, path: ['params', 'columns'] }] };
    return { ok: true, outputs: { out: { kind: 'tabular', shape: presenceShape('input.tabular', [n], p) } } };
  },
  build(ctx, _inputs, p) {
    return { out: ctx.tf.input({ shape: presenceShape('input.tabular', [width(p)], p), name: ctx.name('input') }) };
  },
  input: { columns: (p) => [...p.columns, ...p.categorical.map((c) => c.column)] },
});
