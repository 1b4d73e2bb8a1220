/** The data worker's pure PNG decoder against the Node path (sharp; pngjs-identical on 8-bit PNGs) on real and generated PNGs. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePngFast } from '../components/data/png';
import { encodePng } from '../engine/data/png';
import { decodeImageNode } from '../engine/data/node-decoders';
import type { DecodedImage } from '../engine/data/adapter';
import { generateDemoDataset } from '../engine/data/demo';

const AVMNIST = path.resolve(__dirname, '..', '..', 'shared', 'datasets', 'avmnist', 'images');

/** Node pixels (1, 3 or 4 channels) as RGBA, opaque when there is no alpha. */
function rgba(img: DecodedImage): number[] {
  const out: number[] = [];
  const c = img.channels;
  for (let i = 0; i < img.width * img.height; i++) {
    const p = img.data.subarray(i * c, i * c + c);
    if (c <= 2) out.push(p[0], p[0], p[0], c === 2 ? p[1] : 255);
    else out.push(p[0], p[1], p[2], c === 4 ? p[3] : 255);
  }
  return out;
}

async function same(bytes: Uint8Array): Promise<void> {
  const a = decodePngFast(bytes);
  const b = await decodeImageNode(bytes);
  expect(a).not.toBeNull();
  expect([a!.width, a!.height]).toEqual([b.width, b.height]);
  expect(Array.from(a!.data)).toEqual(rgba(b));
}

describe('decodePngFast', () => {
  it('gives pngjs pixels on AV-MNIST PNGs', async () => {
    for (const n of readdirSync(AVMNIST).slice(0, 40)) await same(new Uint8Array(readFileSync(path.join(AVMNIST, n))));
  });
  it('gives pngjs pixels on the demo PNGs and on gray, RGB and RGBA encodings', async () => {
    const demo = generateDemoDataset({ seed: 3, rows: 5 });
    for (const [p, b] of demo.files) if (p.endsWith('.png')) await same(b);
    const px = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37) % 256);
    await same(encodePng(7, 5, 1, px(35)));
    await same(encodePng(7, 5, 3, px(105)));
    await same(encodePng(7, 5, 4, px(140)));
  });
  it('leaves truncated and non-PNG files to the browser (null)', () => {
    const ok = encodePng(4, 4, 3, new Uint8Array(48));
    expect(decodePngFast(ok.subarray(0, ok.length - 20))).toBeNull();
    expect(decodePngFast(new Uint8Array(100))).toBeNull();
  });
});
