/**
 * Full-size photos in the browser (headless Chromium, production build): the data worker's image
 * decoder (browserAdapter.decodeImageBrowser, run in a worker through the test hook) on photos
 * generated here with sharp — a 24-MP progressive JPEG, CMYK JPEGs, EXIF-rotated JPEG/PNG/WebP,
 * 16-bit PNGs, a 50-MP JPEG, greyscale, GIF, BMP — with a 64 × 64 size hint: each comes back at
 * shrinkSize's size, upright, in its colours; broken files say what is wrong. Then a folder of
 * full-size photos with a samples.csv opened through the Data panel loads with no problems, and
 * the data worker's tensors show the rotated photo upright.
 */
import { templates } from '../../templates';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp, { type JpegOptions, type Sharp } from 'sharp';
import { shrinkSize, type ImageSizeHint } from '../../engine/data/adapter';
import { DEFAULT_LIMITS } from '../../engine/data/problems';
import type { DecodeInWorkerOptions, DecodeInWorkerResult } from '../../components/data/testHook';
import { storageWith } from './fixtures';
import { assert, assertEqual, test, waitFor } from './lib';

const TEST_QUERY = '?fusionlab-test';
const HINT: ImageSizeHint = { width: 64, height: 64 };

type RGB = [number, number, number];
// Photo-like colours inside the CMYK gamut (as test/data-photos.test.ts for the Node decoder).
const RED: RGB = [200, 60, 60];
const GREEN: RGB = [70, 170, 80];
const BLUE: RGB = [60, 80, 180];
const YELLOW: RGB = [220, 200, 70];
const luma = (c: RGB) => Math.round(0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]);

/** Raw pixels of four solid quadrants as stored: top-left red, top-right green, bottom-left blue, bottom-right yellow. */
function quadrantsRaw(w: number, h: number, channels: 1 | 3 = 3): Buffer {
  const out = Buffer.alloc(w * h * channels);
  const hw = Math.floor(w / 2);
  const hh = Math.floor(h / 2);
  const rows: Buffer[] = [];
  for (const [a, b] of [
    [RED, GREEN],
    [BLUE, YELLOW],
  ]) {
    const row = Buffer.alloc(w * channels);
    for (let x = 0; x < w; x++) {
      const c = x < hw ? a : b;
      if (channels === 1) row[x] = luma(c);
      else row.set(c, x * 3);
    }
    rows.push(row);
  }
  for (let y = 0; y < h; y++) rows[y < hh ? 0 : 1].copy(out, y * w * channels);
  return out;
}

const quadrants = (w: number, h: number, channels: 1 | 3 = 3) => sharp(quadrantsRaw(w, h, channels), { raw: { width: w, height: h, channels }, limitInputPixels: false });

/** The stored colour that EXIF `orientation` shows at upright position (x, y) in 0…1. */
function expectedAt(orientation: number, x: number, y: number): RGB {
  const [sx, sy] = ({ 1: [x, y], 2: [1 - x, y], 3: [1 - x, 1 - y], 4: [x, 1 - y], 5: [y, x], 6: [y, 1 - x], 7: [1 - y, 1 - x], 8: [1 - y, x] } as Record<number, number[]>)[orientation];
  return sy < 0.5 ? (sx < 0.5 ? RED : GREEN) : sx < 0.5 ? BLUE : YELLOW;
}

/** A 24-bit BMP (bottom-up) of the quadrants, written by hand (sharp does not write BMP). */
function quadrantsBmp(w: number, h: number): Buffer {
  const rgb = quadrantsRaw(w, h);
  const stride = Math.ceil((w * 3) / 4) * 4;
  const b = Buffer.alloc(54 + stride * h);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(w, 18);
  b.writeInt32LE(h, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(stride * h, 34);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3;
      const d = 54 + (h - 1 - y) * stride + x * 3;
      b[d] = rgb[s + 2];
      b[d + 1] = rgb[s + 1];
      b[d + 2] = rgb[s];
    }
  return b;
}

interface Photo {
  name: string;
  bytes: Buffer;
  /** Stored size and EXIF orientation. */
  width: number;
  height: number;
  orientation?: number;
  /** Largest channel difference allowed at the quadrant centres (omit: colours not checked). */
  tol?: number;
  grey?: boolean;
  /** Expected quadrant colours (TL, TR, BL, BR) when not the stored ones: a colour-managed decode. */
  ref?: RGB[];
}

