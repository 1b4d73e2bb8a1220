/**
 * Photo ingestion in Node (the CLI's image path): full-size photo-like JPEGs decoded and shrunk
 * to 64×64 through `createNodeAdapter().decodeImage(…, { width: 64, height: 64 })` (sharp, libvips
 * shrink-on-load; progressive JPEGs from their DC scans, jpeg-dc.ts, also through sharp alone for
 * comparison) plus the engine featuriser, beside the old path (jpeg-js full decode, then the
 * featuriser) and small PNGs like AV-MNIST's (sharp vs pngjs). Each case runs in a fresh Node
 * process so that its peak RSS is its own.
 *
 *   npx tsx bench/photo-ingest.ts [--photos 60] [--width 4000] [--height 3000] [--noise 6] [--old 6] [--pngs 3000]
 *
 * The photos are generated into a temporary folder (smooth colour fields, edges and sensor-like
 * noise of σ = --noise levels, JPEG quality 90, every other one progressive; ≈ 3.7 MB each at
 * 12 MP and σ = 6, as phone photos) and removed afterwards. Decoding a JPEG through libjpeg costs
 * in proportion to its compressed size (entropy decoding cannot be skipped, even when libvips
 * shrinks on load); the DC-only path skips the AC scans' bytes. The AV-MNIST PNGs are read from ../shared/datasets/avmnist when present
 * (never copied), else 28×28 PNGs are generated. "per core" = photos per CPU second of the process
 * (process.cpuUsage: user + system, all threads, libvips' included).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeAdapter, decodeImageSharp } from '../engine/data/node-decoders';
import { photoPixels } from './photo-pixels';
import { featuriseImage, type ImageFeatureParams } from '../engine/data/image';
import { encodePng } from '../engine/data/png';
import type { DecodedImage } from '../engine/data/adapter';
import { printTable, stats } from './table';

const here = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(here), '..');
const AVMNIST_IMAGES = path.resolve(root, '..', 'shared', 'datasets', 'avmnist', 'images');

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
function sarg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** What a case reports back to the parent (one JSON line on stdout). */
interface CaseResult {
  files: number;
  bytes: number;
  wallMs: number;
  cpuMs: number;
  peakRssMb: number;
  baseRssMb: number;
  msPerFile: number[];
  outSize: string;
}

interface CaseSpec {
  id: string;
  label: string;
  notes: string;
  kind: 'photo' | 'png';
  /** Which list of files: every photo, the baseline or the progressive ones, or the PNGs. */
  list: 'photos' | 'baseline' | 'progressive' | 'pngs';
  /** node = createNodeAdapter().decodeImage (what the CLI runs); sharp = decodeImageSharp (no pngjs for small PNGs). */
  decoder: 'node' | 'sharp' | 'jpeg-js' | 'pngjs';
  hint: boolean;
  inFlight: number;
  /** Restore sharp's own defaults (operation cache on, one libvips thread per core) first. */
  sharpDefaults?: boolean;
  /** Use at most this many files (slow paths). */
  limit?: number;
}

// ---------------------------------------------------------------------------------------------
// Child: run one case on the files listed in --list and print its result.

