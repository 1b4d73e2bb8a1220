/**
 * Data benchmark (full-size photos): decode + featurise throughput in headless Chromium
 * (the app's data worker: browser adapter + the engine's featurisers), printed in two tables.
 *
 * 1. AV-MNIST (3,000 images + 3,000 recordings) for the AV-MNIST template, in the browser and in
 *    Node (the CLI's path), side by side: the small-PNG path (pure PNG decoder in the worker).
 * 2. Full-size photos (generated here, as bench/photo-ingest.ts does for Node: smooth colour
 *    fields, edges and sensor-like noise, JPEG quality 90) for an image → CNN → label graph at
 *    64×64×3: 12-, 24- and 50-MP JPEGs through the data worker, then the decoder alone in a
 *    worker (components/data/decodeTest.worker.ts, through the test hook) with 8 decodes in
 *    flight under different decode budgets, without a hint (full-size decode + readback, the path
 *    before the hint) and on large PNGs. Photos/s, renderer CPU per photo, and the renderer's peak
 *    RSS (VmHWM, reset through /proc/<pid>/clear_refs before each measured pass; the data worker
 *    and its decodes live in the renderer process; Linux only, else "n/a").
 *
 * The datasets are served to the page by a Playwright route (AV-MNIST is never copied into the
 * repository); the page fetches them into memory first, so the browser figure is processing
 * alone (the fetched bytes stay in the renderer and count in its RSS: "MB in"). The Node figure
 * reads from disk (page cache warm after the first pass). Each photo case runs in a fresh browser
 * context (its own renderer): a warm-up pass, then the measured one.
 *
 *   flock /tmp/e2e.lock npx tsx bench/data-browser.ts [--rows 3000] [--photos 24] [--width 4000] [--height 3000] [--noise 6]
 *
 * (Under the e2e lock: it builds the app when the sources changed. --rows 0 skips AV-MNIST,
 * --photos 0 the photos.)
 */
import { photoPixels } from './photo-pixels';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { loadDataset, parseManifest, writeCsv } from '../engine/data';
import { createNodeAdapter } from '../engine/data/node-decoders';
import { directorySource } from '../engine/data/node-source';
import { memorySource } from '../engine/data/source';
import { serializeGraph, type GraphDoc } from '../engine/graph';
import { AUTOSAVE_KEY } from '../engine/editor/storage';
import { registry } from '../nodes';
import { templates } from '../templates';
import { printTable, stats } from './table';
import type { DecodeInWorkerOptions, DecodeInWorkerResult } from '../components/data/testHook';
// @ts-expect-error -- plain ESM helper shared with the e2e runner, no type declarations
import { ensureBuild, startServer } from '../test/e2e/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const AVMNIST = path.resolve(root, '..', 'shared', 'datasets', 'avmnist');

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

// ---- the renderer process: peak RSS and CPU from /proc (Linux) -------------------------------

function readProc(pid: number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

/** Chromium renderer processes started by this process (their args say --type=renderer). */
function renderers(): number[] {
  if (!existsSync('/proc/self/stat')) return [];
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = readProc(Number(d), 'stat');
    if (!st) continue;
    const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
    kids.set(ppid, [...(kids.get(ppid) ?? []), Number(d)]);
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const k of kids.get(pid) ?? []) {
      if ((readProc(k, 'cmdline') ?? '').includes('--type=renderer')) out.push(k);
      walk(k);
    }
  };
  walk(process.pid);
  return out;
}

/** A line of /proc/<pid>/status in MB (VmRSS, VmHWM), or null. */
function statusMb(pid: number, key: string): number | null {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readProc(pid, 'status') ?? '');
  return m ? Number(m[1]) / 1024 : null;
}

/** User + system CPU of a process in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const st = readProc(pid, 'stat');
  if (!st) return 0;
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

interface Measured<T> {
  value: T;
  /** The busiest renderer's peak RSS during `fn`, and its RSS before. */
  peakMb: number | null;
  baseMb: number | null;
  /** CPU of every renderer during `fn`. */
  cpuMs: number | null;
}

