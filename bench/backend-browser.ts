/**
 * Training speed of the two-branch CNN (bench/two-branch-cnn.ts) in headless Chromium:
 * WASM with and without cross-origin isolation (threads need it) and WebGL (SwiftShader here).
 *
 *   npx tsx bench/backend-browser.ts [--quick] [--gpu[=vulkan|webgpu]]
 *
 * By default Chromium draws with SwiftShader, its software renderer, so the WebGL row measures a
 * CPU. `--gpu` (= `--gpu=vulkan`) launches it on the machine's GPU through ANGLE on Vulkan
 * (needs the GPU's Vulkan driver: Mesa's for AMD and Intel, the vendor's for NVIDIA);
 * `--gpu=webgpu` also turns WebGPU on and adds a WebGPU row. Above the table the page says which
 * renderer and WebGPU adapter it really got, so a run that fell back to SwiftShader shows it.
 *
 * Bundles bench/browser/page.ts with esbuild, serves it on localhost (COOP/COEP headers under
 * /iso/, none under /plain/) together with the .wasm binaries from node_modules, and drives
 * Debian's Chromium with playwright-core. Prints a table; asserts nothing.
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { wasmBinaryDir } from '../engine/backend/node-backend';
import { detectSoftwareRenderer } from '../engine/backend/select';
import type { GpuReport } from './browser/page';

const here = path.dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');

/** How Chromium draws: SwiftShader (the default here), or the GPU through Vulkan, with WebGPU on or off. */
export type GpuMode = 'software' | 'vulkan' | 'webgpu';

/** `--gpu` / `--gpu=vulkan` / `--gpu=webgpu` from the command line; 'software' without it. */
export function gpuModeFromArgs(argv: readonly string[]): GpuMode {
  const a = argv.find((x) => x === '--gpu' || x.startsWith('--gpu='));
  if (a === undefined) return 'software';
  const v = a === '--gpu' ? 'vulkan' : a.slice('--gpu='.length);
  if (v === 'vulkan' || v === 'webgpu') return v;
  throw new Error(`--gpu takes vulkan or webgpu, not "${v}"`);
}

/**
 * Chromium's switches for a GPU mode. The GPU ones are those the Chrome team gives for WebGPU
 * and WebGL in headless Chrome on Linux: ANGLE on Vulkan, no Vulkan surface (there is no
 * window), and the GPU blocklist ignored so that a driver Chrome does not know is still tried.
 */
export function chromiumGpuArgs(mode: GpuMode): string[] {
  switch (mode) {
    case 'software':
      return ['--enable-unsafe-swiftshader', '--use-angle=swiftshader'];
    case 'vulkan':
      return ['--use-angle=vulkan', '--enable-features=Vulkan', '--disable-vulkan-surface', '--ignore-gpu-blocklist'];
    case 'webgpu':
      return [...chromiumGpuArgs('vulkan'), '--enable-unsafe-webgpu'];
    default: {
      const never: never = mode;
      throw new Error(`unknown GPU mode ${String(never)}`);
    }
  }
}

/** One line on what drew the page: a real GPU, a software renderer, or nothing. */
export function describeGpu(g: GpuReport): string {
  const sw = detectSoftwareRenderer(g.webglRenderer);
  const webgl = g.webglRenderer == null ? 'no WebGL' : `${g.webglRenderer}${g.webglVendor ? ` (vendor ${g.webglVendor})` : ''} — ${sw ? `software (${sw})` : 'hardware GPU'}`;
  const webgpu = !g.webgpuApi ? 'off (no navigator.gpu)' : g.webgpuAdapter == null ? `no adapter${g.error ? ` (${g.error})` : ''}` : `${g.webgpuAdapter}${g.webgpuFallback ? ' — fallback (software) adapter' : ''}`;
  return `WebGL renderer: ${webgl}\nWebGPU adapter: ${webgpu}`;
}

/** One configuration to measure. */
export interface BrowserCase {
  name: string;
  where: 'iso' | 'plain';
  backend: 'wasm' | 'webgl' | 'webgpu';
  /** XNNPACK threads to ask for (0 = tfjs's default). */
  threads: number;
  /** Report this many logical cores to the page (tfjs-wasm uses half of them). */
  fakeCores?: number;
  /** Timed batches after one warm-up batch. */
  batches: number;
}

