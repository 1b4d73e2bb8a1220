/** Reading a row's file cell and describing a decoding failure, shared by the file input kinds. */
import { DecodeError } from '../adapter';
import { formatBytes, problem, type DataProblem } from '../problems';
import type { Prepared, RowCtx } from './types';

/** Where a problem of this row and column is. */
export function at(ctx: RowCtx, column: string, nodeId?: string): Omit<DataProblem, 'severity' | 'code' | 'message'> {
  return { row: ctx.row, line: ctx.line, id: ctx.id, column, ...(nodeId ? { nodeId } : {}) };
}

/** Find and read the file a cell names, within the limits. */
export async function readFile(ctx: RowCtx, column: string, cell: string): Promise<Prepared<{ path: string; bytes: Uint8Array }>> {
  const where = at(ctx, column);
  if (cell.trim() === '') return { ok: false, problem: problem('empty-value', `Row ${ctx.row}: "${column}" is empty; it should name a file.`, where) };
  const found = await ctx.locate(cell, { base: ctx.base });
  if (!found.ok) {
    const what = found.code === 'bad-path' ? `is "${cell.slice(0, 80)}", which ${found.detail}` : found.detail;
    return { ok: false, problem: problem(found.code, `Row ${ctx.row}: "${column}" ${what}.`, where) };
  }
  const { path, size } = found;
  if (size > ctx.limits.maxFileBytes) return { ok: false, problem: problem('file-too-large', `Row ${ctx.row}: ${path} is ${formatBytes(size)}, over the limit maxFileBytes = ${formatBytes(ctx.limits.maxFileBytes)}.`, where) };
  const bytes = await ctx.read(path);
  if (!bytes) return { ok: false, problem: problem('missing-file', `Row ${ctx.row}: ${path} could not be read.`, where) };
  return { ok: true, value: { path, bytes } };
}

/** A decoder's failure as the row's problem. */
export function decodeProblem(ctx: RowCtx, column: string, path: string, what: string, e: unknown): DataProblem {
  const code = e instanceof DecodeError ? e.code : 'undecodable';
  const msg = e instanceof Error ? e.message : String(e);
  return problem(code, `Row ${ctx.row}: ${path} could not be decoded as ${what}: ${msg}`, at(ctx, column));
}

/** How many values of `x` are NaN or ±Infinity. */
export function countNonFinite(x: Float32Array): number {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) n++;
  return n;
}

/** The length of a Float32 raw value. */
export function floatLength(raw: unknown): number {
  return (raw as Float32Array).length;
}
