/**
 * The `fusionlab` command, run as a user runs it: `npx fusionlab …` from the repository root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { registry } from '../nodes';
import { describe, expect, it } from 'vitest';
import { templates } from './fixtures/template-files';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/fusionlab.mjs');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The catalogue of DESIGN.md: every kind must be listed by `nodes --json`. */
const DESIGN_KINDS = [
  ...['image', 'text', 'audio', 'tabular', 'video'].map((k) => `input.${k}`),
  ...['image-cnn', 'image-mlp', 'text-embedding', 'text-rnn', 'text-cnn', 'text-transformer', 'audio-cnn', 'audio-cnn1d', 'tabular-mlp', 'video-cnn', 'dense', 'pretrained'].map((k) => `encoder.${k}`),
  ...['concat', 'add', 'average', 'multiply', 'max', 'gated', 'attention', 'cross-attention', 'tensor', 'low-rank', 'film'].map((k) => `fusion.${k}`),
  ...['average', 'vote', 'stack'].map((k) => `late.${k}`),
  ...['classify', 'regress', 'multilabel'].map((k) => `head.${k}`),
];

describe('fusionlab CLI', () => {
  it('npx fusionlab works from the repository root', () => {
    const out = execFileSync('npx', ['--no-install', 'fusionlab', 'nodes', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    const kinds = (JSON.parse(out) as { kinds: { kind: string }[] }).kinds.map((k) => k.kind);
    // Exactly the registry's kinds, which hold at least every kind DESIGN.md names (operators added
    // since, such as fusion.mfb, come with the registry without an edit here).
    expect(kinds.sort()).toEqual(registry.all().map((s) => s.kind).sort());
    expect(kinds).toEqual(expect.arrayContaining(DESIGN_KINDS));
  });

  it('nodes --json describes params with defaults and descriptions', () => {
    const r = run(['nodes', '--json']);
    expect(r.code).toBe(0);
    const { kinds } = JSON.parse(r.stdout) as { kinds: { kind: string; params: { name: string; default: unknown; description: string }[]; doc: string }[] };
    for (const k of kinds) {
      expect(k.doc.length, k.kind).toBeGreaterThan(80);
      for (const p of k.params) expect(p.description.length, `${k.kind}.${p.name}`).toBeGreaterThan(5);
    }
  });

  it('summary --json works for every template and counts what compile counts', () => {
    for (const t of templates()) {
      const r = run(['summary', t.file, '--json']);
      expect(r.code, `${t.id}: ${r.stderr}`).toBe(0);
      const out = JSON.parse(r.stdout) as { ok: boolean; summary: { totalParams: number; nodes: Record<string, { params: number }> } };
      expect(out.ok).toBe(true);
      expect(Object.values(out.summary.nodes).reduce((a, n) => a + n.params, 0)).toBe(out.summary.totalParams);
    }
  });

  it('summary prints a table', () => {
    const r = run(['summary', path.join(ROOT, 'templates/avmnist.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/image_cnn\s+encoder\.image-cnn/);
    expect(r.stdout).toMatch(/parameters: [\d,]+/);
  });

  it('validate reports diagnostics and exits 1 on errors', () => {
    const ok = run(['validate', path.join(ROOT, 'templates/avmnist.json'), '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, diagnostics: [] });
    const bad = run(['validate', path.join(ROOT, 'test/fixtures/broken-graph.json'), '--json']);
    expect(bad.code).toBe(1);
    const codes = (JSON.parse(bad.stdout) as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code);
    expect(codes).toEqual(expect.arrayContaining(['missing-input', 'unknown-kind']));
  });

  it('a missing file or an unknown command is a clear error, not a crash', () => {
    const missing = run(['validate', '/nonexistent.json']);
    expect(missing.code).toBe(1);
    expect(missing.stdout + missing.stderr).toMatch(/Cannot read/);
    const unknown = run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command/);
  });
});
