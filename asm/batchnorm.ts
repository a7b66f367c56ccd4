// BatchNorm1d over an (R,H) row-major float32 matrix (Ioffe & Szegedy 2015; makemore part 4):
//
//   training forward:  mean = Σ_r x / R                                  // (R,H) -> (H)
//                      var  = Σ_r (x − mean)² / (R−1 or R)               // (R,H) -> (H)
//                      inv  = (var + eps)^-0.5                           // (H)
//                      raw  = (x − mean) · inv                           // (R,H), kept for backward
//                      out  = gain · raw + bias                          // (R,H)
//                      running ← keep·running + momentum·(mean, var)     // (H), optional
//   eval forward:      raw, out as above with a given mean and inv
//   backward:          dgain += Σ_r raw·dout;  dbias += Σ_r dout          // (R,H) -> (H)
//                      dx (=|+=) gain·inv/R · (R·dout − Σ_r dout − c·raw·Σ_r dout·raw)
//                      c = R/(R−1) (unbiased variance), 1 (biased); for fixed statistics dx = gain·inv·dout
//
// Letters: R rows (the batch), H features. Pointers are byte offsets; gain, bias, mean, inv and the
// statistics are (H) vectors. The work runs in columns of 4 features (one f32x4), each column going
// over the R rows (stride H) two rows at a time with two sets of accumulators, so the parameters and
// the column's statistics stay in registers; the last column may be 1..3 features (partial lanes).
// The full columns and that last column are separate functions, as are the backward's four row
// loops (fixed or batch statistics × overwrite or accumulate): V8 compiles a function on its first
// call and optimizes it once it is hot, so a run compiles and optimizes only the variants it uses
// (the lectures' model: H = 200, batch statistics, overwrite), a fraction of the code.
//
// Accuracy of the training statistics: the sums are float64 (each f32x4 column widened to two f64x2),
// the mean is rounded to float32 once, and Σ (x − mean)² is taken around that float32 mean, in float64
// (x − mean and its square are exact in float64). So mean, var and inv are the float32 roundings of
// float64 results whose own error is ≤ R·2⁻⁵³ relative: the same values, bit for bit but for
// near-ties, as a float64 computation (the TS reference). raw and out are float32 arithmetic, and so
// is the running-statistics update, fl32(fl32(keep·running) + fl32(momentum·stat)) as PyTorch rounds it.

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

/** Two float64x2 rounded to float32 and joined into one float32x4 (lo → lanes 0,1; hi → lanes 2,3). */
// @ts-ignore: decorator
@inline function narrow(lo: v128, hi: v128): v128 {
  return i64x2.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2);
}

/** float64 lanes rounded to float32 and back (Math.fround on two lanes). */
// @ts-ignore: decorator
@inline function fround2(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(v));
}

/** raw = (x − m)·inv and out = g·raw + b for R rows of one column of w features. */
// @ts-ignore: decorator
@inline function normalizeColumn(
  out: usize, raw: usize, x: usize, m: v128, inv: v128, g: v128, b: v128, R: i32, rowBytes: usize, w: i32,
): void {
  let o: usize = 0;
  for (let r = 0; r < R; r++) {
    const v = f32x4.mul(f32x4.sub(ld(x + o, w), m), inv);
    st(raw + o, v, w);
    st(out + o, f32x4.add(f32x4.mul(g, v), b), w);
    o += rowBytes;
  }
}

/**
 * Training forward (see the file header); `unbiased` 1 divides the variance that normalizes by R−1.
 * With `running` 1 it also updates the running estimates at runMean and runVar (H each):
 * running = fl32(fl32(keep·running) + fl32(momentum·stat)), stat the float32 mean and unbiased variance
 * it stores (keep = 1 − momentum, both float32, as the caller rounds them).
 */