/**
 * The quadrant colours sharp (libvips, the CLI's decoder) gives a file converted to sRGB: the
 * reference for CMYK JPEGs, whose round trip through a CMYK profile moves saturated colours by
 * itself (blue 60,80,180 comes back as about 49,78,133); browsers convert with their own colour
 * engine and rendering intent, so they agree with it within a couple of dozen levels.
 */
async function srgbQuadrants(bytes: Buffer): Promise<RGB[]> {
  const { data, info } = await sharp(bytes).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const at = (fx: number, fy: number): RGB => {
    const i = (Math.floor(fy * info.height) * info.width + Math.floor(fx * info.width)) * info.channels;
    return [data[i], data[i + 1], data[i + 2]];
  };
  return [at(0.25, 0.25), at(0.75, 0.25), at(0.25, 0.75), at(0.75, 0.75)];
}

async function photos(): Promise<Photo[]> {
  const jpeg = (s: Sharp, o: JpegOptions = {}) => s.jpeg({ quality: 90, ...o }).toBuffer();
  const big = await jpeg(quadrants(6000, 4000), { progressive: true });
  assert((await sharp(big).metadata()).isProgressive, 'the 24-MP JPEG is progressive');
  const cmykIcc = await quadrants(3000, 2000).toColourspace('cmyk').withIccProfile('cmyk').jpeg({ quality: 95 }).toBuffer();
  const cmykMeta = await sharp(cmykIcc).metadata();
  assert(cmykMeta.space === 'cmyk' && cmykMeta.channels === 4 && cmykMeta.hasProfile, 'a CMYK JPEG with its profile');
  const cmykPlain = await quadrants(1200, 800).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
  const rot6 = await quadrants(6000, 4000).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }).toBuffer();
  assertEqual((await sharp(rot6).metadata()).orientation, 6, 'EXIF orientation of rot6.jpg');
  const rot3 = await quadrants(600, 400).withMetadata({ orientation: 3 }).jpeg({ quality: 90 }).toBuffer();
  const rot8Png = await quadrants(3000, 2000).withMetadata({ orientation: 8 }).png().toBuffer();
  const rot6SmallPng = await quadrants(60, 40).withMetadata({ orientation: 6 }).png().toBuffer();
  const webp6 = await quadrants(3000, 2000).withMetadata({ orientation: 6 }).webp({ quality: 90 }).toBuffer();
  assertEqual((await sharp(webp6).metadata()).orientation, 6, 'EXIF orientation of rot6.webp');
  const deep = await quadrants(3000, 2000).toColourspace('rgb16').png().toBuffer();
  const deepSmall = await quadrants(200, 100).toColourspace('rgb16').png().toBuffer();
  assertEqual((await sharp(deep).metadata()).depth, 'ushort', '16-bit PNG');
  const interlaced = await quadrants(2000, 1200).png({ progressive: true }).toBuffer();
  const grey = await quadrants(2000, 1000, 1).toColourspace('b-w').jpeg({ quality: 90 }).toBuffer();
  assertEqual((await sharp(grey).metadata()).channels, 1, 'greyscale JPEG');
  const huge = await jpeg(quadrants(8700, 5800));
  const gif = await quadrants(600, 400).gif({ colours: 8, dither: 0 }).toBuffer();
  return [
    { name: 'big-progressive.jpg', bytes: big, width: 6000, height: 4000, tol: 8 },
    { name: 'cmyk-profile.jpg', bytes: cmykIcc, width: 3000, height: 2000, tol: 24, ref: await srgbQuadrants(cmykIcc) },
    // No profile: browsers convert CMYK naively, libvips with a generic profile (colours not compared).
    { name: 'cmyk-plain.jpg', bytes: cmykPlain, width: 1200, height: 800 },
    { name: 'rot6.jpg', bytes: rot6, width: 6000, height: 4000, orientation: 6, tol: 8 },
    { name: 'rot3.jpg', bytes: rot3, width: 600, height: 400, orientation: 3, tol: 8 },
    { name: 'rot8.png', bytes: rot8Png, width: 3000, height: 2000, orientation: 8, tol: 2 },
    { name: 'rot6-small.png', bytes: rot6SmallPng, width: 60, height: 40, orientation: 6, tol: 0 },
    { name: 'rot6.webp', bytes: webp6, width: 3000, height: 2000, orientation: 6, tol: 10 },
    { name: 'deep16.png', bytes: deep, width: 3000, height: 2000, tol: 2 },
    { name: 'deep16-small.png', bytes: deepSmall, width: 200, height: 100, tol: 0 },
    { name: 'interlaced.png', bytes: interlaced, width: 2000, height: 1200, tol: 2 },
    { name: 'grey.jpg', bytes: grey, width: 2000, height: 1000, tol: 4, grey: true },
    { name: 'huge50.jpg', bytes: huge, width: 8700, height: 5800, tol: 8 },
    { name: 'flat.gif', bytes: gif, width: 600, height: 400, tol: 16 },
    { name: 'flat.bmp', bytes: quadrantsBmp(600, 400), width: 600, height: 400, tol: 0 },
  ];
}

