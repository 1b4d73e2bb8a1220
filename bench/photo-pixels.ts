/** Photo-like test images for the photo benchmarks (Node and browser): generated, never committed. */

/** A photo-like w × h RGB image: smooth colour fields, a few hard edges, noise; seeded. */
export function photoPixels(w: number, h: number, seed: number, sigma: number): Buffer {
  let s = seed * 2654435761 + 1;
  const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0) >>> 0) / 2 ** 32;
  const fx = [0, 1, 2].map(() => { const a = rnd() * 6 + 1, p = rnd() * 6.28, g = rnd() * 120 - 60; return Float32Array.from({ length: w }, (_, x) => 50 * Math.sin((a * x) / w + p) + (g * x) / w); });
  const fy = [0, 1, 2].map(() => { const a = rnd() * 6 + 1, p = rnd() * 6.28, g = rnd() * 120 - 60; return Float32Array.from({ length: h }, (_, y) => 50 * Math.sin((a * y) / h + p) + (g * y) / h); });
  const base = [0, 1, 2].map(() => 70 + rnd() * 110);
  // A few rectangles with their own colour (edges), and noise of σ levels.
  const rects = Array.from({ length: 6 }, () => ({ x0: rnd() * w, y0: rnd() * h, x1: 0, y1: 0, c: [rnd() * 80 - 40, rnd() * 80 - 40, rnd() * 80 - 40] }));
  for (const r of rects) {
    r.x1 = r.x0 + rnd() * w * 0.4;
    r.y1 = r.y0 + rnd() * h * 0.4;
  }
  const out = Buffer.allocUnsafe(w * h * 3);
  let n = seed | 1;
  for (let y = 0; y < h; y++) {
    const inRect = rects.filter((r) => y >= r.y0 && y < r.y1);
    for (let x = 0; x < w; x++) {
      n ^= n << 13;
      n ^= n >>> 17;
      n ^= n << 5;
      const noise = (((n & 0xff) + ((n >>> 8) & 0xff) + ((n >>> 16) & 0xff) - 382.5) / 128) * sigma; // ≈ N(0, σ²): the sum of three bytes has σ = 128
      let d0 = 0, d1 = 0, d2 = 0;
      for (const r of inRect) if (x >= r.x0 && x < r.x1) { d0 += r.c[0]; d1 += r.c[1]; d2 += r.c[2]; }
      const i = (y * w + x) * 3;
      out[i] = Math.max(0, Math.min(255, base[0] + fx[0][x] + fy[0][y] + d0 + noise));
      out[i + 1] = Math.max(0, Math.min(255, base[1] + fx[1][x] + fy[1][y] + d1 + noise * 0.9));
      out[i + 2] = Math.max(0, Math.min(255, base[2] + fx[2][x] + fy[2][y] + d2 + noise * 1.1));
    }
  }
  return out;
}