/** What the page measured (see bench/browser/page.ts), or the error. */
export interface BrowserResult {
  case: BrowserCase;
  ok: boolean;
  error?: string;
  backend?: string;
  /** Why the page ran that backend (initBrowserBackend's reason: a failed start, a fallback). */
  reason?: string;
  crossOriginIsolated?: boolean;
  simd?: boolean;
  threads?: number;
  trainSamplesPerSec?: number;
  msPerBatch?: number;
  firstLoss?: number;
  lastLoss?: number;
  renderer?: string | null;
  tfjsFlags?: string;
}

/**
 * Train the two-branch CNN in headless Chromium for each case (a fresh page each) and return the
 * speeds and what drew the page; also used by bench/train.ts for its WASM-against-WebGL rows.
 * @param gpu how Chromium draws (default SwiftShader; see chromiumGpuArgs)
 */
export async function measureInBrowser(cases: BrowserCase[], gpu: GpuMode = 'software'): Promise<{ results: BrowserResult[]; version: string; gpu: GpuReport | null }> {
  const out = await build({
    entryPoints: [path.join(here, 'browser/page.ts')], bundle: true, write: false, format: 'iife',
    platform: 'browser', target: 'es2020', minify: true, logLevel: 'error',
  });
  const js = out.outputFiles[0].contents;
  const wasmDir = wasmBinaryDir();
  const html = '<!doctype html><meta charset="utf-8"><title>bench</title><script src="bundle.js"></script>';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isolated = url.pathname.startsWith('/iso/');
    const rest = url.pathname.replace(/^\/(iso|plain)\//, '/');
    if (isolated) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    if (rest === '/' || rest === '/index.html') { res.setHeader('Content-Type', 'text/html'); res.end(html); return; }
    if (rest === '/bundle.js') { res.setHeader('Content-Type', 'text/javascript'); res.end(js); return; }
    const m = /^\/wasm\/(tfjs-backend-wasm[a-z-]*\.wasm)$/.exec(url.pathname);
    if (m) { res.setHeader('Content-Type', 'application/wasm'); res.end(fs.readFileSync(path.join(wasmDir, m[1]))); return; }
    const k = /^\/wasm\/(fusionlab-kernels(?:-shared)?\.wasm)$/.exec(url.pathname);
    if (k) { res.setHeader('Content-Type', 'application/wasm'); res.end(fs.readFileSync(path.join(here, '../engine/backend/native', k[1]))); return; }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...chromiumGpuArgs(gpu)],
  });
  const results: BrowserResult[] = [];
  try {
    let report: GpuReport | null = null;
    const probe = await browser.newPage();
    try {
      await probe.goto(`http://127.0.0.1:${port}/iso/`);
      report = await probe.evaluate(() => (globalThis as unknown as { gpuInfo: () => Promise<GpuReport> }).gpuInfo());
    } catch (e) {
      process.stderr.write(`GPU probe failed: ${(e as Error).message}\n`);
    }
    await probe.close();
    for (const c of cases) {
      const page = await browser.newPage();
      page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
      if (process.env.BENCH_CONSOLE) {
        page.on('console', (m) => process.stderr.write(`console: ${m.text()}\n`));
        page.on('response', (r) => { if (r.status() >= 400) process.stderr.write(`${r.status()} ${r.url()}\n`); });
      }
      await page.goto(`http://127.0.0.1:${port}/${c.where}/`);
      try {
        const r = await page.evaluate(
          ([b, n, t, f]) => (globalThis as unknown as { runBench: (b: string, n: number, t: number, f: number) => Promise<Record<string, unknown>> }).runBench(b, n, t, f),
          [c.backend, c.batches, c.threads, c.fakeCores ?? 0] as const);
        results.push({
          case: c, ok: true, backend: String(r.backend), reason: String(r.reason), crossOriginIsolated: Boolean(r.crossOriginIsolated), simd: Boolean(r.simd), threads: Number(r.threads),
          trainSamplesPerSec: Number(r.trainSamplesPerSec), msPerBatch: Number(r.msPerBatch), firstLoss: Number(r.firstLoss), lastLoss: Number(r.lastLoss),
          renderer: r.renderer == null ? null : String(r.renderer), tfjsFlags: String(r.tfjsFlags),
        });
      } catch (e) {
        results.push({ case: c, ok: false, error: (e as Error).message });
      }
      await page.close();
    }
    return { results, version: browser.version(), gpu: report };
  } finally {
    await browser.close();
    server.close();
  }
}

