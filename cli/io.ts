/**
 * Output helpers for CLI commands: one JSON object on stdout with --json, text otherwise.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { parseGraphText, type GraphDoc } from '../engine/graph';
import type { Diagnostic } from '../engine/diagnostics';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
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