async function measure<T>(fn: () => Promise<T>): Promise<Measured<T>> {
  const pids = renderers();
  const base = new Map(pids.map((p) => [p, statusMb(p, 'VmRSS')]));
  let resettable = pids.length > 0;
  for (const p of pids) {
    try {
      writeFileSync(`/proc/${p}/clear_refs`, '5'); // reset VmHWM to the current RSS
    } catch {
      resettable = false;
    }
  }
  const cpu0 = pids.reduce((a, p) => a + cpuMs(p), 0);
  const value = await fn();
  const cpu1 = pids.reduce((a, p) => a + cpuMs(p), 0);
  let peakMb: number | null = null;
  let baseMb: number | null = null;
  if (resettable) {
    for (const p of pids) {
      const hwm = statusMb(p, 'VmHWM');
      const b = base.get(p) ?? null;
      if (hwm !== null && b !== null && (peakMb === null || baseMb === null || hwm - b > peakMb - baseMb)) {
        peakMb = hwm;
        baseMb = b;
      }
    }
  }
  return { value, peakMb, baseMb, cpuMs: pids.length ? cpu1 - cpu0 : null };
}

// ---- AV-MNIST: the small-PNG path, browser and Node ------------------------------------------

type Hook = {
  openUrls(b: string, p: string[], g: unknown): Promise<{ fetchMs: number; timings: { loadMs: number } | null; loaded: number; problems: number }>;
  decodeInWorker(urls: string[], opts?: DecodeInWorkerOptions): Promise<{ fetchMs: number; totalMs: number; results: DecodeInWorkerResult[] }>;
};