async function runCase(spec: CaseSpec, files: string[]): Promise<CaseResult> {
  const size = spec.kind === 'photo' ? 64 : 28;
  const params: ImageFeatureParams = { width: size, height: size, channels: spec.kind === 'photo' ? 3 : 1, resize: 'stretch', normalise: 'unit' };
  const hint = spec.hint ? { width: size, height: size } : undefined;
  const adapter = createNodeAdapter();
  let decode: (bytes: Uint8Array, p: string) => Promise<DecodedImage>;
  if (spec.decoder === 'node') decode = (b, p) => adapter.decodeImage(b, p, hint);
  else if (spec.decoder === 'sharp') decode = (b, p) => decodeImageSharp(b, p, undefined, hint);
  else if (spec.decoder === 'jpeg-js') {
    const jpeg = (await import('jpeg-js')).default;
    decode = async (b) => {
      const img = jpeg.decode(b, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 100, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, channels: 4, data: img.data };
    };
  } else {
    const { PNG } = await import('pngjs');
    decode = async (b) => {
      const png = PNG.sync.read(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      return { width: png.width, height: png.height, channels: 4, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    };
  }
  // Warm up (sharp's first call loads libvips; JIT) on the first file, not counted.
  const first = await readFile(files[0]);
  featuriseImage(await decode(new Uint8Array(first), files[0]), params);
  if (spec.sharpDefaults) {
    const sharp = (await import('sharp')).default;
    sharp.cache({ memory: 50, files: 20, items: 100 });
    sharp.concurrency(os.availableParallelism());
  }
  global.gc?.();
  const baseRss = process.memoryUsage().rss;
  let peak = baseRss;
  const sample = () => {
    const r = process.memoryUsage().rss;
    if (r > peak) peak = r;
  };
  const timer = setInterval(sample, 5);
  const per: number[] = [];
  let outSize = '';
  let next = 0;
  let bytesIn = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async () => {
    while (next < files.length) {
      const f = files[next++];
      const s = performance.now();
      const bytes = new Uint8Array(await readFile(f));
      bytesIn += bytes.length;
      const img = await decode(bytes, f);
      sample(); // the decoded image is alive here (a synchronous decoder never lets the timer run)
      const x = featuriseImage(img, params);
      if (x.length !== size * size * params.channels) throw new Error('bad feature size');
      outSize = `${img.width}×${img.height}×${img.channels}`;
      per.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: spec.inFlight }, worker));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  sample();
  return { files: files.length, bytes: bytesIn, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: peak / 2 ** 20, baseRssMb: baseRss / 2 ** 20, msPerFile: per, outSize };
}

// ---------------------------------------------------------------------------------------------
// Parent: generate the files, run every case in its own process, print the table.

async function makePhotos(dir: string, count: number, w: number, h: number, sigma: number): Promise<string[]> {
  const sharp = (await import('sharp')).default;
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = path.join(dir, `photo_${String(i).padStart(3, '0')}.jpg`);
    const jpg = await sharp(photoPixels(w, h, i + 1, sigma), { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90, progressive: i % 2 === 1, mozjpeg: false }).toBuffer();
    await writeFile(name, jpg);
    names.push(name);
  }
  return names;
}

async function pngFiles(dir: string, count: number): Promise<{ files: string[]; source: string }> {
  if (existsSync(AVMNIST_IMAGES)) {
    const names = (await readdir(AVMNIST_IMAGES)).filter((n) => n.endsWith('.png')).sort().slice(0, count);
    if (names.length) return { files: names.map((n) => path.join(AVMNIST_IMAGES, n)), source: `AV-MNIST PNGs (${names.length}, read in place)` };
  }
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const px = Uint8Array.from({ length: 28 * 28 }, (_, k) => ((k * 7 + i * 13) % 97 < 30 ? 255 : 0));
    const f = path.join(dir, `digit_${i}.png`);
    await writeFile(f, encodePng(28, 28, 1, px));
    files.push(f);
  }
  return { files, source: `generated 28×28 PNGs (${count}; AV-MNIST not found)` };
}

function runChild(spec: CaseSpec, listFile: string): CaseResult {
  const r = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', here, '--case', JSON.stringify(spec), '--list', listFile], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`case ${spec.id} failed (${r.status}):\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as CaseResult;
}

