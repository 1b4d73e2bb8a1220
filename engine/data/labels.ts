/**
 * Label encoding: class names sorted from the train split; multi-label cells; regression targets.
 */
import { parseNumber } from './tabular';

/**
 * Sort class names: numerically when every name is a number ("2" before "10"), otherwise by code
 * units (the same in every JavaScript engine, unlike locale collation).
 */
export function sortClassNames(names: Iterable<string>): string[] {
  const list = [...new Set(names)];
  if (list.length > 0 && list.every((n) => parseNumber(n) !== null)) return list.sort((a, b) => (parseNumber(a) as number) - (parseNumber(b) as number) || (a < b ? -1 : 1));
  return list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A multi-label cell: names separated by `separator` (default `;` or `|`), trimmed, empty ones dropped. */
export function splitMultiLabel(cell: string, separator?: string): string[] {
  return cell
    .split(separator ?? /[;|]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Choose the classes of a classification head from the train labels. When the head expects
 * `expected` classes and the data holds more, the most frequent `expected` are kept (a rare extra
 * value is almost always a typo) and the rest are reported by the caller as unknown labels.
 */
export function fitClasses(trainLabels: string[], expected?: number): { classes: string[]; dropped: string[] } {
  const counts = new Map<string, number>();
  for (const l of trainLabels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let names = [...counts.keys()];
  let dropped: string[] = [];
  if (expected !== undefined && expected > 0 && names.length > expected) {
    const byCount = names.sort((a, b) => (counts.get(b) as number) - (counts.get(a) as number) || (a < b ? -1 : 1));
    names = byCount.slice(0, expected);
    dropped = byCount.slice(expected);
  }
  return { classes: sortClassNames(names), dropped: sortClassNames(dropped) };
}
