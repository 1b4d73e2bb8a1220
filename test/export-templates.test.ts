/**
 * Exported programs are real files (issue 14): every .py file under engine/ and nodes/ compiles
 * with python3 as it is and once filled for every template graph; placeholders are all filled and
 * inserted text is never read as a placeholder; the Node hook (scripts/raw-loader.mjs) reads the
 * same templates as Vite; and the tfjs export's preprocessing is the text of
 * engine/data/featurise-core.ts, whose functions featurise exactly as engine/data does.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as core from '../engine/data/featurise-core';
import CORE_TEXT from '../engine/data/featurise-core.ts?raw';
import * as audio from '../engine/data/audio';
import * as image from '../engine/data/image';
import { mulberry32 } from '../engine/data/rng';
import * as text from '../engine/data/text';
import { exportProgram } from '../engine/export';
import { fillTemplate, templateSections } from '../engine/export/scripts';
import DATA_PY from '../engine/export/templates/data.py?raw';
import { registry } from '../nodes';
import { customLayers } from '../nodes/shared';
import { kindsGraph, sequenceGraph } from './fixtures/export-graphs';
import { loadTemplate, python, ROOT, templateNames, TMP, writeFiles } from './fixtures/export-harness';

const TEMPLATES = path.join(ROOT, 'engine', 'export', 'templates');
const cases = [...templateNames().map((n) => [n, loadTemplate(n)] as const), ['every-kind', kindsGraph] as const, ['sequences-video', sequenceGraph] as const];
const fitted = { format: 'fusionlab/fitted', version: 1, inputs: {}, heads: {} };

function pyFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === '__pycache__' || e.name === 'node_modules' ? [] : pyFiles(p);
    return e.name.endsWith('.py') ? [p] : [];
  });
}

/** py_compile every file (byte code written under test-results, never beside the source). */
function pyCompile(files: string[]): void {
  const out = path.join(TMP, 'pyc');
  fs.mkdirSync(out, { recursive: true });
  const script = 'import py_compile, sys, os\nout = sys.argv[1]\nfor i, f in enumerate(sys.argv[2:]):\n    py_compile.compile(f, cfile=os.path.join(out, f"{i}.pyc"), doraise=True)\nprint(len(sys.argv) - 2)';
  expect(Number(python(['-c', script, out, ...files], ROOT).trim())).toBe(files.length);
}

describe('Python files', () => {
  it('every .py file under engine/ and nodes/ passes py_compile as it is (templates unfilled)', () => {
    const files = [...pyFiles(path.join(ROOT, 'engine')), ...pyFiles(path.join(ROOT, 'nodes'))];
    const names = files.map((f) => path.relative(ROOT, f));
    expect(names).toEqual(expect.arrayContaining(['engine/export/templates/data.py', 'engine/export/templates/train_torch.py', 'engine/export/templates/train_keras.py']));
    expect(names).toEqual(expect.arrayContaining(['engine/export/templates/layers_torch.py', 'engine/export/templates/layers_keras.py', 'engine/export/templates/torch_rnn.py']));
    // Each custom layer's Keras and PyTorch classes are files in its kind's folder (layer-runtimes.test.ts checks which).
    expect(names.filter((n) => n.startsWith('nodes/') && /(^|[/_])(keras|torch)\.py$/.test(n)).length).toBe(2 * customLayers().length);
    pyCompile(files);
  });

  it('every filled Python file passes py_compile, for every template graph, both targets, with and without a trained state', () => {
    const files: string[] = [];
    for (const [name, graph] of cases) {
      for (const target of ['pytorch', 'keras'] as const) {
        for (const trained of [false, true]) {
          const exp = exportProgram(graph, registry, target, trained ? { fitted, weightsFile: 'weights.npz' } : {});
          expect(exp.ok, `${name} ${target}`).toBe(true);
          const dir = writeFiles(`templates-${name}-${target}-${trained ? 'trained' : 'plain'}`, exp.files);
          files.push(...Object.keys(exp.files).filter((f) => f.endsWith('.py')).map((f) => path.join(dir, f)));
        }
      }
    }
    expect(files.length).toBe(cases.length * 2 * 2 * 4);
    pyCompile(files);
  }, 60_000);
});