export function batchNormTrainF32(
  out: usize, raw: usize, mean: usize, varU: usize, inv: usize,
  x: usize, gain: usize, bias: usize, R: i32, H: i32, eps: f64, unbiased: i32,
  running: i32, runMean: usize, runVar: usize, keep: f32, momentum: f32,
): void {
  const H4 = H & ~3;
  if (H4 > 0) trainColumns(out, raw, mean, varU, inv, x, gain, bias, R, H, H4, eps, unbiased, running, runMean, runVar, keep, momentum);
  if (H4 < H) trainTail(out, raw, mean, varU, inv, x, gain, bias, R, H, H4, eps, unbiased, running, runMean, runVar, keep, momentum);
}

/** The full columns of 4 features, [0, H4) (w = 4 a constant: plain vector loads and stores). */
function trainColumns(
  out: usize, raw: usize, mean: usize, varU: usize, inv: usize, x: usize, gain: usize, bias: usize,
  R: i32, H: i32, H4: i32, eps: f64, unbiased: i32, running: i32, runMean: usize, runVar: usize, keep: f32, momentum: f32,
): void {
  for (let j = 0; j < H4; j += 4) {
    trainColumn(out, raw, mean, varU, inv, x, gain, bias, R, H, eps, unbiased, running, runMean, runVar, keep, momentum, j, 4);
  }
}

/** The last 1..3 features, from feature j. */
function trainTail(
  out: usize, raw: usize, mean: usize, varU: usize, inv: usize, x: usize, gain: usize, bias: usize,
  R: i32, H: i32, j: i32, eps: f64, unbiased: i32, running: i32, runMean: usize, runVar: usize, keep: f32, momentum: f32,
): void {
  trainColumn(out, raw, mean, varU, inv, x, gain, bias, R, H, eps, unbiased, running, runMean, runVar, keep, momentum, j, H - j);
}

