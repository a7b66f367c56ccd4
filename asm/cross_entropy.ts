// Cross-entropy of float32 logits against int32 targets, fused with its gradient (F.cross_entropy with
// ignore_index=-1; makemore part 4, exercise 2):
//
//   loss[r]    = logsumexp(logits[r]) − logits[r, y[r]]           // (R,V), (R) -> (R)
//   logsumexp  = max + log Σ_v exp(logits[r,v] − max)             (stable: every exponent ≤ 0)
//   dlogits[r] = (softmax(logits[r]) − one_hot(y[r])) / n          // (R,V)
//
// A row whose target is IGNORE (−1) adds no loss and its dlogits row is 0; n is the number of rows that
// are not ignored, the mean is over them (NaN, 0/0, when n = 0, as PyTorch).
// Letters: R rows, V classes, n rows not ignored. Pointers are byte offsets; targets must be in 0..V−1
// or IGNORE (the TypeScript wrapper checks them, and counts n, with checkTargets first). Each row: its
// max (f32x4.max, then the lanes), exp of (x − max) in float32 SIMD (expf.ts, ≤ 1 ulp) stored into
// dlogits and summed in float32, then log Σ in float64 (per row, or through a product of rows for the
// mean) and the scaling of the stored exps by 1/(n·Σ). The mean loss is accumulated in float64. A row
// of V floats is cut into vectors of 4 and a 1..3-float tail whose unused lanes are masked out of the
// max and the sum.

import { exp4 } from "./expf";
import { hsum, loadPartial, storePartial } from "./lanes";

/** The target of a row that is ignored (PyTorch's ignore_index=-1): no loss, a zero gradient. */
const IGNORE: i32 = -1;

/**
 * Checks targets[0..n) against 0..limit−1 or IGNORE. Returns the number of targets that are not
 * IGNORE (≥ 0) when all are valid, else −1 − r for the first position r that is not.
 */
export function checkTargets(idx: usize, n: i32, limit: i32): i32 {
  let count = n;
  for (let r = 0; r < n; r++) {
    const t = load<i32>(idx + (<usize>r << 2));
    if (<u32>t >= <u32>limit) {
      if (t != IGNORE) return -1 - r;
      count--;
    }
  }
  return count;
}

/** Lanes 0..r−1 all ones, the others zero (r in 1..3): which lanes of a partial vector are real. */
// @ts-ignore: decorator
@inline function laneMask(r: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(r));
}

/** max over logits[0..V) (NaN if any is NaN). */
// @ts-ignore: decorator
@inline function rowMax(p: usize, V: i32): f32 {
  let mv = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= V; j += 4) mv = f32x4.max(mv, v128.load(p + (<usize>j << 2)));
  let m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
  for (; j < V; j++) m = max(m, load<f32>(p + (<usize>j << 2)));
  return m;
}

/** Σ_v exp(x[v] − m) over v in 0..V (float32); `keep` also stores each exp at e[v]. */
// @ts-ignore: decorator
@inline function rowExp(e: usize, p: usize, m: f32, V: i32, keep: bool): f32 {
  const mv = f32x4.splat(m);
  let sv = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= V; j += 4) {
    const o = <usize>j << 2;
    const ev = exp4(f32x4.sub(v128.load(p + o), mv));
    if (keep) v128.store(e + o, ev);
    sv = f32x4.add(sv, ev);
  }
  if (j < V) {
    const r = V - j;
    const o = <usize>j << 2;
    const ev = v128.and(exp4(f32x4.sub(loadPartial(p + o, r), mv)), laneMask(r));
    if (keep) storePartial(e + o, ev, r);
    sv = f32x4.add(sv, ev);
  }
  return hsum(sv);
}

/**
 * Mean loss over the n rows not ignored (float64), and dlogits = (softmax − one_hot)/n, 0 on ignored
 * rows; n must be the count checkTargets returned. dlogits must not overlap logits.
 */
export function crossEntropyF32(dlogits: usize, logits: usize, targets: usize, R: i32, V: i32, n: i32): f64 {
  const rowBytes = <usize>V << 2;
  const invN = <f32>(1.0 / <f64>n);
  // Σ_r log Σ_v exp as log Π_r Σ_v exp: every Σ_v exp is in [1, V], so the float64 product is exact to
  // R·2⁻⁵³ relative; it is folded into a log whenever it passes 1e300 (one log per ~997/log2(V) rows
  // instead of one per row, which was a third of the kernel's time)
  let total: f64 = 0;
  let prod: f64 = 1;
  for (let r = 0; r < R; r++) {
    const p = logits + <usize>r * rowBytes;
    const d = dlogits + <usize>r * rowBytes;
    const y = load<i32>(targets + (<usize>r << 2));
    if (y == IGNORE) {
      zeroRow(d, V);
      continue;
    }
    const m = rowMax(p, V);
    const s = rowExp(d, p, m, V, true);
    total += <f64>m - <f64>load<f32>(p + (<usize>y << 2));
    prod *= <f64>s;
    if (prod > 1e300) {
      total += Math.log(prod);
      prod = 1;
    }
    // dlogits[r] = exp(x − max) / (n·Σ) − one_hot / n
    const scale = f32x4.splat(<f32>(1.0 / (<f64>s * <f64>n)));
    let j = 0;
    for (; j + 4 <= V; j += 4) {
      const o = d + (<usize>j << 2);
      v128.store(o, f32x4.mul(v128.load(o), scale));
    }
    if (j < V) {
      const o = d + (<usize>j << 2);
      storePartial(o, f32x4.mul(loadPartial(o, V - j), scale), V - j);
    }
    const dy = d + (<usize>y << 2);
    store<f32>(dy, load<f32>(dy) - invN);
  }
  return (total + Math.log(prod)) / <f64>n;
}

/** d[0..V) = 0 (the gradient row of an ignored target). */
// @ts-ignore: decorator
@inline function zeroRow(d: usize, V: i32): void {
  const z = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= V; j += 4) v128.store(d + (<usize>j << 2), z);
  if (j < V) storePartial(d + (<usize>j << 2), z, V - j);
}

/** Per-row losses (float32) into losses[0..R); 0 for an ignored row. */
export function crossEntropyRowsF32(losses: usize, logits: usize, targets: usize, R: i32, V: i32): void {
  const rowBytes = <usize>V << 2;
  for (let r = 0; r < R; r++) {
    const p = logits + <usize>r * rowBytes;
    const y = load<i32>(targets + (<usize>r << 2));
    if (y == IGNORE) {
      store<f32>(losses + (<usize>r << 2), 0);
      continue;
    }
    const m = rowMax(p, V);
    const s = rowExp(0, p, m, V, false);
    store<f32>(losses + (<usize>r << 2), <f32>(Math.log(<f64>s) + <f64>m - <f64>load<f32>(p + (<usize>y << 2))));
  }
}
