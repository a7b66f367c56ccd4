// EmbeddingBag in sum mode with fixed bags of K indices (torch.nn.EmbeddingBag(mode="sum") on a (R, K)
// input; makemore.py's MLP as src/nn/context_linear.ts computes it: pre = b + Σ_k P[ctx[r,k]·T + k]):
//
//   sum:          out[r, :] = Σ_{k<K} table[idx[r·K + k], :]            // (V,E), (R·K) -> (R,E)
//   scatter-add:  dtable[idx[r·K + k], :] += dout[r, :]                 // (R,E), (R·K) -> (V,E)
//
// Float32 throughout and in a fixed order, the same as the TypeScript reference's, so both backends
// agree bit for bit: the sum starts at +0 and adds the bag's rows for k = 0..K−1; the scatter-add adds
// to each table element its contributions in the order (r, k). Rows are walked 16 floats at a time (four
// vectors held in registers across the bag), then single vectors, then 1..3 floats as partial lanes
// (lanes.ts). The wrappers check every index first (asm/embedding.ts checkIndices over R·K positions):
// the kernels trust them. Letters: R bags, K indices per bag, V table rows, E width. Pointers are byte
// offsets.

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

/** out[r, :] = Σ_{k<K} table[idx[r·K + k], :] for r < R (out (R,E) overwritten). */
export function embeddingBagSumF32(out: usize, table: usize, idx: usize, R: i32, K: i32, E: i32): void {
  const rowBytes = <usize>E << 2;
  for (let r = 0; r < R; r++) {
    const bag = idx + (<usize>r * <usize>K << 2);
    const dst = out + <usize>r * rowBytes;
    let e = 0;
    for (; e + 16 <= E; e += 16) {
      const o = <usize>e << 2;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      for (let k = 0; k < K; k++) {
        const src = table + <usize>load<i32>(bag + (<usize>k << 2)) * rowBytes + o;
        s0 = f32x4.add(s0, v128.load(src));
        s1 = f32x4.add(s1, v128.load(src, 16));
        s2 = f32x4.add(s2, v128.load(src, 32));
        s3 = f32x4.add(s3, v128.load(src, 48));
      }
      v128.store(dst + o, s0);
      v128.store(dst + o, s1, 16);
      v128.store(dst + o, s2, 32);
      v128.store(dst + o, s3, 48);
    }
    for (; e < E; e += 4) {
      const o = <usize>e << 2;
      const n = E - e;
      let s = f32x4.splat(0);
      for (let k = 0; k < K; k++) {
        s = f32x4.add(s, ld(table + <usize>load<i32>(bag + (<usize>k << 2)) * rowBytes + o, n));
      }
      st(dst + o, s, n);
    }
  }
}

/** dtable[idx[r·K + k], :] += dout[r, :] for r < R, then k < K, in order. */
export function embeddingBagScatterAddF32(dtable: usize, dout: usize, idx: usize, R: i32, K: i32, E: i32): void {
  const rowBytes = <usize>E << 2;
  for (let r = 0; r < R; r++) {
    const bag = idx + (<usize>r * <usize>K << 2);
    const src = dout + <usize>r * rowBytes;
    let e = 0;
    for (; e + 16 <= E; e += 16) {
      const o = <usize>e << 2;
      const g0 = v128.load(src + o), g1 = v128.load(src + o, 16);
      const g2 = v128.load(src + o, 32), g3 = v128.load(src + o, 48);
      for (let k = 0; k < K; k++) {
        const dst = dtable + <usize>load<i32>(bag + (<usize>k << 2)) * rowBytes + o;
        v128.store(dst, f32x4.add(v128.load(dst), g0));
        v128.store(dst, f32x4.add(v128.load(dst, 16), g1), 16);
        v128.store(dst, f32x4.add(v128.load(dst, 32), g2), 32);
        v128.store(dst, f32x4.add(v128.load(dst, 48), g3), 48);
      }
    }
    for (; e < E; e += 4) {
      const o = <usize>e << 2;
      const n = E - e;
      const g = ld(src + o, n);
      for (let k = 0; k < K; k++) {
        const dst = dtable + <usize>load<i32>(bag + (<usize>k << 2)) * rowBytes + o;
        st(dst, f32x4.add(ld(dst, n), g), n);
      }
    }
  }
}