/** One column of w features (lanes) starting at feature j: statistics, running estimates, normalization. */
// @ts-ignore: decorator
@inline function trainColumn(
  out: usize, raw: usize, mean: usize, varU: usize, inv: usize,
  x: usize, gain: usize, bias: usize, R: i32, H: i32, eps: f64, unbiased: i32,
  running: i32, runMean: usize, runVar: usize, keep: f32, momentum: f32, j: i32, w: i32,
): void {
  const rowBytes = <usize>H << 2;
  const count = f64x2.splat(<f64>R);
  const divU = f64x2.splat(<f64>(R - 1));
  const divN = unbiased != 0 ? divU : count;
  const epsv = f64x2.splat(eps);
  const c = <usize>j << 2;
  const px = x + c;
  // Σ_r x, float64, rows in pairs
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), t0 = f64x2.splat(0), t1 = f64x2.splat(0);
  let o: usize = 0;
  let r = 0;
  for (; r + 2 <= R; r += 2) {
    const a = ld(px + o, w);
    const b = ld(px + o + rowBytes, w);
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(a));
    s1 = f64x2.add(s1, f64x2.promote_low_f32x4(high(a)));
    t0 = f64x2.add(t0, f64x2.promote_low_f32x4(b));
    t1 = f64x2.add(t1, f64x2.promote_low_f32x4(high(b)));
    o += rowBytes + rowBytes;
  }
  if (r < R) {
    const a = ld(px + o, w);
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(a));
    s1 = f64x2.add(s1, f64x2.promote_low_f32x4(high(a)));
  }
  const m = narrow(f64x2.div(f64x2.add(s0, t0), count), f64x2.div(f64x2.add(s1, t1), count));
  const m0 = f64x2.promote_low_f32x4(m);
  const m1 = f64x2.promote_low_f32x4(high(m));
  // Σ_r (x − mean)², float64, around the float32 mean
  s0 = f64x2.splat(0); s1 = f64x2.splat(0); t0 = f64x2.splat(0); t1 = f64x2.splat(0);
  o = 0;
  r = 0;
  for (; r + 2 <= R; r += 2) {
    const a = ld(px + o, w);
    const b = ld(px + o + rowBytes, w);
    const da0 = f64x2.sub(f64x2.promote_low_f32x4(a), m0);
    const da1 = f64x2.sub(f64x2.promote_low_f32x4(high(a)), m1);
    const db0 = f64x2.sub(f64x2.promote_low_f32x4(b), m0);
    const db1 = f64x2.sub(f64x2.promote_low_f32x4(high(b)), m1);
    s0 = f64x2.add(s0, f64x2.mul(da0, da0));
    s1 = f64x2.add(s1, f64x2.mul(da1, da1));
    t0 = f64x2.add(t0, f64x2.mul(db0, db0));
    t1 = f64x2.add(t1, f64x2.mul(db1, db1));
    o += rowBytes + rowBytes;
  }
  if (r < R) {
    const a = ld(px + o, w);
    const da0 = f64x2.sub(f64x2.promote_low_f32x4(a), m0);
    const da1 = f64x2.sub(f64x2.promote_low_f32x4(high(a)), m1);
    s0 = f64x2.add(s0, f64x2.mul(da0, da0));
    s1 = f64x2.add(s1, f64x2.mul(da1, da1));
  }
  const q0 = f64x2.add(s0, t0);
  const q1 = f64x2.add(s1, t1);
  // inv = fl32(1 / sqrt(fl32(fl32(q / div) + eps))), in float64 as the TS reference does it
  const v0 = fround2(f64x2.add(fround2(f64x2.div(q0, divN)), epsv));
  const v1 = fround2(f64x2.add(fround2(f64x2.div(q1, divN)), epsv));
  const one = f64x2.splat(1.0);
  const iv = narrow(f64x2.div(one, f64x2.sqrt(v0)), f64x2.div(one, f64x2.sqrt(v1)));
  const vU = narrow(f64x2.div(q0, divU), f64x2.div(q1, divU));
  st(mean + c, m, w);
  st(varU + c, vU, w);
  st(inv + c, iv, w);
  if (running != 0) {
    // running ← fl32(fl32(keep·running) + fl32(momentum·stat)), as the JS loop it replaces rounded it
    const k = f32x4.splat(keep);
    const mo = f32x4.splat(momentum);
    st(runMean + c, f32x4.add(f32x4.mul(k, ld(runMean + c, w)), f32x4.mul(mo, m)), w);
    st(runVar + c, f32x4.add(f32x4.mul(k, ld(runVar + c, w)), f32x4.mul(mo, vU)), w);
  }
  normalizeColumn(out + c, raw + c, px, m, iv, ld(gain + c, w), ld(bias + c, w), R, rowBytes, w);
}

/** Eval forward: raw = (x − mean)·inv, out = gain·raw + bias with given (H) mean and inv. */
export function batchNormEvalF32(
  out: usize, raw: usize, x: usize, gain: usize, bias: usize, mean: usize, inv: usize, R: i32, H: i32,
): void {
  const rowBytes = <usize>H << 2;
  let j = 0;
  for (; j + 4 <= H; j += 4) {
    const c = <usize>j << 2;
    normalizeColumn(
      out + c, raw + c, x + c, v128.load(mean + c), v128.load(inv + c), v128.load(gain + c), v128.load(bias + c),
      R, rowBytes, 4,
    );
  }
  if (j < H) {
    const w = H - j;
    const c = <usize>j << 2;
    normalizeColumn(
      out + c, raw + c, x + c, ld(mean + c, w), ld(inv + c, w), ld(gain + c, w), ld(bias + c, w), R, rowBytes, w,
    );
  }
}

/**
 * Backward (see the file header). `mode` 1: batch statistics, unbiased variance (c = R/(R−1));
 * 0: batch statistics, biased variance (c = 1); 2: fixed statistics (dx = gain·inv·dout).
 * dgain and dbias accumulate; dx is overwritten (acc 0) or accumulated into (acc 1: dx += the gradient,
 * rounded to float32 first).
 */
