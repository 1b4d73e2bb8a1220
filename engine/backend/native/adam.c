/*
 * One Adam step over a variable of n floats, for engine/backend/adam-update.ts:
 *   m' = m·β1 + g·(1−β1),  v' = v·β2 + g²·(1−β2),
 *   x' = ((m'/(1−β1^t)) / (√(v'/(1−β2^t)) + ε))·(−lr) + x,
 * in float32 in exactly tfjs' order of operations (its AdamOptimizer runs one kernel per
 * operation), so the result is bit-identical: every float32 +, ·, / and √ is correctly rounded in
 * WebAssembly, which has no fused multiply-add for clang to contract into. c1 = 1−β1, c2 = 1−β2,
 * d1 = 1−β1^t, d2 = 1−β2^t and negLr = −lr are float32 values the caller rounds as tfjs does.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

EXPORT(adam_update)
void adam_update(const float *x, const float *g, const float *m, const float *v, float *ox,
                 float *om, float *ov, int n, float b1, float b2, float c1, float c2, float d1,
                 float d2, float eps, float negLr) {
  const v128_t B1 = wasm_f32x4_splat(b1), B2 = wasm_f32x4_splat(b2), C1 = wasm_f32x4_splat(c1),
               C2 = wasm_f32x4_splat(c2), D1 = wasm_f32x4_splat(d1), D2 = wasm_f32x4_splat(d2),
               E = wasm_f32x4_splat(eps), L = wasm_f32x4_splat(negLr);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t gi = wasm_v128_load(g + i);
    v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), B1), wasm_f32x4_mul(gi, C1));
    v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), B2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), C2));
    wasm_v128_store(om + i, mi);
    wasm_v128_store(ov + i, vi);
    v128_t step = wasm_f32x4_div(wasm_f32x4_div(mi, D1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, D2)), E));
    wasm_v128_store(ox + i, wasm_f32x4_add(wasm_f32x4_mul(step, L), wasm_v128_load(x + i)));
  }
  for (; i < n; i++) {
    float gi = g[i];
    float mi = m[i] * b1 + gi * c1;
    float vi = v[i] * b2 + (gi * gi) * c2;
    om[i] = mi;
    ov[i] = vi;
    ox[i] = ((mi / d1) / (__builtin_sqrtf(vi / d2) + eps)) * negLr + x[i];
  }
}
