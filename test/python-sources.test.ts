/**
 * Every Python file in the source tree (the layers' Keras and PyTorch runtimes under nodes/, the
 * export templates under engine/) compiles with python3 -m py_compile: Python lives in .py files,
 * and a syntax error in one is a failing test, not a broken export found by a user.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON, ROOT } from './fixtures/export-harness';

function pythonFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === '__pycache__' ? [] : pythonFiles(p);
    return e.name.endsWith('.py') ? [p] : [];
  });
}

// Compiled into a temporary directory so that no __pycache__ lands in the tree.
const COMPILE = `
import os, py_compile, sys
out = sys.argv[1]
for i, f in enumerate(sys.argv[2:]):
    py_compile.compile(f, cfile=os.path.join(out, f"{i}.pyc"), doraise=True)
print("ok", len(sys.argv) - 2)
`;

describe('Python sources', () => {
  const files = [...pythonFiles(path.join(ROOT, 'nodes')), ...pythonFiles(path.join(ROOT, 'engine'))];

  it('are there: each custom layer brings its two runtimes, the export its templates', () => {
    expect(files.filter((f) => f.includes(`${path.sep}nodes${path.sep}`)).length).toBeGreaterThanOrEqual(26);
    expect(files.filter((f) => f.includes(`${path.sep}templates${path.sep}`)).length).toBeGreaterThanOrEqual(6);
  });

  it('all pass python3 -m py_compile', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'fusionlab-pyc-'));
    try {
      const r = execFileSync(PYTHON, ['-c', COMPILE, out, ...files], { encoding: 'utf8' });
      expect(r.trim()).toBe(`ok ${files.length}`);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
