/**
 * The built-in demo dataset, generated from a seed (no files shipped) identically in the browser
 * and in Node: pictures of shapes, short captions, tones and two numbers.
 *
 * The label needs several modalities together. Each row has
 * - a 32×32 picture of a circle, square or triangle (random colour, size, position, noise);
 * - a caption naming a shape: the pictured one in 75 % (circle), 25 % (square) or 50 %
 *   (triangle) of the rows ("match"), else one of the other two;
 * - a 0.25 s tone, low (220–440 Hz) or high (880–1760 Hz), with noise;
 * - two distractor numbers (temperature, count) unrelated to the label;
 * and the label `<match|mismatch>-<low|high>`: whether caption and picture agree, crossed with the
 * tone's pitch band. The best possible accuracy from one modality (of the four classes): picture
 * 33 %, caption 27 %, tone 50 %, numbers 25 %; picture + tone 67 %, picture + caption 50 %; all
 * three 100 %. The uneven match rates give the picture and caption encoders a weak signal of their
 * own, which helps the demo template learn the match relation (with equal rates it is a pure
 * interaction and training often stalled): circle and square, the pair that looks most alike at
 * 16×16, get the most different rates.
 */
import { zipSync } from 'fflate';
import { writeCsv } from './manifest';
import { encodePng } from './png';
import { createRng, type Rng } from './rng';
import { encodeWav16 } from './wav';

export const DEMO_SHAPES = ['circle', 'square', 'triangle'] as const;
export type DemoShape = (typeof DEMO_SHAPES)[number];

/**
 * How often the caption names the pictured shape, per shape (overall 50 %). Unequal rates give each
 * encoder a weak signal of its own (a picture alone tells match from mismatch 67 % of the time);
 * the label still needs picture, caption and tone.
 */
export const DEMO_MATCH_RATE: Record<DemoShape, number> = { circle: 0.75, square: 0.25, triangle: 0.5 };

/** Rows by default: with 1,000 the demo template over-fitted and stalled for some seeds. */
export const DEMO_DEFAULT_ROWS = 2000;

export const DEMO_IMAGE_SIZE = 32;
export const DEMO_SAMPLE_RATE = 8000;
export const DEMO_CLIP_SECONDS = 0.25;
export const DEMO_COLUMNS = ['id', 'image', 'caption', 'audio', 'temperature', 'count', 'label', 'split'] as const;

export interface DemoOptions {
  seed?: number;
  rows?: number;
}

/** The ground truth of one demo row (for tests and the app's explanation). */
export interface DemoRow {
  id: string;
  shape: DemoShape;
  captionShape: DemoShape;
  match: boolean;
  pitch: 'low' | 'high';
  frequency: number;
  temperature: number;
  count: number;
  caption: string;
  label: string;
  split: 'train' | 'val' | 'test';
}

export interface DemoDataset {
  /** Path → bytes, in the upload format: samples.csv, README.md, images/*.png, audio/*.wav. */
  files: Map<string, Uint8Array>;
  rows: DemoRow[];
}

const ADJECTIVES = ['small', 'big', 'bright', 'dark', 'red', 'blue', 'tiny', 'large', 'green', 'simple'];
const CAPTIONS: ((adj: string, shape: string) => string)[] = [
  (a, s) => `a ${a} ${s}`,
  (_a, s) => `there is a ${s} here`,
  (a, s) => `this looks like a ${a} ${s}`,
  (a, s) => `one ${s}, ${a}`,
  (_a, s) => `I see a "${s}"`,
  (a, s) => `the picture shows a ${a} ${s}`,
];

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const m = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ][i % 6];
  return [Math.round(m[0] * 255), Math.round(m[1] * 255), Math.round(m[2] * 255)];
}

/** Is (x, y) inside the shape centred at (cx, cy) with radius r, rotated by `rot`? */
function inside(shape: DemoShape, x: number, y: number, cx: number, cy: number, r: number, rot: number): boolean {
  const dx = x - cx;
  const dy = y - cy;
  const u = dx * Math.cos(rot) + dy * Math.sin(rot);
  const v = -dx * Math.sin(rot) + dy * Math.cos(rot);
  switch (shape) {
    case 'circle':
      return u * u + v * v <= r * r;
    case 'square': {
      const h = r * 0.85;
      return Math.abs(u) <= h && Math.abs(v) <= h;
    }
    case 'triangle': {
      // Equilateral, pointing up, circumradius r: inside all three edges.
      for (let k = 0; k < 3; k++) {
        const a = -Math.PI / 2 + (k * 2 * Math.PI) / 3 + Math.PI / 3; // edge normal directions
        if (u * Math.cos(a) + v * Math.sin(a) > r / 2) return false;
      }
      return true;
    }
    default: {
      const _x: never = shape;
      return _x;
    }
  }
}

