// makemore.py's blank-shifted context (its MLP's forward): for every position t of a row, the tokens at
// t, t−1, …, t−T+1, where a position before the row's start reads the blank token (index V, one past the
// vocabulary). makemore.py builds it by rolling the indices one place per slot and writing the blank
// into the first column (`idx = torch.roll(idx, 1, 1); idx[:, 0] = V`); here the rolled indices are
// written directly. The embedding of the result, (B, T, T·E), is the concatenation of the T rolled
// embeddings — Bengio et al. 2003's context window at every position at once.
//
// Letters: B rows, T positions (the block size), V the blank token.
//   ctx[b, t, k] = k <= t ? X[b, t − k] : V          // (B,T) -> (B,T,T)
// Its input is integers: nothing to backpropagate (the embedding's backward scatters by ctx).

import type { I32Buf } from "../kernels/index.ts";
import type { Tokens } from "./embedding.ts";

/** Writes the shifted context of X (B, T) into `out` (B·T·T) and returns it as tokens (B, T, T). */
export function shiftedContext(out: I32Buf, X: Tokens, blank: number, prev: Tokens | null): Tokens {
  const [B, T] = X.shape;
  if (out.length < B * T * T) throw new RangeError(`shiftedContext: ${B}×${T}×${T} indices exceed the buffer's ${out.length}`);
  const x = X.data.view, o = out.view;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const base = (b * T + t) * T;
      for (let k = 0; k < T; k++) o[base + k] = k <= t ? x[b * T + t - k] : blank; // (B,T,T)
    }
  }
  if (prev !== null && prev.data === out && prev.shape[0] === B && prev.shape[1] === T) return prev;
  return { data: out, shape: [B, T, T] };
}