export function batchNormBackwardF32(
  dx: usize, dgain: usize, dbias: usize, dout: usize, raw: usize, gain: usize, inv: usize,
  R: i32, H: i32, mode: i32, acc: i32,
): void {
  const H4 = H & ~3;
  const c = mode == 1 ? <f32>(<f64>R / <f64>(R - 1)) : <f32>1;
  if (H4 > 0) {
    // one function per variant, each with its row loop specialized (see the file header)
    if (mode == 2) {
      if (acc != 0) backwardFixedAcc(dx, dgain, dbias, dout, raw, gain, inv, R, H, H4);
      else backwardFixed(dx, dgain, dbias, dout, raw, gain, inv, R, H, H4);
    } else {
      if (acc != 0) backwardBatchAcc(dx, dgain, dbias, dout, raw, gain, inv, R, H, H4, c);
      else backwardBatch(dx, dgain, dbias, dout, raw, gain, inv, R, H, H4, c);
    }
  }
  if (H4 < H) backwardTail(dx, dgain, dbias, dout, raw, gain, inv, R, H, H4, c, mode == 2, acc);
}

/** Columns [0, H4) with batch statistics, dx overwritten. */
function backwardBatch(
  dx: usize, dgain: usize, dbias: usize, dout: usize, raw: usize, gain: usize, inv: usize, R: i32, H: i32, H4: i32, c: f32,
): void {
  for (let j = 0; j < H4; j += 4) backwardColumn(dx, dgain, dbias, dout, raw, gain, inv, R, H, c, false, 0, j, 4);
}

/** Columns [0, H4) with batch statistics, dx accumulated into. */
function backwardBatchAcc(
  dx: usize, dgain: usize, dbias: usize, dout: usize, raw: usize, gain: usize, inv: usize, R: i32, H: i32, H4: i32, c: f32,
): void {
  for (let j = 0; j < H4; j += 4) backwardColumn(dx, dgain, dbias, dout, raw, gain, inv, R, H, c, false, 1, j, 4);
}

/** Columns [0, H4) with fixed statistics, dx overwritten. */
function backwardFixed(
  dx: usize, dgain: usize, dbias: usize, dout: usize, raw: usize, gain: usize, inv: usize, R: i32, H: i32, H4: i32,
): void {
  for (let j = 0; j < H4; j += 4) backwardColumn(dx, dgain, dbias, dout, raw, gain, inv, R, H, 1, true, 0, j, 4);
}

/** Columns [0, H4) with fixed statistics, dx accumulated into. */
function backwardFixedAcc(
  dx: usize, dgain: usize, dbias: usize, dout: usize, raw: usize, gain: usize, inv: usize, R: i32, H: i32, H4: i32,
): void {
  for (let j = 0; j < H4; j += 4) backwardColumn(dx, dgain, dbias, dout, raw, gain, inv, R, H, 1, true, 1, j, 4);
}

/** The last 1..3 features, from feature j, any variant. */
function backwardTail(
  dx: usize, dgain: usize, dbias: usize, dout: usize, raw: usize, gain: usize, inv: usize,
  R: i32, H: i32, j: i32, c: f32, fixed: bool, acc: i32,
): void {
  const w = H - j;
  if (fixed) {
    if (acc != 0) backwardColumn(dx, dgain, dbias, dout, raw, gain, inv, R, H, c, true, 1, j, w);
    else backwardColumn(dx, dgain, dbias, dout, raw, gain, inv, R, H, c, true, 0, j, w);
  } else {
    if (acc != 0) backwardColumn(dx, dgain, dbias, dout, raw, gain, inv, R, H, c, false, 1, j, w);
    else backwardColumn(dx, dgain, dbias, dout, raw, gain, inv, R, H, c, false, 0, j, w);
  }
}

