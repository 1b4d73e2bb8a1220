/**
 * `fusionlab nodes`, `validate` and `summary`.
 */
import * as tf from '@tensorflow/tfjs';
import { describeCatalogue, CATEGORY_TITLES } from '../../engine/catalogue';
import { measureGraph } from '../../engine/compile';
import { hasErrors } from '../../engine/diagnostics';
import { formatShape } from '../../engine/spec';
import { analyzeGraph } from '../../engine/validate';
import { registry } from '../../nodes';
import { parseArgs, UsageError } from '../args';
import { formatDiagnostic, modelLimitsFromEnv, printJson, readGraphFile, table, say, sayErr } from '../io';

/** `fusionlab nodes [--json]`: the catalogue. */
export async function nodesCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, []);
  const kinds = describeCatalogue(registry);
  if (args.flags.has('json')) {
    printJson({ kinds });
    return 0;
  }
  for (const [cat, title] of Object.entries(CATEGORY_TITLES)) {
    const list = kinds.filter((k) => k.category === cat);
    if (!list.length) continue;
    say(`\n${title}`);
    for (const k of list) {
      say(`  ${k.kind.padEnd(26)} ${k.summary}`);
      for (const p of k.params) say(`      ${p.name} = ${JSON.stringify(p.default)}  — ${p.description}`);
    }
  }
  return 0;
}

/** `fusionlab validate <graph.json> [--json]`: diagnostics; exit 1 when there are errors. */
export async function validateCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, []);
  const file = args.positional[0];
  if (!file) throw new UsageError('usage: fusionlab validate <graph.json> [--json]');
  const read = await readGraphFile(file);
  const diagnostics = read.graph ? analyzeGraph(read.graph, registry).diagnostics : read.diagnostics;
  const ok = !hasErrors(diagnostics);
  if (args.flags.has('json')) printJson({ ok, file, diagnostics });
  else if (diagnostics.length === 0) say(`${file}: valid`);
  else for (const d of diagnostics) say(formatDiagnostic(d));
  return ok ? 0 : 1;
}

/** `fusionlab summary <graph.json> [--json]`: layers, shapes and parameter counts per node. */
export async function summaryCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, []);
  const file = args.positional[0];
  if (!file) throw new UsageError('usage: fusionlab summary <graph.json> [--json]');
  const read = await readGraphFile(file);
  if (!read.graph) {
    if (args.flags.has('json')) printJson({ ok: false, diagnostics: read.diagnostics });
    else for (const d of read.diagnostics) sayErr(formatDiagnostic(d));
    return 1;
  }
  // Summaries come from shapes alone: layers built without weights, on the plain CPU backend.
  await tf.setBackend('cpu');
  const res = measureGraph(read.graph, registry, { tf, limits: modelLimitsFromEnv() });
  if (!res.ok) {
    if (args.flags.has('json')) printJson({ ok: false, diagnostics: res.diagnostics });
    else for (const d of res.diagnostics) sayErr(formatDiagnostic(d));
    return 1;
  }
  const { summary } = res;
  const { size, limits } = res.check;
  const diagnostics = [...res.diagnostics, ...res.check.diagnostics];
  const fits = res.check.diagnostics.length === 0;
  if (args.flags.has('json')) {
    printJson({ ok: fits, name: read.graph.name, summary, size: { ...size, maxParams: limits.maxParams, maxActivationsPerSample: limits.maxActivationsPerSample }, diagnostics });
    return fits ? 0 : 1;
  }
  say(`${read.graph.name}\n`);
  const rows: string[][] = [['node', 'kind', 'output', 'params', 'layers']];
  for (const id of res.analysis.order) {
    const n = summary.nodes[id];
    if (!n) continue;
    const outs = Object.values(n.outputs).map((t) => `${t.kind} ${formatShape(t.shape)}`).join(', ');
    rows.push([id, n.kind, outs, n.params.toLocaleString('en-US'), n.layers.map((l) => l.className).join(' ')]);
  }
  say(table(rows, ['l', 'l', 'l', 'r', 'l']));
  say(`\nparameters: ${summary.totalParams.toLocaleString('en-US')} (${summary.trainableParams.toLocaleString('en-US')} trainable), ${summary.layerCount} layers`);
  say(`inputs: ${summary.inputs.map((i) => `${i.nodeId} [${formatShape(i.shape)}]`).join(', ')}`);
  say(`outputs: ${summary.outputs.map((o) => `${o.nodeId} (${o.role}) [${formatShape(o.shape)}]`).join(', ')}`);
  say(`activations: ${size.activationsPerSample.toLocaleString('en-US')} values per sample (budget: ${limits.maxParams.toLocaleString('en-US')} parameters, ${limits.maxActivationsPerSample.toLocaleString('en-US')} values per sample)`);
  for (const d of diagnostics) say(formatDiagnostic(d));
  return fits ? 0 : 1;
}
