/*
 * Batch normalisation in training, forward and backward, over x viewed as [rows, channels]
 * (NHWC or [batch, features], normalised over every axis but the last). Called by
 * engine/backend/batch-norm-train.ts on tensors in tfjs' WASM heap.
 *
 * Per-channel sums accumulate in float64 (as tfjs' CPU backend reduces), four channels at a time
 * in SIMD lanes; every per-channel scratch array is a caller-provided buffer (this module owns
 * no memory: see build.sh).
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

/* acc[c] += lo/hi lanes of v, acc holding 4 doubles from channel c. */
static inline void add4(double *acc, v128_t v) {
  v128_t lo = wasm_f64x2_promote_low_f32x4(v);
  v128_t hi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  wasm_v128_store(acc, wasm_f64x2_add(wasm_v128_load(acc), lo));
  wasm_v128_store(acc + 2, wasm_f64x2_add(wasm_v128_load(acc + 2), hi));
}

/*
 * The per-channel mean and biased variance of x [rows, channels] (what tf.moments gives over
 * axis 0), from float64 sums shifted by the first row: one pass, no cancellation for data far
 * from 0. acc: 2·C doubles of scratch.
 */
static void moments(const float *x, float *mean, float *var, double *acc, int rows, int C) {
  const int C4 = C & ~3;
  double *s1 = acc, *s2 = acc + C;
  for (int c = 0; c < 2 * C; c++) acc[c] = 0;
  const float *shift = x;
  for (int r = 0; r < rows; r++) {
    const float *row = x + (long)r * C;
    int c = 0;
    for (; c < C4; c += 4) {
      v128_t d = wasm_f32x4_sub(wasm_v128_load(row + c), wasm_v128_load(shift + c));
      add4(s1 + c, d);
      add4(s2 + c, wasm_f32x4_mul(d, d));
    }
    for (; c < C; c++) {
      double d = (double)row[c] - (double)shift[c];
      s1[c] += d;
      s2[c] += d * d;
    }
  }
  for (int c = 0; c < C; c++) {
    double m1 = s1[c] / rows;
    double v = s2[c] / rows - m1 * m1;
    if (v < 0) v = 0;
    mean[c] = (float)((double)shift[c] + m1);
    var[c] = (float)v;
  }
}

/* moments() alone: precise BN's statistics in inference mode (engine/train/bn-stats.ts). */
EXPORT(bn_moments)
void bn_moments(const float *x, float *mean, float *var, double *acc, int rows, int channels) {
  moments(x, mean, var, acc, rows, channels);
}

/*
 * y = scale·(x − mean)/√(var + eps) + offset with the batch's mean and (biased) variance per
 * channel, which are also written out (for the moving averages).
 * acc: 2·C doubles of scratch; coef: 2·C floats of scratch.
 */
EXPORT(bn_train_forward)
void bn_train_forward(const float *x, float *y, float *mean, float *var, const float *scale,
                      const float *offset, double *acc, float *coef, int rows, int channels,
                      float eps) {
  const int C = channels;
  const int C4 = C & ~3;
  moments(x, mean, var, acc, rows, C);
  float *a = coef, *b = coef + C;
  for (int c = 0; c < C; c++) {
    double k = (double)scale[c] / __builtin_sqrt((double)var[c] + (double)eps);
    a[c] = (float)k;
    b[c] = (float)((double)offset[c] - (double)mean[c] * k);
  }
  for (int r = 0; r < rows; r++) {
    const float *row = x + (long)r * C;
    float *out = y + (long)r * C;
    int c = 0;
    for (; c < C4; c += 4) {
      wasm_v128_store(out + c, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(row + c), wasm_v128_load(a + c)), wasm_v128_load(b + c)));
    }
    for (; c < C; c++) out[c] = row[c] * a[c] + b[c];
  }
}

/*
 * The gradient of bn_train_forward with respect to x, scale and offset, given dy and the
 * gradients reaching its mean and variance outputs (gmean, gvar; zeros when unused). With
 * N rows, σ⁻¹ = 1/√(var + eps) and x̂ = (x − mean)·σ⁻¹:
 *   doffset = Σ dy,  dscale = Σ dy·x̂,
 *   dx = scale·σ⁻¹·(dy − doffset/N − x̂·dscale/N) + gmean/N + 2·gvar·(x − mean)/N.
 * acc: 2·C doubles of scratch; coef: 3·C floats of scratch.
 */
EXPORT(bn_train_backward)
void bn_train_backward(const float *dy, const float *x, const float *mean, const float *var,
                       const float *scale, const float *gmean, const float *gvar, float *dx,
                       float *dscale, float *doffset, double *acc, float *coef, int rows,
                       int channels, float eps) {
  const int C = channels;
  const int C4 = C & ~3;
  double *sdy = acc, *sdyx = acc + C;
  for (int c = 0; c < 2 * C; c++) acc[c] = 0;
  for (int r = 0; r < rows; r++) {
    const float *g = dy + (long)r * C;
    const float *row = x + (long)r * C;
    int c = 0;
    for (; c < C4; c += 4) {
      v128_t gv = wasm_v128_load(g + c);
      add4(sdy + c, gv);
      add4(sdyx + c, wasm_f32x4_mul(gv, wasm_f32x4_sub(wasm_v128_load(row + c), wasm_v128_load(mean + c))));
    }
    for (; c < C; c++) {
      sdy[c] += g[c];
      sdyx[c] += (double)g[c] * ((double)row[c] - (double)mean[c]);
    }
  }
  float *A = coef, *B = coef + C, *K = coef + 2 * C;
  for (int c = 0; c < C; c++) {
    double inv = 1.0 / __builtin_sqrt((double)var[c] + (double)eps);
    double s = scale[c];
    A[c] = (float)(s * inv);
    B[c] = (float)(-s * inv * inv * inv * sdyx[c] / rows + 2.0 * gvar[c] / rows);
    K[c] = (float)(-s * inv * sdy[c] / rows + (double)gmean[c] / rows);
    dscale[c] = (float)(sdyx[c] * inv);
    doffset[c] = (float)sdy[c];
  }
  for (int r = 0; r < rows; r++) {
    const float *g = dy + (long)r * C;
    const float *row = x + (long)r * C;
    float *out = dx + (long)r * C;
    int c = 0;
    for (; c < C4; c += 4) {
      v128_t xc = wasm_f32x4_sub(wasm_v128_load(row + c), wasm_v128_load(mean + c));
      v128_t t = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(A + c), wasm_v128_load(g + c)), wasm_f32x4_mul(wasm_v128_load(B + c), xc));
      wasm_v128_store(out + c, wasm_f32x4_add(t, wasm_v128_load(K + c)));
    }
    for (; c < C; c++) out[c] = A[c] * g[c] + B[c] * (row[c] - mean[c]) + K[c];
  }
}
