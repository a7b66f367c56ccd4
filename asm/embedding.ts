// Embedding lookup and its gradient, with int32 indices (torch.nn.Embedding; the lectures' C[Xb]):
//
//   gather:       out[r, :] = table[idx[r], :]         // (V,E), (R) -> (R,E)
//   scatter-add:  dtable[idx[r], :] += dout[r, :]      // (R,E), (R) -> (V,E); rows in order, so an index
//                                                        that repeats adds every one of its rows
//
// and the index check the wrappers run first (here rather than in TypeScript so that it costs one call,
// not a loop over a typed array): the kernels themselves trust their indices.
// Letters: R indices, V rows of the table, E its width. Pointers are byte offsets.

import { loadPartial, storePartial } from "./lanes";

/** The first position r in 0..n with idx[r] outside 0..limit−1, or −1 if all are in range. */
export function checkIndices(idx: usize, n: i32, limit: i32): i32 {
  for (let r = 0; r < n; r++) {
    if (<u32>load<i32>(idx + (<usize>r << 2)) >= <u32>limit) return r;
  }
  return -1;
}

/** out[R,E] = table[idx[r], :] for every r. */
export function embeddingGatherF32(out: usize, table: usize, idx: usize, R: i32, E: i32): void {
  const rowBytes = <usize>E << 2;
  for (let r = 0; r < R; r++) {
    const src = table + <usize>load<i32>(idx + (<usize>r << 2)) * rowBytes;
    const dst = out + <usize>r * rowBytes;
    let j = 0;
    for (; j + 4 <= E; j += 4) v128.store(dst + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
    if (j < E) storePartial(dst + (<usize>j << 2), loadPartial(src + (<usize>j << 2), E - j), E - j);
  }
}

/** dtable[idx[r], :] += dout[r, :] for r = 0..R−1 in order. */
export function embeddingScatterAddF32(dtable: usize, dout: usize, idx: usize, R: i32, E: i32): void {
  const rowBytes = <usize>E << 2;
  for (let r = 0; r < R; r++) {
    const dst = dtable + <usize>load<i32>(idx + (<usize>r << 2)) * rowBytes;
    const src = dout + <usize>r * rowBytes;
    let j = 0;
    for (; j + 4 <= E; j += 4) {
      const o = <usize>j << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
    if (j < E) {
      const o = <usize>j << 2;
      storePartial(dst + o, f32x4.add(loadPartial(dst + o, E - j), loadPartial(src + o, E - j)), E - j);
    }
  }
}
