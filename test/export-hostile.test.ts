/**
 * No graph can inject code into an exported program: labels, column names, the graph's name and
 * description, and fitted state (vocabularies, class names) full of quotes, backslashes, newlines,
 * comment and string terminators, template-literal holes and Unicode tricks still give code that
 * compiles, runs, builds the same model, and does nothing else (the payloads would create marker
 * files if they ever ran).
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import type { GraphDoc } from '../engine/graph';
import { commentText, exportProgram, pyString, safeIdent, tsString } from '../engine/export';
import { weightsNpz } from '../engine/export/weights';
import { registry } from '../nodes';
import { kindsGraph } from './fixtures/export-graphs';
import { lastJson, npzOf, python, randomInputs, randomiseWeights, ROOT, TMP, TORCH_CHECK, writeFiles } from './fixtures/export-harness';

const MARKER = path.join(TMP, 'PWNED');
const py = `__import__('os').system('touch ${MARKER}')`;
const js = `require('fs').writeFileSync('${MARKER}', 'x')`;

/** Strings that end a string, a comment or a line in some target, each followed by a payload. */
const HOSTILE = [
  `"; ${py} #`,
  `'; ${js}; //`,
  `'''\n${py}\n'''`,
  `"""\n${py}\n"""`,
  `\\\n${py}`,
  `*/ ${js}; /*`,
  `\${${js}}`,
  `\`; ${js}; //`,
  `# \r${py}`,
  `x\u2028${js}`,
  `y\u2029${js}\u0085${py}`,
  `日本語 ✓ 🎉 é`,
  `\u202e${py}\u202c`,
  `__import__('os')`,
  `self`,
  `class`,
  `3D model`,
  ``,
  `Image CNN`,
  `Image CNN`,
  `\0\x1b[2J${py}`,
  `lone \ud800 surrogate \udc00`,
];

function hostileGraph(): GraphDoc {
  const g: GraphDoc = JSON.parse(JSON.stringify(kindsGraph));
  g.name = `Evil """ name ${HOSTILE[0]}`;
  g.description = HOSTILE.join(' | ');
  g.nodes.forEach((n, i) => {
    n.label = HOSTILE[i % HOSTILE.length];
    if (n.kind === 'input.text') n.params.column = `te"xt\n${py}`;
    if (n.kind === 'input.image') n.params.column = `im'age\\${js}`;
    if (n.kind === 'input.audio') n.params.column = `"""${py}"""`;
    if (n.kind === 'input.tabular') n.params.columns = [`a"${py}`, `b\n${js}`, 'c', `d\${x}`];
    if (n.kind.startsWith('head.')) n.params.column = `label"""\n${py}`;
  });
  return g;
}

const fitted = {
  format: 'fusionlab/fitted',
  version: 1,
  inputs: { txt: { kind: 'input.text', vocab: ['<pad>', '<unk>', `"""${py}"""`, `\${${js}}`, '\\', '\n'] } },
  heads: { h1: { task: 'classify', column: 'label', classes: [`"${py}"`, `'${js}'`, '\u2028'] } },
};

beforeAll(async () => {
  await tf.setBackend('cpu');
  fs.mkdirSync(TMP, { recursive: true });
  fs.rmSync(MARKER, { force: true });
});

