/**
 * Training speed of the two-branch CNN (bench/two-branch-cnn.ts) in headless Chromium:
 * WASM with and without cross-origin isolation (threads need it) and WebGL (SwiftShader here).
 *
 *   npx tsx bench/backend-browser.ts [--quick]
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

const here = path.dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');

async function main(): Promise<void> {
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
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
  });
  const cases: Array<{ name: string; where: 'iso' | 'plain'; backend: 'wasm' | 'webgl'; threads: number; fakeCores?: number }> = [
    { name: 'wasm, isolated (SIMD + threads)', where: 'iso', backend: 'wasm', threads: 0 },
    { name: 'wasm, isolated, cores reported x2 (2 threads)', where: 'iso', backend: 'wasm', threads: 2, fakeCores: 4 },
    { name: 'wasm, isolated, 1 thread', where: 'iso', backend: 'wasm', threads: 1 },
    { name: 'wasm, not isolated (SIMD, no threads)', where: 'plain', backend: 'wasm', threads: 0 },
    { name: 'webgl (software renderer)', where: 'iso', backend: 'webgl', threads: 0 },
  ];
  const rows: string[][] = [['case', 'backend', 'isolated', 'SIMD', 'threads', 'train samples/s', 'ms / batch', 'loss first → last', 'renderer', 'tfjs flags']];
  for (const c of cases) {
    const page = await browser.newPage();
    page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
    if (process.env.BENCH_CONSOLE) {
      page.on('console', (m) => process.stderr.write(`console: ${m.text()}\n`));
      page.on('response', (r) => { if (r.status() >= 400) process.stderr.write(`${r.status()} ${r.url()}\n`); });
    }
    await page.goto(`http://127.0.0.1:${port}/${c.where}/`);
    const batches = c.backend === 'webgl' ? 2 : quick ? 4 : 10;
    try {
      const r = await page.evaluate(
        ([b, n, t, f]) => (globalThis as unknown as { runBench: (b: string, n: number, t: number, f: number) => Promise<Record<string, unknown>> }).runBench(b, n, t, f),
        [c.backend, batches, c.threads, c.fakeCores ?? 0] as const);
      rows.push([c.name, String(r.backend), String(r.crossOriginIsolated), String(r.simd), String(r.threads),
        Number(r.trainSamplesPerSec).toFixed(1), Number(r.msPerBatch).toFixed(0),
        `${Number(r.firstLoss).toFixed(3)} → ${Number(r.lastLoss).toFixed(3)}`, String(r.renderer ?? '-').slice(0, 40), String(r.tfjsFlags)]);
    } catch (e) {
      rows.push([c.name, 'failed', '-', '-', '-', '-', '-', '-', (e as Error).message.slice(0, 60), '-']);
    }
    await page.close();
  }
  const version = browser.version();
  await browser.close();
  server.close();
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => '| ' + r.map((v, i) => v.padEnd(w[i])).join(' | ') + ' |';
  console.log(`\nTwo-branch CNN, batch 32, headless Chromium ${version}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}\n`);
  console.log([line(rows[0]), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...rows.slice(1).map(line)].join('\n'));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
