/** The data worker's pure PNG decoder against pngjs (the Node path) on real and generated PNGs. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePngFast } from '../components/data/png';
import { encodePng } from '../engine/data/png';
import { decodeImageNode } from '../engine/data/node-decoders';
import { generateDemoDataset } from '../engine/data/demo';

const AVMNIST = path.resolve(__dirname, '..', '..', 'shared', 'datasets', 'avmnist', 'images');

function same(bytes: Uint8Array): void {
  const a = decodePngFast(bytes);
  const b = decodeImageNode(bytes);
  expect(a).not.toBeNull();
  expect([a!.width, a!.height]).toEqual([b.width, b.height]);
  expect(Array.from(a!.data)).toEqual(Array.from(b.data));
}

describe('decodePngFast', () => {
  it('gives pngjs pixels on AV-MNIST PNGs', () => {
    for (const n of readdirSync(AVMNIST).slice(0, 40)) same(new Uint8Array(readFileSync(path.join(AVMNIST, n))));
  });
  it('gives pngjs pixels on the demo PNGs and on gray, RGB and RGBA encodings', () => {
    const demo = generateDemoDataset({ seed: 3, rows: 5 });
    for (const [p, b] of demo.files) if (p.endsWith('.png')) same(b);
    const px = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37) % 256);
    same(encodePng(7, 5, 1, px(35)));
    same(encodePng(7, 5, 3, px(105)));
    same(encodePng(7, 5, 4, px(140)));
  });
  it('leaves truncated and non-PNG files to the browser (null)', () => {
    const ok = encodePng(4, 4, 3, new Uint8Array(48));
    expect(decodePngFast(ok.subarray(0, ok.length - 20))).toBeNull();
    expect(decodePngFast(new Uint8Array(100))).toBeNull();
  });
});
