// LayerNorm over the rows of an (R,C) row-major float32 matrix (Ba, Kiros & Hinton 2016; torch.nn.LayerNorm
// with eps 1e-5 and the biased variance; llm.c's layernorm_forward / layernorm_backward):
//
//   forward:   mean[r] = Σ_j x / C;  rstd[r] = (Σ_j (x − mean)² / C + 1e-5)^-½       // (R,C) -> (R) ×2
//              out = (x − mean)·rstd·weight + bias                                    // (R,C)
//   backward:  norm = (x − mean)·rstd, dnorm = weight·dout
//              dbias += Σ_r dout;  dweight += Σ_r norm·dout                          // (R,C) -> (C)
//              dx (=|+=) rstd·(dnorm − Σ_j dnorm / C − norm·Σ_j dnorm·norm / C)      // (R,C)
//
// Letters: R rows, C features. Pointers are byte offsets; weight, bias, dweight, dbias are (C) vectors,
// mean and rstd (R). Each row is walked 4 features at a time (one f32x4), the last 1..3 as partial lanes
// (scalar in the statistics).
//
// Accuracy: the statistics are float64 (each f32x4 widened to two f64x2), the mean rounded to float32
// once and the squares taken around it, as asm/batchnorm.ts does: mean and rstd are the float32 roundings
// of a float64 computation (the TS reference). The normalization, the backward's row sums and the
// column sums into dweight, dbias (added row by row in row order) are float32 arithmetic.

import { loadPartial, storePartial } from "./lanes";

/** w float32 lanes at p (w = 4: a full vector; 1..3: partial, the rest 0). */
// @ts-ignore: decorator
@inline function ld(p: usize, w: i32): v128 {
  return w == 4 ? v128.load(p) : loadPartial(p, w);
}

/** Stores w float32 lanes of v at p. */
// @ts-ignore: decorator
@inline function st(p: usize, v: v128, w: i32): void {
  if (w == 4) v128.store(p, v);
  else storePartial(p, v, w);
}

/** Lanes 2, 3 of a float32x4 moved to lanes 0, 1 (to widen them to float64). */
// @ts-ignore: decorator
@inline function high(v: v128): v128 {
  return i64x2.shuffle(v, v, 1, 1);
}

/** The sum of the two lanes of a float64x2. */
// @ts-ignore: decorator
@inline function hsum2(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** The sum of the four lanes of a float32x4. */
// @ts-ignore: decorator
@inline function hsum4(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** LayerNorm forward over x (R,C): out (R,C), and mean (R), rstd (R) for the backward (see the file header). */
export function layerNormF32(out: usize, mean: usize, rstd: usize, x: usize, weight: usize, bias: usize, R: i32, C: i32): void {
  const rowBytes = <usize>C << 2;
  const C4 = C & ~3;
  const tail = C - C4;
  const cf = <f64>C;
  for (let r = 0; r < R; r++) {
    const px = x + <usize>r * rowBytes;
    // Σ_j x, float64
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    let j = 0;
    for (; j < C4; j += 4) {
      const a = v128.load(px + (<usize>j << 2));
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(a));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(high(a)));
    }
    let sum = hsum2(f64x2.add(s0, s1));
    for (; j < C; j++) sum += <f64>load<f32>(px + (<usize>j << 2)); // the 1..3 left over
    const mu = <f32>(sum / cf); // the saved mean, rounded to float32
    // Σ_j (x − mean)², float64, around the float32 mean (x − mean and its square are exact in float64)
    const m2 = f64x2.splat(<f64>mu);
    s0 = f64x2.splat(0);
    s1 = f64x2.splat(0);
    j = 0;
    for (; j < C4; j += 4) {
      const a = v128.load(px + (<usize>j << 2));
      const d0 = f64x2.sub(f64x2.promote_low_f32x4(a), m2);
      const d1 = f64x2.sub(f64x2.promote_low_f32x4(high(a)), m2);
      s0 = f64x2.add(s0, f64x2.mul(d0, d0));
      s1 = f64x2.add(s1, f64x2.mul(d1, d1));
    }
    let q = hsum2(f64x2.add(s0, s1));
    for (; j < C; j++) {
      const d = <f64>load<f32>(px + (<usize>j << 2)) - <f64>mu;
      q += d * d;
    }
    const rs = <f32>(1.0 / Math.sqrt(q / cf + 1e-5));
    store<f32>(mean + (<usize>r << 2), mu);
    store<f32>(rstd + (<usize>r << 2), rs);
    // out = (x − mean)·rstd·weight + bias
    const po = out + <usize>r * rowBytes;
    const m = f32x4.splat(mu);
    const s = f32x4.splat(rs);
    j = 0;
    for (; j < C4; j += 4) {
      const o = <usize>j << 2;
      const n = f32x4.mul(f32x4.sub(v128.load(px + o), m), s);
      v128.store(po + o, f32x4.add(f32x4.mul(n, v128.load(weight + o)), v128.load(bias + o)));
    }
    if (tail != 0) {
      const o = <usize>j << 2;
      const n = f32x4.mul(f32x4.sub(loadPartial(px + o, tail), m), s);
      storePartial(po + o, f32x4.add(f32x4.mul(n, loadPartial(weight + o, tail)), loadPartial(bias + o, tail)), tail);
    }
  }
}

