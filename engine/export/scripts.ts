/**
 * The files around an exported model: the Python dataset reader and preprocessing (`data.py`,
 * the same featurisation as engine/data), the training scripts (PyTorch DistributedDataParallel,
 * Keras tf.distribute), the TypeScript preprocessing and the README.
 *
 * Each is a real file, read as text when the code is built (`?raw` imports: Vite and Vitest
 * natively, Next through `turbopack.rules` in next.config.js, the tsx-run CLI, benches and scripts
 * through scripts/raw-loader.mjs):
 *
 *   templates/data.py, train_torch.py, train_keras.py   Python; valid as they are (py_compile, tested)
 *   templates/preprocess.ts                            the tfjs export's PREPROCESS constant
 *   ../data/featurise-core.ts                          the app's own featurisation code, shipped whole
 *   templates/README.md.tpl                            the README of every target
 *
 * Placeholders are `__UPPER_CASE__` names. In code templates they sit inside a string literal, and
 * the placeholder with its quotes (`"__CONFIG__"`) is replaced by one escaped literal (pyString,
 * tsString): graph and dataset strings reach these files only inside one JSON string literal,
 * parsed at run time; nothing from a graph becomes code. Every template is filled in one pass, so
 * text put in is never scanned for placeholders again, and a placeholder missing from its template
 * is an error (the export reports it), not a silently unfilled file.
 */
import featuriseCore from '../data/featurise-core.ts?raw';
import { MAX_TEXT_CHARS } from '../data/featurise-core';
import { pyString, tsString } from './ident';
import dataPy from './templates/data.py?raw';
import preprocessTs from './templates/preprocess.ts?raw';
import readmeMd from './templates/README.md.tpl?raw';
import trainKeras from './templates/train_keras.py?raw';
import trainTorch from './templates/train_torch.py?raw';

/** Line ends as LF whatever the checkout did to them (they were template literals before: always LF). */
const lf = (text: string): string => text.replace(/\r\n?/g, '\n');
const FEATURISE_CORE = lf(featuriseCore);
const DATA_PY = lf(dataPy);
const PREPROCESS_TS = lf(preprocessTs);
const README_MD = lf(readmeMd);
const KERAS_TRAIN = lf(trainKeras);
const TORCH_TRAIN = lf(trainTorch);

/** What the preprocessing and training code needs to know about the model. */
export interface PreprocessSpec {
  graphName: string;
  inputs: { nodeId: string; ident: string; kind: string; shape: number[]; columns: string[]; params: Record<string, unknown> }[];
  outputs: { nodeId: string; ident: string; kind: string; shape: number[]; labelColumn?: string; role?: 'head' | 'late'; loss?: string; lossWeight?: number; headId?: string; separator?: string }[];
  /** FittedState JSON of a trained model, if any. */
  fitted?: unknown;
}

function configJson(spec: PreprocessSpec): string {
  return JSON.stringify({
    inputs: spec.inputs.map((i) => ({ name: i.ident, node_id: i.nodeId, kind: i.kind, shape: i.shape, columns: i.columns, params: i.params })),
    outputs: spec.outputs.map((o) => ({
      name: o.ident,
      node_id: o.nodeId,
      head_id: o.headId ?? o.nodeId,
      label: o.labelColumn ?? '',
      task: o.loss === 'binaryCrossentropy' ? 'multilabel' : o.loss === 'meanSquaredError' ? 'regress' : 'classify',
      width: o.shape[0] ?? 1,
      loss_weight: o.lossWeight ?? 1,
      separator: o.separator ?? null,
    })),
    fitted: spec.fitted ?? null,
    // How much of a text cell the app reads (UTF-16 code units); data.py cuts at the same place.
    max_text_chars: MAX_TEXT_CHARS,
  });
}

/**
 * Replace each key of `values` (a placeholder, with its quotes where it sits in a literal) by its
 * value, in one pass. Throws when a key does not occur in the template.
 */
export function fillTemplate(name: string, template: string, values: Record<string, string>): string {
  const keys = Object.keys(values);
  for (const k of keys) if (!template.includes(k)) throw new Error(`the export template ${name} has no ${k}`);
  const re = new RegExp(keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return template.replace(re, (k) => values[k] ?? k);
}

/**
 * Keep the lines of a markdown template that apply: a block between `<!-- if X -->` and
 * `<!-- end X -->` (each on its own line) stays when X is in `flags`; blocks nest; the directive
 * lines and `<!-- # … -->` comment lines are dropped.
 */
export function templateSections(name: string, template: string, flags: ReadonlySet<string>): string {
  const out: string[] = [];
  const open: { flag: string; keep: boolean }[] = [];
  for (const line of template.split(/(?<=\n)/)) {
    const d = /^<!-- (?:(if|end) ([a-z]+)|#.*) -->\r?\n?$/.exec(line);
    if (!d) {
      if (open.every((b) => b.keep)) out.push(line);
    } else if (d[1] === 'if') open.push({ flag: d[2], keep: flags.has(d[2]) });
    else if (d[1] === 'end' && open.pop()?.flag !== d[2]) throw new Error(`the export template ${name} ends "${d[2]}" where it is not open`);
  }
  if (open.length) throw new Error(`the export template ${name} does not end "${open[open.length - 1].flag}"`);
  return out.join('');
}

/** `data.py` of a Python export. */
export function pythonDataModule(spec: PreprocessSpec): string {
  return fillTemplate('data.py', DATA_PY, { '"__CONFIG__"': pyString(configJson(spec)) });
}

/** `train.py` of a PyTorch export. */
export function torchTrainScript(_spec: PreprocessSpec): string {
  return TORCH_TRAIN;
}

/** `train.py` of a Keras export. */
export function kerasTrainScript(_spec: PreprocessSpec): string {
  return KERAS_TRAIN;
}

/**
 * The preprocessing section of a tfjs export: the config (inputs, outputs, fitted state) and the
 * app's featurisation functions, the text of engine/data/featurise-core.ts as it is.
 */
export function tfjsPreprocess(spec: PreprocessSpec): string {
  return fillTemplate('preprocess.ts', PREPROCESS_TS, { '"__CONFIG__"': tsString(configJson(spec)) }) + FEATURISE_CORE;
}

/** README of an export. */
export function readmeFor(target: 'tfjs' | 'keras' | 'pytorch', spec: PreprocessSpec, weightsFile?: string): string {
  const title = spec.graphName.replace(/[\r\n]+/g, ' ').slice(0, 200) || 'FusionLab model';
  const inputs = spec.inputs.map((i) => `- \`${i.ident}\`: ${i.kind} [${i.shape.join(', ')}]`).join('\n');
  const outputs = spec.outputs.map((o) => `- \`${o.ident}\`: ${o.kind} [${o.shape.join(', ')}]`).join('\n');
  const flags = new Set<string>([target, ...(weightsFile ? ['weights'] : [])]);
  const text = templateSections('README.md.tpl', README_MD, flags);
  return fillTemplate('README.md.tpl', text, {
    __TITLE__: title.replace(/[#<>`]/g, ''),
    __INPUTS__: inputs,
    __OUTPUTS__: outputs,
    ...(weightsFile ? { __WEIGHTS_FILE__: weightsFile } : {}),
  });
}