/** Serve `files` at `${baseURL}/__photos/<name>` and decode them in the page's decode worker. */
async function decodeServed(t: { page: import('playwright-core').Page; baseURL: string }, files: Map<string, Buffer>, names: string[], opts: DecodeInWorkerOptions) {
  await t.page.route(`${t.baseURL}/__photos/**`, (route) => {
    const name = decodeURIComponent(new URL(route.request().url()).pathname.split('/').pop() ?? '');
    const body = files.get(name);
    return body ? route.fulfill({ body, contentType: 'application/octet-stream' }) : route.fulfill({ status: 404 });
  });
  return t.page.evaluate(
    ([urls, o]) => window.__fusionlabTest?.decodeInWorker(urls as string[], o as DecodeInWorkerOptions) ?? null,
    [names.map((n) => `${t.baseURL}/__photos/${encodeURIComponent(n)}`), opts] as const,
  );
}

/** Quadrant centres (TL, TR, BL, BR) as fractions of the size. */
const QUADRANTS = [
  [0.25, 0.25],
  [0.75, 0.25],
  [0.25, 0.75],
  [0.75, 0.75],
] as const;

function rgbAt(r: DecodeInWorkerResult, px: Buffer, x: number, y: number): RGB {
  const i = (y * (r.width as number) + x) * 4;
  return [px[i], px[i + 1], px[i + 2]];
}

