/**
 * `fusionlab data demo` and `fusionlab data inspect`.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEMO_DEFAULT_ROWS, demoDatasetZip, generateDemoDataset } from '../../engine/data/demo';
import { inspectDataset, type InspectReport } from '../../engine/data/inspect';
import { fitGraphToSource, type GraphFix } from '../../engine/data/fit-graph';
import { createNodeAdapter } from '../../engine/data/node-decoders';
import { openPathSource } from '../../engine/data/node-source';
import { formatBytes, type DataProblem } from '../../engine/data/problems';
import { formatShape } from '../../engine/spec';
import { registry } from '../../nodes';
import { numberOption, parseArgs, UsageError } from '../args';
import { formatDiagnostic, printJson, readGraphFile, table, writeFileAtomic, say, sayErr } from '../io';

const DEMO_USAGE = 'usage: fusionlab data demo <dir|file.zip> [--seed N] [--rows N] [--force] [--json]';
const INSPECT_USAGE = 'usage: fusionlab data inspect <dir|zip> [--graph g.json [--keep-graph]] [--manifest table.csv] [--seed N] [--val-fraction F] [--strict] [--json]';

function fail(json: boolean, message: string, code = 1): number {
  if (json) printJson({ ok: false, error: message });
  sayErr(`fusionlab: ${message}`);
  return code;
}

/** `fusionlab data demo <dir>`: write the built-in demo dataset (a folder, or a zip when the path ends in .zip). */
export async function dataDemoCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['seed', 'rows']);
  const json = args.flags.has('json');
  try {
    const out = args.positional[0];
    if (!out) throw new UsageError(DEMO_USAGE);
    const seed = numberOption(args, 'seed', 1);
    const rows = numberOption(args, 'rows', DEMO_DEFAULT_ROWS);
    if (!Number.isInteger(seed)) throw new UsageError('--seed needs a whole number');
    if (!Number.isInteger(rows) || rows < 1 || rows > 100_000) throw new UsageError('--rows needs a whole number from 1 to 100000');
    if (out.toLowerCase().endsWith('.zip')) {
      const zip = demoDatasetZip({ seed, rows });
      await mkdir(path.dirname(path.resolve(out)), { recursive: true });
      await writeFileAtomic(out, zip);
      if (json) printJson({ ok: true, path: out, seed, rows, bytes: zip.length });
      else say(`Wrote the demo dataset (${rows} rows, seed ${seed}) to ${out} (${formatBytes(zip.length)}).`);
      return 0;
    }
    let existing: string[] = [];
    try {
      existing = await readdir(out);
    } catch {
      // A new folder.
    }
    if (existing.some((f) => /^samples\.(csv|jsonl)$/i.test(f)) && !args.flags.has('force')) {
      return fail(json, `${out} already holds a dataset (samples.csv); pass --force to overwrite it.`);
    }
    const demo = generateDemoDataset({ seed, rows });
    let bytes = 0;
    for (const [rel, data] of demo.files) {
      const full = path.join(out, rel);
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, data);
      bytes += data.length;
    }
    const labels = [...new Set(demo.rows.map((r) => r.label))].sort();
    if (json) printJson({ ok: true, path: out, seed, rows, files: demo.files.size, bytes, classes: labels });
    else {
      say(`Wrote the demo dataset to ${out}: ${rows} rows, ${demo.files.size} files, ${formatBytes(bytes)} (seed ${seed}).`);
      say(`Classes: ${labels.join(', ')}. Try: fusionlab data inspect ${out} --graph templates/demo.json`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) return fail(json, e.message, 2);
    return fail(json, e instanceof Error ? e.message : String(e));
  }
}

function problemLine(p: DataProblem): string {
  const where = [p.row !== undefined && `row ${p.row}`, p.line !== undefined && `line ${p.line}`, p.column && `column ${p.column}`, p.nodeId && `node ${p.nodeId}`].filter(Boolean).join(', ');
  return `${p.severity} [${p.code}]${where ? ` (${where})` : ''}: ${p.message}`;
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(3);
}

