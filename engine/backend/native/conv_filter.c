/*
 * The filter gradient of a 2-D convolution (NHWC, dilation 1), for tfjs' Conv2DBackpropFilter:
 *   dW[fh, fw, ci, co] = Σ_{n, ho, wo} x[n, ho·sh − pt + fh, wo·sw − pl + fw, ci] · dy[n, ho, wo, co]
 * over the positions where the input index is inside x (padding contributes nothing).
 *
 * Why here: on tfjs-wasm it was a Conv2D of transposed tensors, and XNNPACK re-packs the large
 * "filter" (dy) on every call: a quarter of the AV-MNIST training step. Here each tap
 * (fh, fw) × 4 input channels × 8 output channels is a tile of 8 SIMD accumulators held in
 * registers while the loop walks every valid position once: no packing, no transpose, no scratch.
 * Accumulation is float32 in a fixed order (n, ho, wo), as XNNPACK's convolution sums in float32.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

/* First output index o ≥ 0 with o·s − pad + f ≥ 0, and one past the last with o·s − pad + f < extent. */
INLINE int first_valid(int s, int pad, int f) {
  int need = pad - f; /* o·s ≥ need */
  if (need <= 0) return 0;
  return (need + s - 1) / s;
}
INLINE int end_valid(int s, int pad, int f, int extent, int out) {
  int lim = extent - 1 + pad - f; /* o·s ≤ lim */
  if (lim < 0) return 0;
  int e = lim / s + 1;
  return e < out ? e : out;
}

/*
 * One tile: CI (1 or 4) input channels from ci0 × CO (1 or 2 vectors of 4) output channels from
 * co0, for tap (fh, fw). The always-inline constant CI/CO make the compiler specialise each use.
 */
INLINE void tile(const float *x, const float *dy, float *dw, int N, int H, int W, int Ci, int Ho,
                 int Wo, int Co, int Fw, int sh, int sw, int pt, int pl, int fh, int fw, int ci0,
                 int CI, int co0, int CO) {
  v128_t a00 = wasm_f32x4_splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00,
         a30 = a00, a31 = a00;
  const int h0 = first_valid(sh, pt, fh), h1 = end_valid(sh, pt, fh, H, Ho);
  const int w0 = first_valid(sw, pl, fw), w1 = end_valid(sw, pl, fw, W, Wo);
  for (int n = 0; n < N; n++) {
    for (int ho = h0; ho < h1; ho++) {
      const int h = ho * sh - pt + fh;
      const float *xr = x + ((long)(n * H + h) * W) * Ci + ci0;
      const float *dr = dy + ((long)(n * Ho + ho) * Wo) * Co + co0;
      for (int wo = w0; wo < w1; wo++) {
        const float *xp = xr + (long)(wo * sw - pl + fw) * Ci;
        const float *dp = dr + (long)wo * Co;
        v128_t d0 = wasm_v128_load(dp);
        v128_t d1 = CO == 2 ? wasm_v128_load(dp + 4) : d0;
        v128_t s = wasm_v128_load32_splat(xp);
        a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(s, d0));
        if (CO == 2) a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(s, d1));
        if (CI == 4) {
          s = wasm_v128_load32_splat(xp + 1);
          a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(s, d0));
          if (CO == 2) a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(s, d1));
          s = wasm_v128_load32_splat(xp + 2);
          a20 = wasm_f32x4_add(a20, wasm_f32x4_mul(s, d0));
          if (CO == 2) a21 = wasm_f32x4_add(a21, wasm_f32x4_mul(s, d1));
          s = wasm_v128_load32_splat(xp + 3);
          a30 = wasm_f32x4_add(a30, wasm_f32x4_mul(s, d0));
          if (CO == 2) a31 = wasm_f32x4_add(a31, wasm_f32x4_mul(s, d1));
        }
      }
    }
  }
  float *o = dw + ((long)(fh * Fw + fw) * Ci + ci0) * Co + co0;
  wasm_v128_store(o, a00);
  if (CO == 2) wasm_v128_store(o + 4, a01);
  if (CI == 4) {
    wasm_v128_store(o + Co, a10);
    wasm_v128_store(o + 2 * Co, a20);
    wasm_v128_store(o + 3 * Co, a30);
    if (CO == 2) {
      wasm_v128_store(o + Co + 4, a11);
      wasm_v128_store(o + 2 * Co + 4, a21);
      wasm_v128_store(o + 3 * Co + 4, a31);
    }
  }
}

/* A single output channel co for input channel ci (the Co mod 4 tail), in scalar float32. */
static void column(const float *x, const float *dy, float *dw, int N, int H, int W, int Ci, int Ho,
                   int Wo, int Co, int Fw, int sh, int sw, int pt, int pl, int fh, int fw, int ci,
                   int co) {
  float acc = 0;
  const int h0 = first_valid(sh, pt, fh), h1 = end_valid(sh, pt, fh, H, Ho);
  const int w0 = first_valid(sw, pl, fw), w1 = end_valid(sw, pl, fw, W, Wo);
  for (int n = 0; n < N; n++) {
    for (int ho = h0; ho < h1; ho++) {
      const int h = ho * sh - pt + fh;
      const float *xr = x + ((long)(n * H + h) * W) * Ci + ci;
      const float *dr = dy + ((long)(n * Ho + ho) * Wo) * Co + co;
      for (int wo = w0; wo < w1; wo++) acc += xr[(long)(wo * sw - pl + fw) * Ci] * dr[(long)wo * Co];
    }
  }
  dw[((long)(fh * Fw + fw) * Ci + ci) * Co + co] = acc;
}

/* dw: [Fh, Fw, Ci, Co], every element written. */
EXPORT(conv2d_backprop_filter)
void conv2d_backprop_filter(const float *x, const float *dy, float *dw, int N, int H, int W,
                            int Ci, int Ho, int Wo, int Co, int Fh, int Fw, int sh, int sw, int pt,
                            int pl) {
  const int Ci4 = Ci & ~3, Co8 = Co & ~7, Co4 = Co & ~3;
  for (int fh = 0; fh < Fh; fh++) {
    for (int fw = 0; fw < Fw; fw++) {
      int ci = 0;
      for (; ci < Ci4; ci += 4) {
        int co = 0;
        for (; co < Co8; co += 8) tile(x, dy, dw, N, H, W, Ci, Ho, Wo, Co, Fw, sh, sw, pt, pl, fh, fw, ci, 4, co, 2);
        for (; co < Co4; co += 4) tile(x, dy, dw, N, H, W, Ci, Ho, Wo, Co, Fw, sh, sw, pt, pl, fh, fw, ci, 4, co, 1);
        for (; co < Co; co++)
          for (int c = ci; c < ci + 4; c++) column(x, dy, dw, N, H, W, Ci, Ho, Wo, Co, Fw, sh, sw, pt, pl, fh, fw, c, co);
      }
      for (; ci < Ci; ci++) {
        int co = 0;
        for (; co < Co8; co += 8) tile(x, dy, dw, N, H, W, Ci, Ho, Wo, Co, Fw, sh, sw, pt, pl, fh, fw, ci, 1, co, 2);
        for (; co < Co4; co += 4) tile(x, dy, dw, N, H, W, Ci, Ho, Wo, Co, Fw, sh, sw, pt, pl, fh, fw, ci, 1, co, 1);
        for (; co < Co; co++) column(x, dy, dw, N, H, W, Ci, Ho, Wo, Co, Fw, sh, sw, pt, pl, fh, fw, ci, co);
      }
    }
  }
}