test('full-size photos: the data worker decoder shrinks to the hint, upright, in their colours; broken files say why', async (t) => {
  const { page, open } = t;
  await open(TEST_QUERY);
  await page.waitForFunction(() => !!window.__fusionlabTest, undefined, { timeout: 30_000 });
  const set = await photos();
  const files = new Map(set.map((p) => [p.name, p.bytes]));

  // Broken files, made from good ones.
  const small = await quadrants(600, 400).jpeg({ progressive: true }).toBuffer();
  const damaged = Buffer.from(small);
  damaged.fill(0, 700, 1400);
  const broken: { name: string; bytes: Buffer; message: RegExp }[] = [
    { name: 'cut.jpg', bytes: small.subarray(0, small.length >> 1), message: /^truncated JPEG: the file ends before the image data does$/ },
    { name: 'cut.png', bytes: set[8].bytes.subarray(0, set[8].bytes.length >> 1), message: /^truncated PNG: the file ends before the image data does$/ },
    { name: 'notes.jpg', bytes: Buffer.from('<!DOCTYPE html><html><body>404 Not Found</body></html>'), message: /^not an image: an HTML page.*\(although the name ends in \.jpg\)$/ },
    { name: 'empty.png', bytes: Buffer.alloc(0), message: /^empty file \(0 bytes\)$/ },
    { name: 'damaged.jpg', bytes: damaged, message: /JPEG/ },
  ];
  for (const b of broken) files.set(b.name, b.bytes);

  // 50 MP is over a 40-M limit: refused from the header, before decoding; decoded under 100 M.
  const maxPixels = Math.max(DEFAULT_LIMITS.maxImagePixels, 100_000_000);
  const out = await decodeServed(t, files, [...set.map((p) => p.name), ...broken.map((b) => b.name)], { hint: HINT, maxPixels, concurrency: 8 });
  assert(out, 'the test hook answered');
  const byName = new Map(out.results.map((r) => [r.path, r]));
  console.log(`  ${set.length} photos + ${broken.length} broken files decoded in ${Math.round(out.totalMs)} ms (8 in flight; fetch ${Math.round(out.fetchMs)} ms)`);

  for (const p of set) {
    const r = byName.get(p.name);
    assert(r?.ok, `${p.name} decodes: ${r?.code} ${r?.message}`);
    const o = p.orientation ?? 1;
    const upW = o >= 5 ? p.height : p.width;
    const upH = o >= 5 ? p.width : p.height;
    const want = shrinkSize(upW, upH, HINT);
    assertEqual([r.width, r.height, r.channels], [want.width, want.height, 4], `${p.name}: ${p.width}×${p.height} (orientation ${o}) shrunk as shrinkSize says`);
    assert(r.data, `${p.name}: pixels sent back`);
    const px = Buffer.from(r.data, 'base64');
    const got: string[] = [];
    let worst = 0;
    for (const [q, [fx, fy]] of QUADRANTS.entries()) {
      const c = rgbAt(r, px, Math.floor(fx * r.width!), Math.floor(fy * r.height!));
      const e = p.ref ? p.ref[q] : expectedAt(o, fx, fy);
      const ref: RGB = p.grey ? [luma(e), luma(e), luma(e)] : e;
      worst = Math.max(worst, ...c.map((v, k) => Math.abs(v - ref[k])));
      got.push(c.join(','));
    }
    console.log(`  ${p.name.padEnd(18)} ${p.width}×${p.height} o${o} → ${r.width}×${r.height} in ${Math.round(r.ms)} ms; quadrants ${got.join(' | ')} (worst Δ ${worst})`);
    if (p.tol !== undefined) assert(worst <= p.tol, `${p.name}: quadrant colours within ${p.tol} (worst ${worst}; ${got.join(' | ')})`);
  }
  // The marker (stored top-left, red) where the viewer sees it: top-right for orientation 6, bottom-left for 8.
  const rot6 = byName.get('rot6.jpg') as DecodeInWorkerResult;
  const px6 = Buffer.from(rot6.data as string, 'base64');
  const tr = rgbAt(rot6, px6, rot6.width! - 3, 2);
  assert(Math.abs(tr[0] - RED[0]) <= 8 && Math.abs(tr[1] - RED[1]) <= 8, `rot6.jpg: red marker in the top-right corner (${tr})`);

  for (const b of broken) {
    const r = byName.get(b.name);
    assert(r && !r.ok, `${b.name} is refused`);
    console.log(`  ${b.name.padEnd(18)} ${r.code}: ${r.message}`);
    assertEqual(r.code, 'undecodable', `${b.name}: problem code`);
    assert(b.message.test(r.message ?? ''), `${b.name}: "${r.message}" says what is wrong (${b.message})`);
  }

  // Limits: a 50-MP file over a 40-M limit is refused from its header (no decode: milliseconds).
  const limited = await decodeServed(t, files, ['huge50.jpg'], { hint: HINT, maxPixels: 40_000_000 });
  const lr = limited?.results[0];
  assert(lr && !lr.ok && lr.code === 'file-too-large', `huge50.jpg over a 40-M limit: ${JSON.stringify(lr)}`);
  assertEqual(lr.message, '8700×5800 pixels is over the limit maxImagePixels = 40000000', 'the limit message');
  assert(lr.ms < 50, `refused before decoding (${lr.ms.toFixed(1)} ms)`);
  // With the app's default limit.
  const dflt = await decodeServed(t, files, ['huge50.jpg'], { hint: HINT });
  const dr = dflt?.results[0];
  if (8700 * 5800 <= DEFAULT_LIMITS.maxImagePixels) assert(dr?.ok && dr.width === 192 && dr.height === 128, `50 MP within the default limit decodes: ${JSON.stringify({ ...dr, data: undefined })}`);
  else assert(dr && !dr.ok && dr.code === 'file-too-large', `50 MP over the default limit ${DEFAULT_LIMITS.maxImagePixels} is refused: ${dr?.message}`);

  // One 24-MP photo at a time, with the hint and without (full size, as before the hint existed).
  const one = async (name: string, hint?: ImageSizeHint) => {
    const r = (await decodeServed(t, files, [name], { hint, keepPixels: 0 }))?.results[0];
    assert(r?.ok, `${name}: ${JSON.stringify(r)}`);
    return r;
  };
  for (const name of ['big-progressive.jpg', 'rot6.jpg']) {
    await one(name, HINT); // warm
    const a = await one(name, HINT);
    const b = await one(name);
    const up = name === 'rot6.jpg' ? [4000, 6000] : [6000, 4000];
    assertEqual([b.width, b.height], up, `${name} without a hint: full size, upright`);
    console.log(`  ${name}: ${Math.round(a.ms)} ms to ${a.width}×${a.height} with the hint, ${Math.round(b.ms)} ms at full size without`);
  }
});


