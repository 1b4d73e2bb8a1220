/**
 * The inspector's form, read from a node kind's zod params schema through `z.toJSONSchema`:
 * numbers with bounds, enums as selects, booleans as toggles, dataset columns as pickers, string
 * arrays as tag lists. Anything else falls back to a JSON text field, so every param is editable.
 */
import type { z } from 'zod';
import { paramSchema, type JsonSchemaProp } from '../params-schema';
import type { AnyNodeSpec } from '../spec';

interface FieldBase {
  name: string;
  /** The `.describe()` text. */
  description: string;
  default: unknown;
  /** The value may be null (an empty input sets null). */
  nullable: boolean;
  /** A dataset column name (or names): offered from the loaded dataset. */
  column: boolean;
}

/** One form field. */
export type ParamField =
  | (FieldBase & { type: 'number'; integer: boolean; min?: number; max?: number; step: number })
  | (FieldBase & { type: 'enum'; options: (string | number | boolean)[] })
  | (FieldBase & { type: 'boolean' })
  | (FieldBase & { type: 'string' })
  | (FieldBase & { type: 'string-list' })
  | (FieldBase & { type: 'number-list'; integer: boolean })
  | (FieldBase & { type: 'json' });

const LIMIT = Number.MAX_SAFE_INTEGER;

function isColumnParam(name: string, description: string): boolean {
  return /column/i.test(name) || /\bdataset column|\bcolumns? (of|in) the dataset|\bcolumn name/i.test(description);
}

function enumOptions(p: JsonSchemaProp): (string | number | boolean)[] | null {
  const ok = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  if (p.enum && p.enum.every(ok)) return p.enum;
  if (p.anyOf && p.anyOf.length > 0 && p.anyOf.every((a) => a.const !== undefined && ok(a.const))) return p.anyOf.map((a) => a.const as string | number | boolean);
  if (p.const !== undefined && ok(p.const)) return [p.const];
  return null;
}

/** The form fields of a node kind, in schema order. */
export function paramFields(spec: AnyNodeSpec): ParamField[] {
  const { properties, defaults } = paramSchema(spec);
  return Object.entries(properties).map(([name, prop]): ParamField => {
    const description = prop.description ?? '';
    const types = Array.isArray(prop.type) ? prop.type : prop.type ? [prop.type] : [];
    const nullable = types.includes('null');
    const base: FieldBase = { name, description, default: name in defaults ? defaults[name] : prop.default, nullable, column: isColumnParam(name, description) };
    const options = enumOptions(prop);
    if (options) return { ...base, type: 'enum', options };
    const main = types.filter((t) => t !== 'null');
    if (main.length === 1) {
      const t = main[0];
      if (t === 'integer' || t === 'number') {
        const integer = t === 'integer';
        const min = prop.minimum ?? prop.exclusiveMinimum;
        const max = prop.maximum ?? prop.exclusiveMaximum;
        const lo = min !== undefined && Math.abs(min) < LIMIT ? min : undefined;
        const hi = max !== undefined && Math.abs(max) < LIMIT ? max : undefined;
        // Steps that suit the range: rates in [0, 1] move by 0.05, small ranges by 0.1.
        const step = integer ? 1 : hi !== undefined && lo !== undefined && hi - lo <= 1 ? 0.05 : hi !== undefined && hi <= 10 ? 0.1 : 0.001;
        return { ...base, type: 'number', integer, min: lo, max: hi, step };
      }
      if (t === 'boolean') return { ...base, type: 'boolean' };
      if (t === 'string') return { ...base, type: 'string' };
      if (t === 'array') {
        const it = prop.items?.type;
        if (it === 'string') return { ...base, type: 'string-list' };
        if (it === 'number' || it === 'integer') return { ...base, type: 'number-list', integer: it === 'integer' };
      }
    }
    return { ...base, type: 'json' };
  });
}

/**
 * Check one param value against its schema field. Returns null when valid, else the message to
 * show next to the field.
 */
export function checkParam(spec: AnyNodeSpec, name: string, value: unknown): string | null {
  const field = (spec.params.shape as Record<string, z.ZodType | undefined>)[name];
  if (!field) return `Unknown param "${name}".`;
  const r = field.safeParse(value);
  if (r.success) return null;
  return r.error.issues[0]?.message ?? 'Invalid value.';
}

/** Turn the text of a number input into a value (NaN when it is not a number). */
export function parseNumberInput(text: string, integer: boolean): number {
  const t = text.trim();
  if (t === '') return NaN;
  const n = Number(t);
  return integer && Number.isFinite(n) ? Math.round(n) : n;
}