async function main(): Promise<void> {
  const mode = gpuModeFromArgs(process.argv);
  const n = quick ? 4 : 10;
  const cases: BrowserCase[] = [
    { name: 'wasm, isolated (SIMD + threads)', where: 'iso', backend: 'wasm', threads: 0, batches: n },
    { name: 'wasm, isolated, cores reported x2 (2 threads)', where: 'iso', backend: 'wasm', threads: 2, fakeCores: 4, batches: n },
    { name: 'wasm, isolated, 1 thread', where: 'iso', backend: 'wasm', threads: 1, batches: n },
    { name: 'wasm, not isolated (SIMD, no threads)', where: 'plain', backend: 'wasm', threads: 0, batches: n },
    // SwiftShader trains about 12 samples/s: two batches say enough; a GPU gets the full count.
    { name: mode === 'software' ? 'webgl (software renderer)' : `webgl (--gpu=${mode})`, where: 'iso', backend: 'webgl', threads: 0, batches: mode === 'software' ? 2 : n },
  ];
  if (mode === 'webgpu') cases.push({ name: 'webgpu (--gpu=webgpu)', where: 'iso', backend: 'webgpu', threads: 0, batches: n });
  const { results, version, gpu } = await measureInBrowser(cases, mode);
  const rows: string[][] = [['case', 'backend', 'isolated', 'SIMD', 'threads', 'train samples/s', 'ms / batch', 'loss first → last', 'renderer', 'tfjs flags']];
  for (const r of results) {
    if (!r.ok) {
      rows.push([r.case.name, 'failed', '-', '-', '-', '-', '-', '-', (r.error ?? '').slice(0, 60), '-']);
      continue;
    }
    rows.push([r.case.name, String(r.backend), String(r.crossOriginIsolated), String(r.simd), String(r.threads),
      Number(r.trainSamplesPerSec).toFixed(1), Number(r.msPerBatch).toFixed(0),
      `${Number(r.firstLoss).toFixed(3)} → ${Number(r.lastLoss).toFixed(3)}`, String(r.renderer ?? '-').slice(0, 40), String(r.tfjsFlags)]);
  }
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => '| ' + r.map((v, i) => v.padEnd(w[i])).join(' | ') + ' |';
  console.log(`\nTwo-branch CNN, batch 32, headless Chromium ${version} (${mode === 'software' ? 'software rendering' : `--gpu=${mode}: ${chromiumGpuArgs(mode).join(' ')}`}), ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}`);
  console.log(gpu ? describeGpu(gpu) : 'WebGL renderer and WebGPU adapter: unknown (the probe page failed)');
  console.log('');
  console.log([line(rows[0]), '|' + w.map((k) => '-'.repeat(k + 2)).join('|') + '|', ...rows.slice(1).map(line)].join('\n'));
  // A row that did not run the backend it asked for says why, so it is not read as that backend.
  const software = gpu != null && detectSoftwareRenderer(gpu.webglRenderer) != null;
  for (const r of results) {
    if (!r.ok || r.backend === r.case.backend) continue;
    // tfjs asks for a WebGL context without a "major performance caveat"; Chromium grants one on
    // SwiftShader only with --enable-unsafe-swiftshader, which the GPU modes leave out.
    const hint = r.case.backend === 'webgl' && software && mode !== 'software' ? ' (no GPU was found: Chromium offers tfjs no WebGL on SwiftShader without --enable-unsafe-swiftshader)' : '';
    console.log(`\n${r.case.name}: ran ${String(r.backend)}, not ${r.case.backend} — ${String(r.reason)}${hint}`);
  }
}

// Run as a script (npx tsx bench/backend-browser.ts), not when bench/train.ts imports it.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