test('a folder of full-size photos opened in the Data panel loads with no problems, the rotated one upright', async ({ page, open, screenshot }) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fusionlab-fullphotos-'));
  try {
    const root = path.join(dir, 'holiday');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(root, 'photos'), { recursive: true });
    const cmyk = await quadrants(4000, 3000).toColourspace('cmyk').withIccProfile('cmyk').jpeg({ quality: 90 }).toBuffer();
    const cmykRef = await srgbQuadrants(cmyk);
    const rows: [string, string, Buffer][] = [
      ['photos/IMG_0001.jpg', 'beach', await quadrants(6000, 4000).jpeg({ quality: 90, progressive: true }).toBuffer()],
      ['photos/IMG_0002.jpg', 'city', await quadrants(6000, 4000).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }).toBuffer()],
      ['photos/IMG_0003.jpg', 'beach', cmyk],
      ['photos/scan-16bit.png', 'city', await quadrants(3000, 2000).toColourspace('rgb16').png().toBuffer()],
      ['photos/IMG_0005.webp', 'beach', await quadrants(4000, 3000).webp({ quality: 85 }).toBuffer()],
      ['photos/IMG_0006.jpg', 'city', await quadrants(5000, 4000).jpeg({ quality: 85 }).toBuffer()],
    ];
    for (const [p, , bytes] of rows) await writeFile(path.join(root, p), bytes);
    await writeFile(path.join(root, 'samples.csv'), ['image,label', ...rows.map(([p, l]) => `${p},${l}`)].join('\n') + '\n');

    await open(TEST_QUERY);
    const t0 = Date.now();
    await page.getByTestId('data-folder-input').setInputFiles(root);
    await waitFor(async () => (await page.getByTestId('dataset-ready').count()) > 0, 'the photo folder is processed', 120_000);
    console.log(`  ${rows.length} full-size photos loaded in ${Date.now() - t0} ms`);
    const num = async (id: string) => Number(((await page.getByTestId(id).textContent()) ?? '').replace(/,/g, ''));
    assertEqual(await num('dataset-rows'), rows.length, 'rows');
    assertEqual(await num('dataset-loaded'), rows.length, 'every photo loads');
    assertEqual(await num('dataset-problem-count'), 0, 'no problems');
    await screenshot('photos-full-size-loaded');
    // The sample previews (thumbnails the data worker made of the photos).
    if (await page.getByTestId('sample-preview').count()) {
      await page.getByTestId('sample-preview').first().scrollIntoViewIfNeeded();
      await screenshot('photos-full-size-previews');
    }

    // The data worker's tensors: 64 × 64 × 3 per photo; row 2 (orientation 6) upright, red top-right.
    const t = await page.evaluate(() => window.__fusionlabTest?.tensors() ?? null);
    assert(t?.ok, 'tensors');
    let seen = 0;
    for (const s of Object.values(t.splits)) {
      s.ids.forEach((id, k) => {
        const x = s.inputs.image.slice(k * 64 * 64 * 3, (k + 1) * 64 * 64 * 3);
        assertEqual(x.length, 64 * 64 * 3, `${id}: one 64×64×3 tensor`);
        const at = (fx: number, fy: number) => {
          const o = (Math.floor(fy * 64) * 64 + Math.floor(fx * 64)) * 3;
          return [x[o], x[o + 1], x[o + 2]].map((v) => Math.round(v * 255));
        };
        const o = id === '#2' ? 6 : 1;
        for (const [q, [fx, fy]] of QUADRANTS.entries()) {
          const want = id === '#3' ? cmykRef[q] : expectedAt(o, fx, fy);
          const got = at(fx, fy);
          const tol = id === '#3' ? 24 : 10;
          assert(got.every((v, c) => Math.abs(v - want[c]) <= tol), `${id} at (${fx}, ${fy}): ${got} vs ${want} (±${tol})`);
        }
        seen++;
      });
    }
    assertEqual(seen, rows.length, 'a tensor per photo');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, { storage: storageWith(templates.find((t) => t.id === 'image-classifier')!.graph) });
