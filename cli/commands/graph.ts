/**
 * `fusionlab nodes`, `validate` and `summary`.
 */
import * as tf from '@tensorflow/tfjs';
import { describeCatalogue, CATEGORY_TITLES } from '../../engine/catalogue';
import { compileGraph } from '../../engine/compile';
import { hasErrors } from '../../engine/diagnostics';
import { formatShape } from '../../engine/spec';
import { analyzeGraph } from '../../engine/validate';
import { registry } from '../../nodes';
import { parseArgs, UsageError } from '../args';
import { formatDiagnostic, printJson, readGraphFile, table } from '../io';

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
    console.log(`\n${title}`);
    for (const k of list) {
      console.log(`  ${k.kind.padEnd(26)} ${k.summary}`);
      for (const p of k.params) console.log(`      ${p.name} = ${JSON.stringify(p.default)}  — ${p.description}`);
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
  else if (diagnostics.length === 0) console.log(`${file}: valid`);
  else for (const d of diagnostics) console.log(formatDiagnostic(d));
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
    else for (const d of read.diagnostics) console.error(formatDiagnostic(d));
    return 1;
  }
  // Building layers needs no speed: the plain CPU backend keeps this command free of WASM set-up.
  await tf.setBackend('cpu');
  const res = compileGraph(read.graph, registry, { tf });
  if (!res.ok) {
    if (args.flags.has('json')) printJson({ ok: false, diagnostics: res.diagnostics });
    else for (const d of res.diagnostics) console.error(formatDiagnostic(d));
    return 1;
  }
  const { summary } = res;
  res.model.dispose();
  if (args.flags.has('json')) {
    printJson({ ok: true, name: read.graph.name, summary, diagnostics: res.diagnostics });
    return 0;
  }
  console.log(`${read.graph.name}\n`);
  const rows: string[][] = [['node', 'kind', 'output', 'params', 'layers']];
  for (const id of res.analysis.order) {
    const n = summary.nodes[id];
    if (!n) continue;
    const outs = Object.values(n.outputs).map((t) => `${t.kind} ${formatShape(t.shape)}`).join(', ');
    rows.push([id, n.kind, outs, n.params.toLocaleString('en-US'), n.layers.map((l) => l.className).join(' ')]);
  }
  console.log(table(rows, ['l', 'l', 'l', 'r', 'l']));
  console.log(`\nparameters: ${summary.totalParams.toLocaleString('en-US')} (${summary.trainableParams.toLocaleString('en-US')} trainable), ${summary.layerCount} layers`);
  console.log(`inputs: ${summary.inputs.map((i) => `${i.nodeId} [${formatShape(i.shape)}]`).join(', ')}`);
  console.log(`outputs: ${summary.outputs.map((o) => `${o.nodeId} (${o.role}) [${formatShape(o.shape)}]`).join(', ')}`);
  for (const d of res.diagnostics) console.log(formatDiagnostic(d));
  return 0;
}