describe('templates', () => {
  it('mark their placeholders inside string literals, and every export fills all of them', () => {
    expect(DATA_PY.match(/__[A-Z][A-Z0-9_]*__/g)).toEqual(['__CONFIG__']);
    expect(DATA_PY).toContain('json.loads("__CONFIG__")');
    expect(fs.readFileSync(path.join(TEMPLATES, 'preprocess.ts'), 'utf8')).toContain('JSON.parse("__CONFIG__")');
    for (const f of ['train_torch.py', 'train_keras.py']) expect(fs.readFileSync(path.join(TEMPLATES, f), 'utf8')).not.toMatch(/__[A-Z][A-Z0-9_]*__/);
    for (const [name, graph] of cases) {
      for (const target of ['tfjs', 'keras', 'pytorch'] as const) {
        for (const opts of [{}, { fitted, weightsFile: 'weights.npz' }]) {
          const exp = exportProgram(graph, registry, target, opts);
          for (const [file, body] of Object.entries(exp.files)) {
            expect(body, `${name} ${target} ${file}`).not.toMatch(/__[A-Z][A-Z0-9_]*__/);
            expect(body, `${name} ${target} ${file}`).not.toContain('<!--');
          }
          expect(exp.files['README.md'].includes('weights.npz'), `${name} ${target}`).toBe('weightsFile' in opts);
        }
      }
    }
  });

  it('never read inserted text as a placeholder or a section', () => {
    const graph = { ...loadTemplate('demo'), name: 'A __WEIGHTS_FILE__ __INPUTS__ "__CONFIG__" `x` ${y} """ <!-- end tfjs -->' };
    const py = exportProgram(graph, registry, 'pytorch');
    expect(py.ok).toBe(true);
    expect(py.files['README.md'].split('\n')[0]).toBe('# A __WEIGHTS_FILE__ __INPUTS__ "__CONFIG__" x ${y} """ !-- end tfjs --');
    expect(fillTemplate('t', 'a "__X__" b __Y__', { '"__X__"': '__Y__', __Y__: '"__X__"' })).toBe('a __Y__ b "__X__"');
  });

  it('refuse a missing placeholder and unbalanced sections', () => {
    expect(() => fillTemplate('t', 'no placeholder', { __X__: '1' })).toThrow(/has no __X__/);
    const md = 'a\n<!-- # a comment -->\n<!-- if one -->\nb\n<!-- if two -->\nc\n<!-- end two -->\n<!-- end one -->\nd\n';
    expect(templateSections('t', md, new Set(['one']))).toBe('a\nb\nd\n');
    expect(templateSections('t', md, new Set(['one', 'two']))).toBe('a\nb\nc\nd\n');
    expect(templateSections('t', md, new Set(['two']))).toBe('a\nd\n');
    expect(() => templateSections('t', '<!-- if one -->\nx\n', new Set())).toThrow(/does not end "one"/);
    expect(() => templateSections('t', '<!-- if one -->\n<!-- end two -->\n', new Set())).toThrow(/ends "two"/);
  });

  it('are read the same by the Node hook (CLI, benches, scripts) as by Vite', () => {
    const script = [
      "import { exportProgram } from './engine/export/index.ts';",
      "import { registry } from './nodes/index.ts';",
      "import { parseGraphText } from './engine/graph.ts';",
      "import { readFileSync } from 'node:fs';",
      "const g = parseGraphText(readFileSync('templates/demo.json', 'utf8'));",
      "if (!g.ok) throw new Error('demo');",
      "const out = {};",
      "for (const t of ['tfjs', 'keras', 'pytorch']) out[t] = exportProgram(g.graph, registry, t, { weightsFile: 'w.npz' }).files;",
      'process.stdout.write(JSON.stringify(out));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', './scripts/raw-loader.mjs', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, Record<string, string>>;
    const demo = loadTemplate('demo');
    for (const t of ['tfjs', 'keras', 'pytorch'] as const) expect(got[t]).toEqual(exportProgram(demo, registry, t, { weightsFile: 'w.npz' }).files);
  }, 120_000);
});

describe('the tfjs preprocessing is engine/data’s own code', () => {
  it('featurise-core.ts imports nothing, and the tfjs export holds its text whole', () => {
    expect(CORE_TEXT).toBe(fs.readFileSync(path.join(ROOT, 'engine', 'data', 'featurise-core.ts'), 'utf8'));
    expect(CORE_TEXT).not.toMatch(/^\s*import\b|\brequire\s*\(|\bimport\s*\(|^\s*export\s+(\*|\{[^}]*\})\s+from\b/m);
    for (const [name, graph] of cases) {
      const exp = exportProgram(graph, registry, 'tfjs');
      expect(exp.files['model.ts'].includes(CORE_TEXT.replace(/\r\n?/g, '\n')), name).toBe(true);
    }
  });

  it('the app uses the same functions for images (one binding)', () => {
    expect(image.featuriseImage).toBe(core.featuriseImage);
    expect(image.resizeBilinear).toBe(core.resizeBilinear);
  });

  it('the app uses the same functions for text and audio (one binding; the numbers are pinned by data-features and data-avmnist)', () => {
    expect(text.encodeTokens).toBe(core.encodeTokens);
    expect(text.vocabularyIndex).toBe(core.vocabularyIndex);
    expect(text.tokenize('The CAT’s tails', { tokenizer: 'word', lowercase: true }, 2)).toEqual(core.tokenize('The CAT’s tails', 'word', true, 2));
    for (const f of ['logMelSpectrogram', 'featuriseAudioRaw', 'melFilterbank', 'realPowerSpectrum', 'clipSamples', 'melFrames'] as const) expect(audio[f], f).toBe(core[f]);
  });

  it('standardises as the app encodes a log-mel clip ((v − mean) / std in float32)', () => {
    const r = mulberry32(3);
    const raw = Float32Array.from({ length: 500 }, () => r() * 30 - 15);
    const mean = -4.123456789;
    const std = 2.718281828;
    const app = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i++) app[i] = (raw[i] - mean) / std;
    expect(core.standardise(raw, mean, std)).toEqual(app);
  });
});