async function main() {
  const caseArg = sarg('case');
  if (caseArg) {
    const spec = JSON.parse(caseArg) as CaseSpec;
    const files = JSON.parse(await readFile(sarg('list')!, 'utf8')) as string[];
    console.log(JSON.stringify(await runCase(spec, files.slice(0, spec.limit ?? files.length))));
    return;
  }
  const count = arg('photos', 60);
  const w = arg('width', 4000);
  const h = arg('height', 3000);
  const oldCount = arg('old', 6);
  const pngCount = arg('pngs', 3000);
  const sigma = arg('noise', 6);
  const cores = os.availableParallelism();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fusionlab-photo-ingest-'));
  try {
    const t0 = performance.now();
    const photos = await makePhotos(dir, count, w, h, sigma);
    let bytes = 0;
    for (const p of photos) bytes += (await readFile(p)).length;
    const pngs = await pngFiles(dir, pngCount);
    console.log(`generated ${count} JPEGs ${w}×${h} (quality 90, half progressive, noise σ = ${sigma}, mean ${(bytes / count / 2 ** 20).toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${pngs.source}; ${cores} cores`);
    const lists: Record<CaseSpec['list'], string[]> = {
      photos,
      baseline: photos.filter((_, i) => i % 2 === 0),
      progressive: photos.filter((_, i) => i % 2 === 1),
      pngs: pngs.files,
    };
    const listFiles = {} as Record<CaseSpec['list'], string>;
    for (const [k, v] of Object.entries(lists)) {
      listFiles[k as CaseSpec['list']] = path.join(dir, `${k}.json`);
      await writeFile(listFiles[k as CaseSpec['list']], JSON.stringify(v));
    }

    const mp = `${((w * h) / 1e6).toFixed(0)} MP`;
    const photo = (x: Omit<CaseSpec, 'kind'>): CaseSpec => ({ ...x, kind: 'photo' });
    const png = (x: Omit<CaseSpec, 'kind' | 'list'>): CaseSpec => ({ ...x, kind: 'png', list: 'pngs' });
    const specs: CaseSpec[] = [
      photo({ id: 'base-1', label: `baseline JPEG ${mp} → 64×64, 1 at a time`, notes: 'decodeImage(…, {64, 64}): libvips shrink-on-load', list: 'baseline', decoder: 'node', hint: true, inFlight: 1 }),
      photo({ id: 'prog-1', label: `progressive JPEG ${mp} → 64×64, 1 at a time`, notes: 'DC scans only (jpeg-dc.ts), then the libvips reduce', list: 'progressive', decoder: 'node', hint: true, inFlight: 1 }),
      photo({ id: 'prog-sharp-1', label: `progressive JPEG ${mp} → 64×64, sharp only, 1 at a time`, notes: 'decodeImageSharp: every scan entropy-decoded (before jpeg-dc.ts)', list: 'progressive', decoder: 'sharp', hint: true, inFlight: 1 }),
      photo({ id: 'all-8', label: `all JPEGs ${mp} → 64×64, 8 in flight`, notes: 'as the loader (8 rows at once, libuv pool of 4)', list: 'photos', decoder: 'node', hint: true, inFlight: 8 }),
      photo({ id: 'all-8-defaults', label: `all JPEGs ${mp} → 64×64, 8 in flight, sharp defaults`, notes: `sharp's cache on + concurrency ${cores}, instead of off + 1`, list: 'photos', decoder: 'node', hint: true, inFlight: 8, sharpDefaults: true }),
      photo({ id: 'full-1', label: `all JPEGs ${mp} → 64×64, no hint, 1 at a time`, notes: 'full-size decode by sharp, engine resize', list: 'photos', decoder: 'node', hint: false, inFlight: 1, limit: Math.min(count, 20) }),
      photo({ id: 'jpegjs-1', label: `all JPEGs ${mp} → 64×64, jpeg-js (old path)`, notes: 'full-size decode to RGBA, engine resize', list: 'photos', decoder: 'jpeg-js', hint: false, inFlight: 1, limit: Math.min(count, oldCount) }),
      png({ id: 'png-node-8', label: 'PNG 28×28 → 28×28, Node adapter, 8 in flight', notes: `${pngs.source}; small PNGs go to pngjs`, decoder: 'node', hint: true, inFlight: 8 }),
      png({ id: 'png-sharp-8', label: 'PNG 28×28 → 28×28, sharp only, 8 in flight', notes: 'decodeImageSharp: what sharp alone would cost', decoder: 'sharp', hint: true, inFlight: 8 }),
      png({ id: 'png-pngjs-1', label: 'PNG 28×28 → 28×28, pngjs RGBA (old path)', notes: 'synchronous', decoder: 'pngjs', hint: false, inFlight: 1 }),
    ];
    const rows: string[][] = [['path', 'files', 'MB in', 'files/s', 'files/s per core', 'CPU ms / file', 'median ms', 'peak RSS', 'decoded to', 'notes']];
    const results = new Map<string, CaseResult>();
    for (const spec of specs) {
      const r = runChild(spec, listFiles[spec.list]);
      results.set(spec.id, r);
      const perSec = (r.files * 1000) / r.wallMs;
      const perCore = (r.files * 1000) / r.cpuMs;
      const dp = (x: number) => x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0);
      rows.push([spec.label, String(r.files), (r.bytes / 2 ** 20).toFixed(r.bytes < 2 ** 24 ? 1 : 0), dp(perSec), dp(perCore), dp(r.cpuMs / r.files), dp(stats(r.msPerFile).median), `${r.peakRssMb.toFixed(0)} MB`, r.outSize, spec.notes]);
    }
    printTable(`Photo ingestion in Node: decode + featurise (64×64×3 photos, 28×28×1 PNGs, unit normalisation); one process per row, files read from disk (page cache warm)`, rows);
    for (const id of ['base-1', 'prog-1', 'prog-sharp-1', 'all-8']) {
      const r = results.get(id)!;
      const perCore = (r.files * 1000) / r.cpuMs;
      console.log(`target: ≥ 50 full-size photos per second per core — ${id}: ${perCore.toFixed(1)} per CPU second, ${perCore >= 50 ? 'met' : 'NOT met'} (${((r.bytes / r.cpuMs) * 1000 / 2 ** 20).toFixed(0)} MB of JPEG per CPU second)`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
