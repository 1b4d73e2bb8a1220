/*
 * The gradient of 2-D max pooling over NHWC float32 tensors, called by the MaxPoolGrad
 * replacement in engine/backend/wasm-kernels.ts on tensors in tfjs' WASM heap.
 *
 * Semantics are those of tfjs' CPU backend (and of the JS loop it replaces): each window's dy
 * goes to the window's FIRST maximum in row-major tap order (strict >, starting from −∞, so NaN
 * taps never win and a window of only NaN/−∞ passes no gradient); taps in the padding are
 * skipped; overlapping windows accumulate, in window order.
 *
 * Channels are innermost, so four channels of one tap are one SIMD load; the winner of each
 * lane is tracked as a tap number (or as masks in the 2×2 case) and dy is written back under
 * masks, so there is no scatter. Masked-out lanes add +0, which leaves every value as the JS
 * loop's `dx[p] += g` would (dx starts at +0, so it is never −0).
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

static void zero(float *p, int n) {
  int i = 0;
  v128_t z = wasm_f32x4_splat(0.0f);
  for (; i + 4 <= n; i += 4) wasm_v128_store(p + i, z);
  for (; i < n; i++) p[i] = 0.0f;
}

/* First tap index ≥ 0 with base + p·step ≥ 0 (ceil(−base/step) when base < 0). */
static inline int first_tap(int base, int step) { return base >= 0 ? 0 : (-base + step - 1) / step; }

/* One past the last tap index < k with base + p·step < extent. */
static inline int end_tap(int base, int step, int extent, int k) {
  if (base >= extent) return 0;
  int e = (extent - base + step - 1) / step;
  return e < k ? e : k;
}

/*
 * Any window: dx is zeroed, then every window adds its dy to its winners. Taps outside the
 * input (padding) are not visited.
 */