/**
 * LayerNorm backward: dweight (C) += Σ_r norm·dout and dbias (C) += Σ_r dout always accumulate; dx (R,C)
 * (=|+=) rstd·(dnorm − mean(dnorm) − norm·mean(dnorm·norm)); `acc` 0 overwrites dx, 1 adds to it.
 */
export function layerNormBackwardF32(
  dx: usize, dweight: usize, dbias: usize, dout: usize, x: usize, mean: usize, rstd: usize, weight: usize,
  R: i32, C: i32, acc: i32,
): void {
  const C4 = C & ~3;
  const tail = C - C4;
  for (let r = 0; r < R; r++) {
    if (acc != 0) backwardRow(dx, dweight, dbias, dout, x, mean, rstd, weight, r, C, C4, tail, true);
    else backwardRow(dx, dweight, dbias, dout, x, mean, rstd, weight, r, C, C4, tail, false);
  }
}

/** One row of the backward; `acc` a constant in each inlined copy. */
// @ts-ignore: decorator
@inline function backwardRow(
  dx: usize, dweight: usize, dbias: usize, dout: usize, x: usize, mean: usize, rstd: usize, weight: usize,
  r: i32, C: i32, C4: i32, tail: i32, acc: bool,
): void {
  const row = <usize>r * (<usize>C << 2);
  const px = x + row, pd = dout + row, pg = dx + row;
  const m = f32x4.splat(load<f32>(mean + (<usize>r << 2)));
  const s = f32x4.splat(load<f32>(rstd + (<usize>r << 2)));
  // Σ_j dnorm and Σ_j dnorm·norm; dweight += norm·dout, dbias += dout
  let sa = f32x4.splat(0), sb = f32x4.splat(0);
  let j = 0;
  for (; j < C4; j += 4) {
    const o = <usize>j << 2;
    const d = v128.load(pd + o);
    const n = f32x4.mul(f32x4.sub(v128.load(px + o), m), s);
    const dn = f32x4.mul(v128.load(weight + o), d);
    sa = f32x4.add(sa, dn);
    sb = f32x4.add(sb, f32x4.mul(dn, n));
    v128.store(dweight + o, f32x4.add(v128.load(dweight + o), f32x4.mul(n, d)));
    v128.store(dbias + o, f32x4.add(v128.load(dbias + o), d));
  }
  if (tail != 0) {
    const o = <usize>j << 2;
    const d = loadPartial(pd + o, tail);
    // lanes past the tail: x and the mean are 0 and m there, so n = −m·s; dn = 0 kills both sums
    const n = f32x4.mul(f32x4.sub(loadPartial(px + o, tail), m), s);
    const dn = f32x4.mul(loadPartial(weight + o, tail), d);
    sa = f32x4.add(sa, dn);
    sb = f32x4.add(sb, f32x4.mul(dn, n));
    storePartial(dweight + o, f32x4.add(loadPartial(dweight + o, tail), f32x4.mul(n, d)), tail);
    storePartial(dbias + o, f32x4.add(loadPartial(dbias + o, tail), d), tail);
  }
  const ma = f32x4.splat(hsum4(sa) / <f32>C); // mean(dnorm)
  const mb = f32x4.splat(hsum4(sb) / <f32>C); // mean(dnorm·norm)
  // dx (=|+=) rstd·(dnorm − mean(dnorm) − norm·mean(dnorm·norm))
  j = 0;
  for (; j < C4; j += 4) {
    const o = <usize>j << 2;
    const n = f32x4.mul(f32x4.sub(v128.load(px + o), m), s);
    const dn = f32x4.mul(v128.load(weight + o), v128.load(pd + o));
    let g = f32x4.mul(s, f32x4.sub(f32x4.sub(dn, ma), f32x4.mul(n, mb)));
    if (acc) g = f32x4.add(v128.load(pg + o), g);
    v128.store(pg + o, g);
  }
  if (tail != 0) {
    const o = <usize>j << 2;
    const n = f32x4.mul(f32x4.sub(loadPartial(px + o, tail), m), s);
    const dn = f32x4.mul(loadPartial(weight + o, tail), loadPartial(pd + o, tail));
    let g = f32x4.mul(s, f32x4.sub(f32x4.sub(dn, ma), f32x4.mul(n, mb)));
    if (acc) g = f32x4.add(loadPartial(pg + o, tail), g);
    storePartial(pg + o, g, tail);
  }
}