function drawShape(shape: DemoShape, rng: Rng): Uint8Array {
  const n = DEMO_IMAGE_SIZE;
  const px = new Uint8Array(n * n * 3);
  const bg = 200 + rng.int(56);
  const [r, g, b] = hsvToRgb(rng.next(), 0.6 + 0.4 * rng.next(), 0.35 + 0.4 * rng.next());
  const radius = 9 + 3 * rng.next();
  const cx = n / 2 + rng.range(-2, 2);
  const cy = n / 2 + rng.range(-2, 2);
  const rot = rng.range(-0.15, 0.15);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const on = inside(shape, x + 0.5, y + 0.5, cx, cy, radius, rot);
      const noise = rng.range(-8, 8);
      const o = (y * n + x) * 3;
      px[o] = Math.max(0, Math.min(255, Math.round((on ? r : bg) + noise)));
      px[o + 1] = Math.max(0, Math.min(255, Math.round((on ? g : bg) + noise)));
      px[o + 2] = Math.max(0, Math.min(255, Math.round((on ? b : bg) + noise)));
    }
  return px;
}

function tone(frequency: number, rng: Rng): Float32Array {
  const n = Math.round(DEMO_SAMPLE_RATE * DEMO_CLIP_SECONDS);
  const out = new Float32Array(n);
  const amp = rng.range(0.3, 0.7);
  const phase = rng.range(0, 2 * Math.PI);
  const fade = Math.round(0.01 * DEMO_SAMPLE_RATE);
  for (let i = 0; i < n; i++) {
    const env = Math.min(1, i / fade, (n - 1 - i) / fade);
    out[i] = amp * env * Math.sin((2 * Math.PI * frequency * i) / DEMO_SAMPLE_RATE + phase) + 0.05 * rng.normal();
  }
  return out;
}

const README = `# FusionLab demo dataset

Generated from a seed by FusionLab (\`npx fusionlab data demo <dir> --seed N\`), in the upload format:
\`samples.csv\` with one row per sample, plus the files it names.

| column | meaning |
| --- | --- |
| id | sample id |
| image | a 32×32 picture of a circle, square or triangle |
| caption | a short caption naming a shape — the pictured one in half of the rows (more often for circles, less often for squares) |
| audio | a 0.25 s tone at 8 kHz: low (220–440 Hz) or high (880–1760 Hz) |
| temperature, count | two numbers that have nothing to do with the label (distractors) |
| label | \`match\` or \`mismatch\` (does the caption name the pictured shape?) + \`-low\` or \`-high\` (the tone's pitch band) |
| split | train (80 %), val (10 %), test (10 %) |

No single modality predicts the label: the best possible accuracy from the picture alone is 33 %,
from the caption alone 27 %, from the tone alone 50 % (it knows the pitch half), from the numbers
25 %. Picture + tone reach 67 %. A model must fuse picture, caption and tone to get close to 100 %.
`;

/** Generate the demo dataset. The same seed and row count give the same bytes everywhere. */
export function generateDemoDataset(opts: DemoOptions = {}): DemoDataset {
  const seed = opts.seed ?? 1;
  const count = Math.max(1, Math.min(100_000, Math.floor(opts.rows ?? DEMO_DEFAULT_ROWS)));
  const rng = createRng(seed);
  const files = new Map<string, Uint8Array>();
  const rows: DemoRow[] = [];
  const width = String(count).length;
  const enc = new TextEncoder();
  for (let i = 0; i < count; i++) {
    const id = `demo-${String(i + 1).padStart(Math.max(4, width), '0')}`;
    const shape = rng.pick(DEMO_SHAPES);
    const match = rng.next() < DEMO_MATCH_RATE[shape];
    const others = DEMO_SHAPES.filter((s) => s !== shape);
    const captionShape = match ? shape : rng.pick(others);
    const pitch = rng.next() < 0.5 ? 'low' : 'high';
    const frequency = pitch === 'low' ? rng.range(220, 440) : rng.range(880, 1760);
    const caption = rng.pick(CAPTIONS)(rng.pick(ADJECTIVES), captionShape);
    const temperature = Math.round(rng.range(15, 30) * 10) / 10;
    const cnt = 1 + rng.int(9);
    const u = rng.next();
    const split = u < 0.8 ? 'train' : u < 0.9 ? 'val' : 'test';
    const label = `${match ? 'match' : 'mismatch'}-${pitch}`;
    files.set(`images/${id}.png`, encodePng(DEMO_IMAGE_SIZE, DEMO_IMAGE_SIZE, 3, drawShape(shape, rng)));
    files.set(`audio/${id}.wav`, encodeWav16(tone(frequency, rng), DEMO_SAMPLE_RATE));
    rows.push({ id, shape, captionShape, match, pitch, frequency, temperature, count: cnt, caption, label, split });
  }
  const csv = writeCsv(
    [...DEMO_COLUMNS],
    rows.map((r) => [r.id, `images/${r.id}.png`, r.caption, `audio/${r.id}.wav`, r.temperature.toFixed(1), String(r.count), r.label, r.split]),
  );
  files.set('samples.csv', enc.encode(csv));
  files.set('README.md', enc.encode(README));
  return { files, rows };
}

/** The demo dataset as a zip (fixed timestamps, so the same seed gives the same bytes). */
export function demoDatasetZip(opts: DemoOptions = {}, folder = 'fusionlab-demo'): Uint8Array {
  const { files } = generateDemoDataset(opts);
  const entries: Record<string, [Uint8Array, { mtime: Date; level: 0 | 6 }]> = {};
  const mtime = new Date(Date.UTC(2024, 0, 1));
  for (const [p, b] of files) entries[`${folder}/${p}`] = [b, { mtime, level: p.endsWith('.png') ? 0 : 6 }];
  return zipSync(entries, { mtime });
}
