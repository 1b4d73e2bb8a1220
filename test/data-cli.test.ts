import { describe, expect, it, beforeAll, afterAll, vi } from 'vitest';
import { mkdir, mkdtemp, rm, readFile, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dataDemoCommand, dataInspectCommand } from '../cli/commands/data';

async function run(fn: (a: string[]) => Promise<number>, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const w = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    out += a.join(' ') + '\n';
  });
  const e = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    err += a.join(' ') + '\n';
  });
  try {
    return { code: await fn(args), out, err };
  } finally {
    w.mockRestore();
    log.mockRestore();
    e.mockRestore();
  }
}

const AVMNIST = path.resolve(__dirname, '../../shared/datasets/avmnist');
const TEMPLATE = path.resolve(__dirname, '../templates/demo.json');

describe('fusionlab data', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fl-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('demo writes the files, and refuses to overwrite without --force', async () => {
    const out = path.join(dir, 'demo');
    const r = await run(dataDemoCommand, [out, '--rows', '60', '--seed', '3', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ ok: true, rows: 60, seed: 3, files: 122 });
    expect((await readdir(path.join(out, 'images'))).length).toBe(60);
    expect((await readFile(path.join(out, 'samples.csv'), 'utf8')).split('\n')[0]).toBe('id,image,caption,audio,temperature,count,label,split');
    const again = await run(dataDemoCommand, [out, '--rows', '60']);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/--force/);
    expect((await run(dataDemoCommand, [out, '--rows', '60', '--force'])).code).toBe(0);
    expect((await run(dataDemoCommand, [])).code).toBe(2);
    expect((await run(dataDemoCommand, [out, '--rows', 'x'])).code).toBe(2);
  });

  it('inspect reports columns, classes, splits and the load for a graph', async () => {
    const out = path.join(dir, 'demo');
    const r = await run(dataInspectCommand, [out, '--graph', TEMPLATE, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.ok).toBe(true);
    expect(j.rows).toBe(60);
    expect(Object.fromEntries(j.columns.map((c: { name: string; type: string }) => [c.name, c.type]))).toEqual({
      id: 'id',
      image: 'image',
      caption: 'text',
      audio: 'audio',
      temperature: 'number',
      count: 'number',
      label: 'category',
      split: 'split',
    });
    expect(j.labels[0].classes.map((c: { name: string }) => c.name)).toEqual(['match-high', 'match-low', 'mismatch-high', 'mismatch-low']);
    expect(j.load.summary.loaded).toBe(60);
    expect(j.problems).toEqual([]);
    const text = await run(dataInspectCommand, [out]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/Label "label": 4 classes/);
    expect(text.out).toMatch(/No problems found/);
  });

  it('inspect finds problems without a graph, and --strict turns them into a failure', async () => {
    const out = path.join(dir, 'demo');
    const csvPath = path.join(out, 'samples.csv');
    const lines = (await readFile(csvPath, 'utf8')).split('\n');
    lines[3] = lines[3].replace('images/', 'images/missing-');
    lines[5] = lines[5] + ',extra';
    await writeFile(csvPath, lines.join('\n'));
    const r = await run(dataInspectCommand, [out, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.problems.map((p: { code: string; row: number }) => [p.code, p.row])).toEqual(
      expect.arrayContaining([
        ['broken-line', 5],
        ['missing-file', 3],
      ]),
    );
    expect((await run(dataInspectCommand, [out, '--strict'])).code).toBe(1);
  });

  it('inspect reads AV-MNIST (no graph) and fails clearly on a path without a dataset', async () => {
    const r = await run(dataInspectCommand, [AVMNIST, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.rows).toBe(3000);
    expect(j.splits).toMatchObject({ train: 2700, val: 0, test: 300 });
    expect(j.labels[0].classes).toHaveLength(10);
    expect(j.problems).toEqual([]);
    const none = await run(dataInspectCommand, [path.join(dir, 'nope')]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/Cannot open/);
    const emptyDir = path.join(dir, 'empty');
    await mkdir(emptyDir);
    const empty = await run(dataInspectCommand, [emptyDir, '--json']);
    expect(empty.code).toBe(1);
    expect(JSON.parse(empty.out).problems[0].code).toBe('no-manifest');
  }, 60_000);
});