/** Stores v (w lanes) at p, or adds it to what is there when acc ≠ 0. */
// @ts-ignore: decorator
@inline function put(p: usize, v: v128, w: i32, acc: i32): void {
  st(p, acc != 0 ? f32x4.add(ld(p, w), v) : v, w);
}

/** One column of w features starting at feature j (c = R/(R−1) or 1; fixed statistics or the batch's). */
// @ts-ignore: decorator
@inline function backwardColumn(
  dx: usize, dgain: usize, dbias: usize, dout: usize, raw: usize, gain: usize, inv: usize,
  R: i32, H: i32, cs: f32, fixed: bool, acc: i32, j: i32, w: i32,
): void {
  const rowBytes = <usize>H << 2;
  const n = f32x4.splat(<f32>R);
  const c = f32x4.splat(cs);
  const col = <usize>j << 2;
  const pd = dout + col;
  const pr = raw + col;
  // Σ_r dout and Σ_r dout·raw, float32, rows in pairs
  let sd0 = f32x4.splat(0), sd1 = f32x4.splat(0), sr0 = f32x4.splat(0), sr1 = f32x4.splat(0);
  let o: usize = 0;
  let r = 0;
  for (; r + 2 <= R; r += 2) {
    const d0 = ld(pd + o, w);
    const d1 = ld(pd + o + rowBytes, w);
    sd0 = f32x4.add(sd0, d0);
    sd1 = f32x4.add(sd1, d1);
    sr0 = f32x4.add(sr0, f32x4.mul(d0, ld(pr + o, w)));
    sr1 = f32x4.add(sr1, f32x4.mul(d1, ld(pr + o + rowBytes, w)));
    o += rowBytes + rowBytes;
  }
  if (r < R) {
    const d0 = ld(pd + o, w);
    sd0 = f32x4.add(sd0, d0);
    sr0 = f32x4.add(sr0, f32x4.mul(d0, ld(pr + o, w)));
  }
  const sd = f32x4.add(sd0, sd1);
  const sr = f32x4.add(sr0, sr1);
  st(dgain + col, f32x4.add(ld(dgain + col, w), sr), w);
  st(dbias + col, f32x4.add(ld(dbias + col, w), sd), w);
  const gi = f32x4.mul(ld(gain + col, w), ld(inv + col, w));
  const px = dx + col;
  // fixed and acc are constants in each caller: one row loop per function, no branch in it
  if (fixed) {
    fixedRows(px, pd, gi, R, rowBytes, w, acc);
  } else {
    const scale = f32x4.div(gi, n); //  gain·inv/R
    const csr = f32x4.mul(c, sr); //     c·Σ dout·raw
    batchRows(px, pd, pr, scale, n, sd, csr, R, rowBytes, w, acc);
  }
}

/** dx (=|+=) gain·inv·dout over R rows of one column (fixed statistics). */
// @ts-ignore: decorator
@inline function fixedRows(px: usize, pd: usize, gi: v128, R: i32, rowBytes: usize, w: i32, acc: i32): void {
  let o: usize = 0;
  for (let r = 0; r < R; r++) {
    put(px + o, f32x4.mul(gi, ld(pd + o, w)), w, acc);
    o += rowBytes;
  }
}

/** dx (=|+=) scale·(n·dout − Σ dout − c·Σ(dout·raw)·raw) over R rows of one column (batch statistics). */
// @ts-ignore: decorator
@inline function batchRows(
  px: usize, pd: usize, pr: usize, scale: v128, n: v128, sd: v128, csr: v128, R: i32, rowBytes: usize, w: i32, acc: i32,
): void {
  let o: usize = 0;
  for (let r = 0; r < R; r++) {
    const t = f32x4.sub(f32x4.sub(f32x4.mul(n, ld(pd + o, w)), sd), f32x4.mul(csr, ld(pr + o, w)));
    put(px + o, f32x4.mul(scale, t), w, acc);
    o += rowBytes;
  }
}