describe('hostile labels, column names and fitted state', () => {
  it('escape helpers produce safe identifiers, literals and comments', () => {
    for (const s of HOSTILE) {
      expect(safeIdent(s, 'snake')).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
      expect(safeIdent(s, 'camel')).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
      expect(tsString(s)).toMatch(/^"[\x20-\x7e]*"$/);
      expect(pyString(s)).toMatch(/^"[\x20-\x7e]*"$/);
      expect(JSON.parse(tsString(s).replace(/\\u\{([0-9a-f]+)\}/g, (_m, h: string) => String.fromCodePoint(parseInt(h, 16))))).toBe(s);
      expect(commentText(s)).not.toMatch(/[\n\r\u2028\u2029\u0085\u202e\0\ud800\udc00]/);
    }
    expect(safeIdent('self', 'snake')).toBe('self_');
    expect(safeIdent('3D model', 'snake')).toBe('n_3d_model');
  });

  it('exported code compiles, builds the same model and runs without side effects', () => {
    const graph = hostileGraph();
    const compiled = compileGraph(graph, registry, { tf });
    expect(compiled.ok).toBe(true);
    if (!compiled.ok) return;
    const exports = Object.fromEntries((['tfjs', 'keras', 'pytorch'] as const).map((t) => [t, exportProgram(graph, registry, t, { fitted })]));
    for (const e of Object.values(exports)) expect(e.ok, JSON.stringify(e.diagnostics)).toBe(true);

    // Python (Keras and PyTorch): every file compiles; the PyTorch model matches the tfjs one.
    const kerasDir = writeFiles('hostile-keras', exports.keras.files);
    const { model, summary } = compiled;
    randomiseWeights(model);
    const xs = randomInputs(model, exports.pytorch.inputs.map((i) => i.kind), 2);
    const ys = model.predict(xs) as tf.Tensor[];
    const torchDir = writeFiles('hostile-torch', {
      ...exports.pytorch.files,
      'check.py': TORCH_CHECK,
      'weights.npz': weightsNpz(tf, model, 'pytorch', exports.pytorch.weights),
      'inputs.npz': npzOf(Object.fromEntries(exports.pytorch.inputs.map((i, k) => [i.ident, xs[k]]))),
      'expected.npz': npzOf(Object.fromEntries(ys.map((o, k) => [`out${k}`, o]))),
    });
    const pyFiles = [kerasDir, torchDir].flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.py')).map((f) => path.join(d, f)));
    python(['-c', 'import py_compile, sys\nfor f in sys.argv[1:]:\n    py_compile.compile(f, doraise=True, cfile=f + "c")', ...pyFiles], TMP);
    const res = lastJson(python(['check.py'], torchDir)) as { params: number; diffs: number[] };
    expect(res.params).toBe(summary.trainableParams);
    for (const d of res.diffs) expect(d).toBeLessThan(1e-4);
    // data.py reads back the hostile strings as data.
    const cfg = python(['-c', 'import json, data; print(json.dumps([data.INPUTS[0]["columns"], data.CONFIG["fitted"]["heads"]["h1"]["classes"]]))'], torchDir);
    const [columns, classes] = JSON.parse(cfg.trim()) as [string[], string[]];
    expect(columns).toEqual([`te"xt\n${py}`]);
    expect(classes).toEqual(fitted.heads.h1.classes);

    // TypeScript: the module runs under tsx and builds the model.
    writeFiles('hostile-tfjs', exports.tfjs.files);
    fs.writeFileSync(
      path.join(TMP, 'run-hostile.ts'),
      "import * as tf from '@tensorflow/tfjs';\nimport { buildModel, PREPROCESS } from './hostile-tfjs/model';\n(async () => { await tf.setBackend('cpu'); const m = buildModel(); console.log(JSON.stringify({ params: m.countParams(), classes: PREPROCESS.fitted?.heads.h1.classes })); })();\n",
    );
    const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['run-hostile.ts'], { cwd: TMP, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const got = JSON.parse(run.stdout.trim().split('\n').pop() as string);
    expect(got).toEqual({ params: summary.totalParams, classes: fitted.heads.h1.classes });

    // No payload ran, and no comment line holds a raw line break or a bidi override.
    expect(fs.existsSync(MARKER)).toBe(false);
    for (const e of Object.values(exports)) for (const text of Object.values(e.files)) expect(text).not.toMatch(/[\u2028\u2029\u202e\u0085\0\r]/);
    tf.dispose([...xs, ...ys]);
    model.dispose();
    for (const f of ['hostile-tfjs', 'run-hostile.ts']) fs.rmSync(path.join(TMP, f), { recursive: true, force: true });
  }, 120_000);
});