static void grad_general(const float *x, const float *dy, float *dx, int N, int H, int W, int C, int Ho, int Wo,
                         int kh, int kw, int sh, int sw, int dh, int dw, int top, int left) {
  const int C4 = C & ~3;
  zero(dx, N * H * W * C);
  const v128_t ninf = wasm_f32x4_splat(-__builtin_inff());
  for (int n = 0; n < N; n++) {
    for (int ho = 0; ho < Ho; ho++) {
      const int h0 = ho * sh - top;
      const int p0 = first_tap(h0, dh), p1 = end_tap(h0, dh, H, kh);
      for (int wo = 0; wo < Wo; wo++) {
        const int w0 = wo * sw - left;
        const int q0 = first_tap(w0, dw), q1 = end_tap(w0, dw, W, kw);
        const float *g = dy + ((n * Ho + ho) * Wo + wo) * C;
        int c = 0;
        for (; c < C4; c += 4) {
          v128_t m = ninf;
          v128_t arg = wasm_i32x4_splat(-1);
          for (int p = p0; p < p1; p++) {
            const float *row = x + ((n * H + h0 + p * dh) * W + w0) * C + c;
            for (int q = q0; q < q1; q++) {
              v128_t v = wasm_v128_load(row + q * dw * C);
              v128_t gt = wasm_f32x4_gt(v, m);
              m = wasm_v128_bitselect(v, m, gt);
              arg = wasm_v128_bitselect(wasm_i32x4_splat(p * kw + q), arg, gt);
            }
          }
          const v128_t gv = wasm_v128_load(g + c);
          for (int p = p0; p < p1; p++) {
            float *row = dx + ((n * H + h0 + p * dh) * W + w0) * C + c;
            for (int q = q0; q < q1; q++) {
              float *d = row + q * dw * C;
              v128_t won = wasm_i32x4_eq(arg, wasm_i32x4_splat(p * kw + q));
              wasm_v128_store(d, wasm_f32x4_add(wasm_v128_load(d), wasm_v128_and(gv, won)));
            }
          }
        }
        for (; c < C; c++) {
          float m = -__builtin_inff();
          int at = -1;
          for (int p = p0; p < p1; p++) {
            for (int q = q0; q < q1; q++) {
              int i = ((n * H + h0 + p * dh) * W + w0 + q * dw) * C + c;
              if (x[i] > m) {
                m = x[i];
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] += g[c];
        }
      }
    }
  }
}

/*
 * Windows that tile the input from its corner (kh × kw windows at stride kh × kw, no dilation,
 * no padding before, every tap inside): each covered element belongs to exactly one window, so
 * it is stored, not accumulated, and only the uncovered margin (bottom rows, right columns) is
 * zeroed. 2×2 is unrolled with winner masks instead of tap numbers.
 */
static void grad_tiled(const float *x, const float *dy, float *dx, int N, int H, int W, int C, int Ho, int Wo,
                       int kh, int kw) {
  const int C4 = C & ~3;
  const int row = W * C;
  const v128_t ninf = wasm_f32x4_splat(-__builtin_inff());
  const v128_t pz = wasm_f32x4_splat(0.0f);
  for (int n = 0; n < N; n++) {
    for (int ho = 0; ho < Ho; ho++) {
      for (int wo = 0; wo < Wo; wo++) {
        const int base = ((n * H + ho * kh) * W + wo * kw) * C;
        const float *xs = x + base;
        float *ds = dx + base;
        const float *g = dy + ((n * Ho + ho) * Wo + wo) * C;
        int c = 0;
        if (kh == 2 && kw == 2) {
          for (; c < C4; c += 4) {
            v128_t a0 = wasm_v128_load(xs + c), a1 = wasm_v128_load(xs + C + c);
            v128_t a2 = wasm_v128_load(xs + row + c), a3 = wasm_v128_load(xs + row + C + c);
            v128_t g0 = wasm_f32x4_gt(a0, ninf);
            v128_t m = wasm_v128_bitselect(a0, ninf, g0);
            v128_t g1 = wasm_f32x4_gt(a1, m);
            m = wasm_v128_bitselect(a1, m, g1);
            v128_t g2 = wasm_f32x4_gt(a2, m);
            m = wasm_v128_bitselect(a2, m, g2);
            v128_t g3 = wasm_f32x4_gt(a3, m);
            /* A tap wins if it beat the running maximum and no later tap did. */
            v128_t later = g3;
            v128_t w2 = wasm_v128_andnot(g2, later);
            later = wasm_v128_or(later, g2);
            v128_t w1 = wasm_v128_andnot(g1, later);
            later = wasm_v128_or(later, g1);
            v128_t w0 = wasm_v128_andnot(g0, later);
            const v128_t gv = wasm_v128_load(g + c);
            /* + 0 turns a −0 dy into +0, as 0 + dy does in the JS loop. */
            wasm_v128_store(ds + c, wasm_f32x4_add(wasm_v128_and(gv, w0), pz));
            wasm_v128_store(ds + C + c, wasm_f32x4_add(wasm_v128_and(gv, w1), pz));
            wasm_v128_store(ds + row + c, wasm_f32x4_add(wasm_v128_and(gv, w2), pz));
            wasm_v128_store(ds + row + C + c, wasm_f32x4_add(wasm_v128_and(gv, g3), pz));
          }
        } else {
          for (; c < C4; c += 4) {
            v128_t m = ninf;
            v128_t arg = wasm_i32x4_splat(-1);
            for (int p = 0; p < kh; p++) {
              for (int q = 0; q < kw; q++) {
                v128_t v = wasm_v128_load(xs + p * row + q * C + c);
                v128_t gt = wasm_f32x4_gt(v, m);
                m = wasm_v128_bitselect(v, m, gt);
                arg = wasm_v128_bitselect(wasm_i32x4_splat(p * kw + q), arg, gt);
              }
            }
            const v128_t gv = wasm_v128_load(g + c);
            for (int p = 0; p < kh; p++) {
              for (int q = 0; q < kw; q++) {
                v128_t won = wasm_i32x4_eq(arg, wasm_i32x4_splat(p * kw + q));
                wasm_v128_store(ds + p * row + q * C + c, wasm_f32x4_add(wasm_v128_and(gv, won), pz));
              }
            }
          }
        }
        for (; c < C; c++) {
          float m = -__builtin_inff();
          int at = -1;
          for (int p = 0; p < kh; p++) {
            for (int q = 0; q < kw; q++) {
              int i = p * row + q * C + c;
              ds[i] = 0.0f;
              if (xs[i] > m) {
                m = xs[i];
                at = i;
              }
            }
          }
          if (at >= 0) ds[at] = 0.0f + g[c];
        }
      }
      /* Right margin of this band of rows. */
      if (Wo * kw < W) {
        for (int p = 0; p < kh; p++) zero(dx + ((n * H + ho * kh + p) * W + Wo * kw) * C, (W - Wo * kw) * C);
      }
    }
    /* Bottom margin. */
    if (Ho * kh < H) zero(dx + (n * H + Ho * kh) * W * C, (H - Ho * kh) * W * C);
  }
}

/*
 * dx (N×H×W×C, written whole) from x (the pooled input, same shape) and dy (N×Ho×Wo×C), for
 * kh×kw windows at strides sh, sw, dilations dh, dw, with `top`/`left` padding rows/columns
 * before the input (computePool2DInfo's padInfo). All sizes ≥ 1 except N, H, W, C, Ho, Wo.
 */
EXPORT(max_pool_grad)
void max_pool_grad(const float *x, const float *dy, float *dx, int N, int H, int W, int C, int Ho, int Wo,
                   int kh, int kw, int sh, int sw, int dh, int dw, int top, int left) {
  if (sh == kh && sw == kw && dh == 1 && dw == 1 && top == 0 && left == 0 && Ho * kh <= H && Wo * kw <= W) {
    grad_tiled(x, dy, dx, N, H, W, C, Ho, Wo, kh, kw);
  } else {
    grad_general(x, dy, dx, N, H, W, C, Ho, Wo, kh, kw, sh, sw, dh, dw, top, left);
  }
}