/** A fresh context (its own renderer) with `graph` saved, `routes` set up, on the app; closed after `fn`. */
async function withPage<T>(browser: Browser, baseURL: string, graph: GraphDoc, routes: (c: BrowserContext) => Promise<unknown>, fn: (page: Page, errors: string[]) => Promise<T>): Promise<T> {
  const context = await browser.newContext();
  try {
    await context.addInitScript(`localStorage.setItem(${JSON.stringify(AUTOSAVE_KEY)}, ${JSON.stringify(serializeGraph(graph))})`);
    await routes(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${baseURL}/?fusionlab-test`);
    await page.waitForFunction('!!window.__fusionlabTest', undefined, { timeout: 60_000 });
    return await fn(page, errors);
  } finally {
    await context.close();
  }
}

const openUrls = (page: Page, base: string, paths: string[], graph: GraphDoc) =>
  page.evaluate(([b, ps, g]) => (window as unknown as { __fusionlabTest: Hook }).__fusionlabTest.openUrls(b as string, ps as unknown as string[], g), [base, paths, graph] as const);

const decodeInWorker = (page: Page, urls: string[], opts: DecodeInWorkerOptions) =>
  page.evaluate(([u, o]) => (window as unknown as { __fusionlabTest: Hook }).__fusionlabTest.decodeInWorker(u as unknown as string[], o as DecodeInWorkerOptions), [urls, opts] as const);

const fmtMb = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x)} MB`);
const dp = (x: number) => x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0);

async function avmnistBench(browser: Browser, baseURL: string, rowsWanted: number): Promise<void> {
  const graph = templates.find((t) => t.id === 'avmnist')?.graph;
  if (!graph) throw new Error('no avmnist template');
  const m = parseManifest(await readFile(path.join(AVMNIST, 'samples.csv'), 'utf8'), 'samples.csv');
  const rows = Math.min(m.rows.length, rowsWanted);
  const csv = writeCsv(m.columns, m.rows.slice(0, rows).map((r) => r.values));
  const fileCols = ['image', 'audio'].map((c) => m.columns.indexOf(c));
  const paths = m.rows.slice(0, rows).flatMap((r) => fileCols.map((j) => r.values[j]));

  // ---- Node: the CLI path (small PNGs: pngjs; WAV parser; the same featurisers).
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
  const routes = (context: BrowserContext) =>
    context.route('**/__avmnist/**', async (route) => {
      const rel = decodeURIComponent(new URL(route.request().url()).pathname.replace(/^\/__avmnist\//, ''));
      if (rel === 'samples.csv') return route.fulfill({ body: csv, contentType: 'text/csv' });
      const full = path.resolve(AVMNIST, rel);
      if (!full.startsWith(AVMNIST + path.sep)) return route.fulfill({ status: 404 });
      return route.fulfill({ body: await readFile(full) });
    });
  const results = await withPage(browser, baseURL, graph, routes, async (page, errors) => {
    const out: Measured<{ fetchMs: number; loadMs: number }>[] = [];
    for (let pass = 0; pass < 2; pass++) {
      out.push(
        await measure(async () => {
          const r = await openUrls(page, `${baseURL}/__avmnist`, ['samples.csv', ...paths], graph);
          if (!r.timings || r.loaded !== rows) throw new Error(`the browser loaded ${r.loaded} of ${rows} (${errors.join('; ')})`);
          return { fetchMs: r.fetchMs, loadMs: r.timings.loadMs };
        }),
      );
    }
    return out;
  });
  const best = results.reduce((a, b) => (b.value.loadMs < a.value.loadMs ? b : a));
  const bMs = best.value.loadMs;
  const nMs = Math.min(...node);
  const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const rate = (ms: number) => Math.round((rows * 1000) / ms).toLocaleString('en-US');
  printTable(`Decode + featurise, AV-MNIST (${rows} rows = ${rows} PNG images + ${rows} WAV recordings; image 28×28×1, log-mel 32 bins; best of 2)`, [
    ['path', 'time', 'samples/s', 'files/s', 'renderer peak RSS', 'notes'],
    ['browser (headless Chromium, data worker)', fmt(bMs), rate(bMs), Math.round((2 * rows * 1000) / bMs).toLocaleString('en-US'), `${fmtMb(best.peakMb)} (${fmtMb(best.baseMb)} before)`, `pure PNG decoder (small non-interlaced PNGs), WAV parser; fetch into memory ${fmt(best.value.fetchMs)} not counted`],
    ['Node (CLI path)', fmt(nMs), rate(nMs), Math.round((2 * rows * 1000) / nMs).toLocaleString('en-US'), '', 'from disk'],
  ]);
  console.log(`target: ≥ 1,000 samples/s in the browser — ${(rows * 1000) / bMs >= 1000 ? 'met' : 'NOT met'}`);
}

// ---- Full-size photos -------------------------------------------------------------------------

interface PhotoFile {
  name: string;
  bytes: Buffer;
}

async function makePhotos(prefix: string, count: number, w: number, h: number, sigma: number, kind: 'alternate' | 'progressive' | 'baseline' | 'png'): Promise<PhotoFile[]> {
  const out: PhotoFile[] = [];
  for (let i = 0; i < count; i++) {
    const img = sharp(photoPixels(w, h, i + 1 + prefix.length * 1000, sigma), { raw: { width: w, height: h, channels: 3 }, limitInputPixels: false });
    const progressive = kind === 'progressive' || (kind === 'alternate' && i % 2 === 1);
    const bytes = kind === 'png' ? await img.png().toBuffer() : await img.jpeg({ quality: 90, progressive, mozjpeg: false }).toBuffer();
    out.push({ name: `${prefix}_${String(i).padStart(3, '0')}.${kind === 'png' ? 'png' : 'jpg'}`, bytes });
  }
  return out;
}


async function photoBench(browser: Browser, baseURL: string, count: number, w: number, h: number, sigma: number): Promise<void> {
  const t0 = performance.now();
  const mp = (a: number, b: number) => `${((a * b) / 1e6).toFixed(0)} MP`;
  const sets = {
    std: await makePhotos('std', count, w, h, sigma, 'alternate'),
    p24: await makePhotos('p24', Math.max(2, Math.round(count / 3)), 6000, 4000, sigma, 'progressive'),
    b50: await makePhotos('b50', Math.max(2, Math.round(count / 6)), 8700, 5800, sigma, 'baseline'),
    png: await makePhotos('png', Math.max(2, Math.round(count / 4)), 3000, 2000, sigma, 'png'),
  };
  const all = new Map(Object.values(sets).flat().map((f) => [f.name, f.bytes]));
  const mb = (fs: PhotoFile[]) => fs.reduce((a, f) => a + f.bytes.length, 0) / 2 ** 20;
  console.log(
    `generated ${sets.std.length} JPEGs ${w}×${h} (half progressive, ${(mb(sets.std) / sets.std.length).toFixed(1)} MB each), ${sets.p24.length} progressive 6000×4000 (${(mb(sets.p24) / sets.p24.length).toFixed(1)} MB), ` +
      `${sets.b50.length} baseline 8700×5800 (${(mb(sets.b50) / sets.b50.length).toFixed(1)} MB), ${sets.png.length} PNG 3000×2000 (${(mb(sets.png) / sets.png.length).toFixed(1)} MB); noise σ = ${sigma}; in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  const graph = structuredClone(templates.find((t) => t.id === 'image-classifier')!.graph); // image 64×64×3 → CNN → label
  const routes = (context: BrowserContext) =>
    context.route('**/__photos/**', (route) => {
      // <set>/samples.csv lists the set's photos, warm-<set>/samples.csv its first two (the warm-up pass).
      const rel = decodeURIComponent(new URL(route.request().url()).pathname.replace(/^\/__photos\//, ''));
      const [dir, file] = rel.split('/');
      if (file === 'samples.csv') {
        const set = sets[dir.replace(/^warm-/, '') as keyof typeof sets]?.slice(0, dir.startsWith('warm-') ? 2 : undefined);
        if (!set) return route.fulfill({ status: 404 });
        // All rows train: a seeded split of 3 photos could leave a class in val only (an unknown-label row).
        return route.fulfill({ body: ['image,label,split', ...set.map((f, i) => `${f.name},${i % 2 ? 'b' : 'a'},train`)].join('\n') + '\n', contentType: 'text/csv' });
      }
      const body = all.get(file ?? dir);
      return body ? route.fulfill({ body }) : route.fulfill({ status: 404 });
    });
  const rows: string[][] = [['case', 'photos', 'MB in', 'photos/s', 'photos / renderer CPU s', 'median ms', 'renderer peak RSS', 'Δ RSS', 'decoded to', 'notes']];
  const row = (label: string, files: PhotoFile[], ms: number, r: Measured<unknown>, median: string, to: string, notes: string) => {
    const n = files.length;
    rows.push([label, String(n), mb(files).toFixed(0), dp((n * 1000) / ms), r.cpuMs ? dp((n * 1000) / r.cpuMs) : 'n/a', median, fmtMb(r.peakMb), r.peakMb !== null && r.baseMb !== null ? fmtMb(r.peakMb - r.baseMb) : 'n/a', to, notes]);
    console.log(`  ${label}: ${dp((n * 1000) / ms)} photos/s, peak ${fmtMb(r.peakMb)}`);
  };

  // Through the data worker: the loader (8 rows in flight), the adapter with the node's 64×64 hint.
  const viaWorker = async (key: keyof typeof sets, label: string, notes: string) => {
    const files = sets[key];
    await withPage(browser, baseURL, graph, routes, async (page, errors) => {
      await openUrls(page, `${baseURL}/__photos/warm-${key}`, ['samples.csv', ...files.slice(0, 2).map((f) => f.name)], graph);
      // Best of two passes (other work on the machine slows one now and then); peak RSS over both.
      const a = await measure(() => openUrls(page, `${baseURL}/__photos/${key}`, ['samples.csv', ...files.map((f) => f.name)], graph));
      const b = await measure(() => openUrls(page, `${baseURL}/__photos/${key}`, ['samples.csv', ...files.map((f) => f.name)], graph));
      const ms = (x: typeof a) => x.value.timings?.loadMs ?? Infinity;
      const r = { ...(ms(b) < ms(a) ? b : a), peakMb: a.peakMb === null || b.peakMb === null ? null : Math.max(a.peakMb, b.peakMb), baseMb: a.baseMb };
      const v = r.value;
      if (!v.timings || v.loaded !== files.length) throw new Error(`${label}: loaded ${v.loaded} of ${files.length}, ${v.problems} problems (${errors.join('; ')})`);
      row(label, files, v.timings.loadMs, r, '—', '64×64×3 tensor', `${notes}; ${v.problems} problems`);
    });
  };
  // The decoder alone in a worker, `concurrency` in flight.
  const decoderOnly = async (key: keyof typeof sets, label: string, opts: DecodeInWorkerOptions, notes: string, limit?: number) => {
    const files = sets[key].slice(0, limit ?? sets[key].length);
    await withPage(browser, baseURL, graph, routes, async (page) => {
      const urls = files.map((f) => `${baseURL}/__photos/${f.name}`);
      await decodeInWorker(page, urls.slice(0, 2), { ...opts, keepPixels: 0 }); // warm-up
      const r = await measure(() => decodeInWorker(page, urls, { ...opts, keepPixels: 0 }));
      const bad = r.value.results.filter((x) => !x.ok);
      if (bad.length) throw new Error(`${label}: ${bad.map((b) => `${b.path}: ${b.message}`).join('; ')}`);
      const first = r.value.results[0];
      row(label, files, r.value.totalMs, r, dp(stats(r.value.results.map((x) => x.ms)).median), `${first.width}×${first.height}×4`, notes);
    });
  };

  const H = { width: 64, height: 64 };
  await viaWorker('std', `JPEG ${mp(w, h)} (half progressive), data worker`, 'Data panel path: loader (8 rows in flight) + adapter (hint 64×64) + featuriser');
  await viaWorker('p24', 'JPEG 24 MP progressive, data worker', 'same');
  await viaWorker('b50', 'JPEG 50 MP baseline, data worker', 'same');
  await viaWorker('png', 'PNG 6 MP (8-bit), data worker', 'large PNGs with a hint: createImageBitmap shrink');
  const sizes: [keyof typeof sets, string][] = [
    ['std', `JPEG ${mp(w, h)}`],
    ['p24', 'JPEG 24 MP prog.'],
    ['b50', 'JPEG 50 MP'],
  ];
  for (const [key, name] of sizes) {
    await decoderOnly(key, `${name}, decoder, 8 in flight, default budget`, { hint: H, concurrency: 8 }, "the adapter's decode budget");
    for (const [budget, what] of [
      [50e6, '50 MP'],
      [100e6, '100 MP'],
      [1e15, 'none'],
    ] as const) {
      await decoderOnly(key, `${name}, decoder, 8 in flight, budget ${what}`, { hint: H, concurrency: 8, budget }, budget > 1e12 ? 'every decode at once' : '');
    }
  }
  await decoderOnly('std', `JPEG ${mp(w, h)}, decoder, 1 at a time`, { hint: H, concurrency: 1 }, '');
  await decoderOnly('std', `JPEG ${mp(w, h)}, decoder, no hint, 8 in flight, no budget`, { concurrency: 8, budget: 1e15 }, 'the path before the hint: full-size decode + canvas readback', Math.min(8, sets.std.length));
  await decoderOnly('png', 'PNG 6 MP, decoder, hint, 8 in flight', { hint: H, concurrency: 8 }, 'createImageBitmap shrink');
  await decoderOnly('png', 'PNG 6 MP, decoder, no hint, 8 in flight', { concurrency: 8 }, 'pure PNG decoder, full size (the path for small PNGs)');
  printTable(`Full-size photos in headless Chromium (${os.availableParallelism()} cores): decode (+ featurise to 64×64×3 in the data worker rows); one fresh page per row, after a warm-up`, rows);
}

async function main() {
  const rowsWanted = arg('rows', 3000);
  const photos = arg('photos', 24);
  if (!ensureBuild(root)) throw new Error('next build failed');
  const server = await startServer(root);
  if (!server.ok) throw new Error(`server did not start:\n${server.log()}`);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  try {
    if (rowsWanted > 0) {
      if (existsSync(path.join(AVMNIST, 'samples.csv'))) await avmnistBench(browser, server.baseURL, rowsWanted);
      else console.log(`AV-MNIST not found at ${AVMNIST}: skipped`);
    }
    if (photos > 0) await photoBench(browser, server.baseURL, photos, arg('width', 4000), arg('height', 3000), arg('noise', 6));
  } finally {
    await browser.close();
    server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
