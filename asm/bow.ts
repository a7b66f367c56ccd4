// makemore.py's causal bag of words on float32 buffers (its BoW block's `att @ x`, att the softmax of
// zeros under the causal mask: uniform weights 1/(t+1) over positions s ≤ t), as running sums over the
// positions, O(B·T·C) where the (T,T) @ (T,C) product is O(B·T²·C):
//
//   forward:   out[b,t,:] = w_t · Σ_{s≤t} x[b,s,:],     w_t = fl32(1/(t+1))      // (B,T,C) -> (B,T,C)
//   backward:  dx[b,s,:] (=|+=) Σ_{t≥s} w_t · dout[b,t,:]   (a running sum from the last position)
//
// Float32 running sums (each step one rounding; w_t·sum one more), 16 channels at a time in four
// accumulators walking down the positions, then single vectors, then 1..3 channels as partial lanes
// (lanes.ts). w_t is a correctly rounded float32 division, so it is fl32(1/(t+1)) exactly.
// Letters: B batch, T positions, C channels. Pointers are byte offsets; `acc` 0 overwrites dx, 1 adds.

import { loadPartial, storePartial } from "./lanes";

/** w float32 lanes at p (w ≥ 4: a full vector; 1..3: partial, the rest 0). */
// @ts-ignore: decorator
@inline function ld(p: usize, w: i32): v128 {
  return w >= 4 ? v128.load(p) : loadPartial(p, w);
}

/** Stores w float32 lanes of v at p (w ≥ 4: the whole vector). */
// @ts-ignore: decorator
@inline function st(p: usize, v: v128, w: i32): void {
  if (w >= 4) v128.store(p, v);
  else storePartial(p, v, w);
}

/** fl32(1/(t+1)) in every lane. */
// @ts-ignore: decorator
@inline function weight(t: i32): v128 {
  return f32x4.splat(<f32>1 / <f32>(t + 1));
}

/** out[b,t,:] = fl32(1/(t+1))·Σ_{s≤t} x[b,s,:] for (B,T,C) x; out must not be x. */
export function causalMeanF32(out: usize, x: usize, B: i32, T: i32, C: i32): void {
  const row = <usize>C << 2;
  for (let b = 0; b < B; b++) {
    const xb = x + <usize>b * <usize>T * row;
    const ob = out + <usize>b * <usize>T * row;
    let c = 0;
    for (; c + 16 <= C; c += 16) {
      const o = <usize>c << 2;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      for (let t = 0; t < T; t++) {
        const p = xb + <usize>t * row + o, q = ob + <usize>t * row + o;
        s0 = f32x4.add(s0, v128.load(p));
        s1 = f32x4.add(s1, v128.load(p, 16));
        s2 = f32x4.add(s2, v128.load(p, 32));
        s3 = f32x4.add(s3, v128.load(p, 48));
        const w = weight(t);
        v128.store(q, f32x4.mul(w, s0));
        v128.store(q, f32x4.mul(w, s1), 16);
        v128.store(q, f32x4.mul(w, s2), 32);
        v128.store(q, f32x4.mul(w, s3), 48);
      }
    }
    for (; c < C; c += 4) {
      const o = <usize>c << 2;
      const n = C - c;
      let s = f32x4.splat(0);
      for (let t = 0; t < T; t++) {
        s = f32x4.add(s, ld(xb + <usize>t * row + o, n));
        st(ob + <usize>t * row + o, f32x4.mul(weight(t), s), n);
      }
    }
  }
}

/** dx[b,s,:] (=|+=) Σ_{t≥s} fl32(1/(t+1))·dout[b,t,:]; dx must not be dout; `acc` 0 overwrites, 1 adds. */
export function causalMeanBackwardF32(dx: usize, dout: usize, B: i32, T: i32, C: i32, acc: i32): void {
  const row = <usize>C << 2;
  for (let b = 0; b < B; b++) {
    const gb = dout + <usize>b * <usize>T * row;
    const db = dx + <usize>b * <usize>T * row;
    let c = 0;
    for (; c + 16 <= C; c += 16) {
      const o = <usize>c << 2;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      for (let t = T - 1; t >= 0; t--) {
        const p = gb + <usize>t * row + o, q = db + <usize>t * row + o;
        const w = weight(t);
        s0 = f32x4.add(s0, f32x4.mul(w, v128.load(p)));
        s1 = f32x4.add(s1, f32x4.mul(w, v128.load(p, 16)));
        s2 = f32x4.add(s2, f32x4.mul(w, v128.load(p, 32)));
        s3 = f32x4.add(s3, f32x4.mul(w, v128.load(p, 48)));
        if (acc != 0) {
          v128.store(q, f32x4.add(v128.load(q), s0));
          v128.store(q, f32x4.add(v128.load(q, 16), s1), 16);
          v128.store(q, f32x4.add(v128.load(q, 32), s2), 32);
          v128.store(q, f32x4.add(v128.load(q, 48), s3), 48);
        } else {
          v128.store(q, s0);
          v128.store(q, s1, 16);
          v128.store(q, s2, 32);
          v128.store(q, s3, 48);
        }
      }
    }
    for (; c < C; c += 4) {
      const o = <usize>c << 2;
      const n = C - c;
      let s = f32x4.splat(0);
      for (let t = T - 1; t >= 0; t--) {
        const q = db + <usize>t * row + o;
        s = f32x4.add(s, f32x4.mul(weight(t), ld(gb + <usize>t * row + o, n)));
        st(q, acc != 0 ? f32x4.add(ld(q, n), s) : s, n);
      }
    }
  }
}
