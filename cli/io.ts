/**
 * Output helpers for CLI commands: one JSON object on stdout with --json, text otherwise.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { format } from 'node:util';
import { parseGraphText, type GraphDoc } from '../engine/graph';
import type { Diagnostic } from '../engine/diagnostics';
import { DEFAULT_MODEL_LIMITS, type ModelLimits } from '../engine/model-size';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/**
 * Text made safe for a terminal: control characters that graphs, labels, column names and
 * dataset ids may carry (ANSI colours, OSC title sequences, carriage returns, backspaces, C1
 * controls, bidirectional overrides) are shown as `\u001b`-style escapes instead of being obeyed.
 * Newlines and tabs stay. The escapes are also valid inside JSON strings, with the same meaning.
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Print a line of text on stdout (arguments as `console.log` takes them), terminal-safe. */
export function say(...parts: unknown[]): void {
  console.log(terminalSafe(format(...parts)));
}

/** Print a line of text on stderr, terminal-safe. */
export function sayErr(...parts: unknown[]): void {
  console.error(terminalSafe(format(...parts)));
}

/** One line per diagnostic, e.g. `error [missing-input] node cnn: …`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = [d.nodeId && `node ${d.nodeId}`, d.edgeId && `edge ${d.edgeId}`, d.portId && `port ${d.portId}`].filter(Boolean).join(', ');
  return `${d.severity} [${d.code}]${where ? ` (${where})` : ''}: ${d.message}`;
}

/** Read and parse a graph file; problems come back as diagnostics. */
export async function readGraphFile(path: string): Promise<{ graph?: GraphDoc; diagnostics: Diagnostic[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return { diagnostics: [{ severity: 'error', code: 'doc-format', message: `Cannot read ${path}: ${e instanceof Error ? e.message : String(e)}` }] };
  }
  const res = parseGraphText(text);
  return res.ok ? { graph: res.graph, diagnostics: res.diagnostics } : { diagnostics: res.diagnostics };
}

/** A plain text table with aligned columns. */
export function table(rows: string[][], align: ('l' | 'r')[] = []): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd())
    .join('\n');
}

/**
 * Write a file atomically: to a temporary name beside it, then renamed over it, so a failure
 * (a full disk, a crash) never leaves a truncated file or destroys the one already there.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * The model budget, raised (or lowered) by `FUSIONLAB_MAX_PARAMS` and
 * `FUSIONLAB_MAX_ACTIVATIONS` (README, "Limits"). A value that is not a positive number is
 * refused, so a typo never silently removes the budget.
 */
export function modelLimitsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): ModelLimits {
  const read = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const v = Number(raw.replace(/_/g, ''));
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${name}=${raw} is not a positive number`);
    return v;
  };
  return { maxParams: read('FUSIONLAB_MAX_PARAMS', DEFAULT_MODEL_LIMITS.maxParams), maxActivationsPerSample: read('FUSIONLAB_MAX_ACTIVATIONS', DEFAULT_MODEL_LIMITS.maxActivationsPerSample) };
}
