/**
 * Data benchmark (issue 4): decode + featurise throughput on AV-MNIST (3,000 images + 3,000
 * recordings) for the AV-MNIST template, in headless Chromium (the app's data worker: browser
 * adapter + the engine's featurisers) and in Node (the CLI's path), printed side by side.
 *
 * The dataset is served to the page by a Playwright route (never copied into the repository);
 * the page fetches it into memory first, so the browser figure is processing alone. The Node
 * figure reads from disk (page cache warm after the first pass).
 *
 *   flock /tmp/e2e.lock npx tsx bench/data-browser.ts [--rows 3000]
 *
 * (Under the e2e lock: it builds the app when the sources changed.)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { loadDataset, parseManifest, writeCsv } from '../engine/data';
import { createNodeAdapter } from '../engine/data/node-decoders';
import { directorySource } from '../engine/data/node-source';
import { memorySource } from '../engine/data/source';
import { serializeGraph } from '../engine/graph';
import { AUTOSAVE_KEY } from '../engine/editor/storage';
import { registry } from '../nodes';
import { templates } from '../templates';
import { printTable } from './table';
// @ts-expect-error -- plain ESM helper shared with the e2e runner, no type declarations
import { ensureBuild, startServer } from '../test/e2e/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const AVMNIST = path.resolve(root, '..', 'shared', 'datasets', 'avmnist');

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

async function main() {
  const graph = templates.find((t) => t.id === 'avmnist')?.graph;
  if (!graph) throw new Error('no avmnist template');
  const m = parseManifest(await readFile(path.join(AVMNIST, 'samples.csv'), 'utf8'), 'samples.csv');
  const rows = Math.min(m.rows.length, arg('rows', 3000));
  const csv = writeCsv(m.columns, m.rows.slice(0, rows).map((r) => r.values));
  const fileCols = ['image', 'audio'].map((c) => m.columns.indexOf(c));
  const paths = m.rows.slice(0, rows).flatMap((r) => fileCols.map((j) => r.values[j]));

  // ---- Node: the CLI path (pngjs + WAV parser + the same featurisers).
  const node: number[] = [];
  for (let pass = 0; pass < 2; pass++) {
    const files = new Map<string, Uint8Array>([['samples.csv', new TextEncoder().encode(csv)]]);
    const src = rows === m.rows.length ? directorySource(AVMNIST) : memorySource('slice', files);
    if (rows !== m.rows.length) for (const p of paths) files.set(p, new Uint8Array(await readFile(path.join(AVMNIST, p))));
    const t0 = performance.now();
    const ds = await loadDataset(src, { graph, registry, adapter: createNodeAdapter() });
    node.push(performance.now() - t0);
    if (ds.summary.loaded !== rows) throw new Error(`Node loaded ${ds.summary.loaded} of ${rows}`);
  }

  // ---- Browser: the app's data worker.
  if (!ensureBuild(root)) throw new Error('next build failed');
  const server = await startServer(root);
  if (!server.ok) throw new Error(`server did not start:\n${server.log()}`);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  const results: { fetchMs: number; loadMs: number; loaded: number }[] = [];
  try {
    const context = await browser.newContext();
    await context.addInitScript(`localStorage.setItem(${JSON.stringify(AUTOSAVE_KEY)}, ${JSON.stringify(serializeGraph(graph))})`);
    await context.route('**/__avmnist/**', async (route) => {
      const rel = decodeURIComponent(new URL(route.request().url()).pathname.replace(/^\/__avmnist\//, ''));
      if (rel === 'samples.csv') return route.fulfill({ body: csv, contentType: 'text/csv' });
      const full = path.resolve(AVMNIST, rel);
      if (!full.startsWith(AVMNIST + path.sep)) return route.fulfill({ status: 404 });
      return route.fulfill({ body: await readFile(full) });
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.baseURL}/?fusionlab-test`);
    await page.waitForFunction('!!window.__fusionlabTest', undefined, { timeout: 60_000 });
    for (let pass = 0; pass < 2; pass++) {
      const r = (await page.evaluate(
        ([base, ps, g]) => (window as unknown as { __fusionlabTest: { openUrls(b: string, p: string[], g: unknown): Promise<{ fetchMs: number; timings: { loadMs: number } | null; loaded: number }> } }).__fusionlabTest.openUrls(base as string, ps as unknown as string[], g),
        [`${server.baseURL}/__avmnist`, ['samples.csv', ...paths], graph] as const,
      )) as { fetchMs: number; timings: { loadMs: number } | null; loaded: number };
      if (!r.timings || r.loaded !== rows) throw new Error(`the browser loaded ${r.loaded} of ${rows} (${errors.join('; ')})`);
      results.push({ fetchMs: r.fetchMs, loadMs: r.timings.loadMs, loaded: r.loaded });
    }
  } finally {
    await browser.close();
    server.stop();
  }
  const best = (xs: number[]) => Math.min(...xs);
  const bMs = best(results.map((r) => r.loadMs));
  const nMs = best(node);
  const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const rate = (ms: number) => Math.round((rows * 1000) / ms).toLocaleString('en-US');
  printTable(`Decode + featurise, AV-MNIST (${rows} rows = ${rows} PNG images + ${rows} WAV recordings; image 28×28×1, log-mel 32 bins; best of 2)`, [
    ['path', 'time', 'samples/s', 'files/s', 'notes'],
    ['browser (headless Chromium, data worker)', fmt(bMs), rate(bMs), Math.round((2 * rows * 1000) / bMs).toLocaleString('en-US'), `pure PNG decoder (createImageBitmap for other images), WAV parser; fetch into memory ${fmt(best(results.map((r) => r.fetchMs)))} not counted`],
    ['Node (CLI path)', fmt(nMs), rate(nMs), Math.round((2 * rows * 1000) / nMs).toLocaleString('en-US'), 'pngjs + WAV parser, from disk'],
  ]);
  console.log(`target: ≥ 1,000 samples/s in the browser — ${(rows * 1000) / bMs >= 1000 ? 'met' : 'NOT met'}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
