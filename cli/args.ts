/**
 * A small argument parser: positional arguments, `--flag`, `--key value` and `--key=value`.
 */
export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
  /** Repeated options such as `--input a=1 --input b=2`. */
  lists: Map<string, string[]>;
}

/** Options that take a value (everything else starting with `--` is a boolean flag). */
export function parseArgs(argv: string[], valued: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const lists = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      let value: string | true = true;
      if (eq >= 0) value = a.slice(eq + 1);
      else if (valued.includes(key) && i + 1 < argv.length) value = argv[++i];
      flags.set(key, value);
      if (typeof value === 'string') lists.set(key, [...(lists.get(key) ?? []), value]);
    } else {
      positional.push(a);
    }
  }
  return { positional, flags, lists };
}

/** A usage error: printed to stderr, exit code 2. */
export class UsageError extends Error {}

/** A numeric option, or the default; a bad number is a usage error. */
export function numberOption(args: ParsedArgs, key: string, def: number): number {
  const v = args.flags.get(key);
  if (v === undefined) return def;
  const n = Number(v);
  if (v === true || !Number.isFinite(n)) throw new UsageError(`--${key} needs a number`);
  return n;
}

/** A whole-number option of at least `min`, or the default; anything else is a usage error. */
export function integerOption(args: ParsedArgs, key: string, def: number, min: number): number {
  const n = numberOption(args, key, def);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${key} needs a whole number${min === 0 ? ' ≥ 0' : ` ≥ ${min}`} (got ${String(args.flags.get(key))})`);
  return n;
}

/** A number option that must be above 0, or the default. */
/** A share in [0, max] (a rate such as modality dropout). */
export function shareOption(args: ParsedArgs, key: string, def: number, max: number): number {
  const n = numberOption(args, key, def);
  if (!(n >= 0 && n <= max)) throw new UsageError(`--${key} needs a number from 0 to ${max} (got ${String(args.flags.get(key))})`);
  return n;
}

export function positiveOption(args: ParsedArgs, key: string, def: number): number {
  const n = numberOption(args, key, def);
  if (!(n > 0)) throw new UsageError(`--${key} needs a number above 0 (got ${String(args.flags.get(key))})`);
  return n;
}