function printReport(r: InspectReport, graphFile: string | undefined): void {
  say(`Dataset ${r.source}: ${r.manifest ?? '(no manifest)'}${r.format && r.format !== 'folders' ? ` (${r.format.toUpperCase()})` : ''}, ${r.rows} rows`);
  if (r.columns.length) {
    const seededNote = r.splits.seeded ? ` (${r.splits.seeded} rows split by seed)` : ' (from the split column)';
    say(`Splits: train ${r.splits.train} · val ${r.splits.val} · test ${r.splits.test}${seededNote}`);
    say('\nColumns');
    const rows = [['name', 'type', 'filled', 'missing', 'distinct', 'details']];
    for (const c of r.columns) {
      let details = '';
      if (c.numeric) details = `min ${num(c.numeric.min)}, max ${num(c.numeric.max)}, mean ${num(c.numeric.mean)}, std ${num(c.numeric.std)}${c.nonNumeric ? `; ${c.nonNumeric.count} not numbers (${c.nonNumeric.examples.map((e) => JSON.stringify(e)).join(', ')})` : ''}`;
      else if (c.top) details = c.top.slice(0, 5).map((t) => `${t.value} (${t.count})`).join(', ') + (c.top.length > 5 ? ', …' : '');
      else if (c.meanLength !== undefined) details = `mean length ${num(c.meanLength)} chars; e.g. ${JSON.stringify(c.examples[0] ?? '')}`;
      else details = c.examples.length ? `e.g. ${c.examples[0]}` : '';
      if (c.seconds) details += `; ${num(c.seconds.min)}–${num(c.seconds.max)} s, mean ${num(c.seconds.mean)} s`;
      rows.push([c.name, c.nonNumeric ? 'number (mixed)' : c.type, String(c.filled), String(c.missing), String(c.distinct), details]);
    }
    say(table(rows, ['l', 'l', 'r', 'r', 'r', 'l']));
  }
  for (const l of r.labels) {
    say(`\nLabel "${l.column}": ${l.classes.length} classes, largest/smallest = ${num(l.imbalance)}`);
    const rows = [['class', 'rows', 'train', 'val', 'test']];
    for (const c of l.classes.slice(0, 50)) rows.push([c.name, String(c.count), String(c.bySplit.train), String(c.bySplit.val), String(c.bySplit.test)]);
    say(table(rows, ['l', 'r', 'r', 'r', 'r']));
    if (l.classes.length > 50) say(`… and ${l.classes.length - 50} more classes`);
  }
  if (r.load) {
    const s = r.load.summary;
    say(`\nLoaded for ${graphFile}: ${s.loaded} of ${s.rows} rows (train ${s.bySplit.train}, val ${s.bySplit.val}, test ${s.bySplit.test}), ${s.skipped} skipped`);
    for (const i of r.load.inputs) say(`  input ${i.nodeId} (${i.kind}) ← ${i.columns.join(', ')}: ${formatShape(i.shape)}`);
    for (const h of r.load.heads) say(`  head ${h.nodeId} (${h.task}) ← ${h.column}${h.classes.length ? `: ${h.classes.length} classes` : ''}`);
  }
  if (r.problems.length === 0) say('\nNo problems found.');
  else {
    const codes = Object.entries(r.problemCounts).map(([c, n]) => `${c} ×${n}`).join(', ');
    say(`\nProblems (${r.problems.length}): ${codes}`);
    for (const p of r.problems.slice(0, 30)) say(`  ${problemLine(p)}`);
    if (r.problems.length > 30) say(`  … and ${r.problems.length - 30} more (use --json for all)`);
  }
}

/** `fusionlab data inspect <dir|zip> [--graph g.json]`: rows, columns, classes, splits, problems. */
export async function dataInspectCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['graph', 'seed', 'val-fraction', 'manifest']);
  const json = args.flags.has('json');
  try {
    const target = args.positional[0];
    if (!target) throw new UsageError(INSPECT_USAGE);
    const seed = numberOption(args, 'seed', 42);
    const valFraction = numberOption(args, 'val-fraction', 0.2);
    if (valFraction < 0 || valFraction >= 1) throw new UsageError('--val-fraction needs a number from 0 to below 1');
    const graphFlag = args.flags.get('graph');
    let graph;
    let graphFile: string | undefined;
    if (graphFlag !== undefined) {
      if (graphFlag === true) throw new UsageError('--graph needs a file');
      graphFile = graphFlag;
      const read = await readGraphFile(graphFlag);
      if (!read.graph) {
        if (json) printJson({ ok: false, error: `cannot read the graph ${graphFlag}`, diagnostics: read.diagnostics });
        for (const d of read.diagnostics) sayErr(formatDiagnostic(d));
        return 1;
      }
      graph = read.graph;
    }
    const opened = await openPathSource(target);
    if (!opened.source) {
      const msg = opened.problems.map((p) => p.message).join(' ');
      if (json) printJson({ ok: false, error: msg, problems: opened.problems });
      sayErr(`fusionlab: ${msg}`);
      return 1;
    }
    const adapter = createNodeAdapter();
    const manifest = args.flags.get('manifest');
    if (manifest === true) throw new UsageError('--manifest needs a file name, e.g. --manifest labels.csv');
    // The graph as `train` would fit it to the data (unless --keep-graph).
    let fits: { applied: GraphFix[]; suggested: GraphFix[] } | undefined;
    if (graph && !args.flags.has('keep-graph')) {
      const fitted = await fitGraphToSource(opened.source, graph, registry, { manifest, split: { seed, valFraction } });
      graph = fitted.graph;
      fits = { applied: fitted.applied, suggested: fitted.suggested };
    }
    const report = await inspectDataset(opened.source, { adapter, graph, registry: graph ? registry : undefined, split: { seed, valFraction }, manifest });
    report.problems.unshift(...opened.problems);
    const fatal = report.manifest === null || report.columns.length === 0 || (report.load !== undefined && !report.load.ok);
    const strictFail = args.flags.has('strict') && report.problems.some((p) => p.severity === 'error');
    const ok = !fatal && !strictFail;
    if (json) printJson({ ok, ...report, ...(fits ? { fits } : {}) });
    else {
      printReport(report, graphFile);
      if (fits) {
        for (const f of fits.applied) say(`fitted to the data (as train does; --keep-graph to skip): ${f.message}`);
        for (const f of fits.suggested) say(`suggestion: ${f.message}: set ${f.nodeId}.${f.param} to ${JSON.stringify(f.value)}`);
      }
    }
    if (fatal && !json) sayErr(`fusionlab: ${report.problems.find((p) => p.severity === 'error')?.message ?? 'nothing could be loaded'}`);
    return ok ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError) return fail(json, e.message, 2);
    return fail(json, e instanceof Error ? e.message : String(e));
  }
}
