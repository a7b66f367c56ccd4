// A reference file for gradcheck: what a PyTorch notebook computed for one minibatch of the exploded forward
// pass, written as safetensors (the layout of shared/reference/ninja-2147483647-h64.safetensors, made by
// shared/reference/make/torch_ninja_ref.py):
//   parameters  C (V,E)  W1 (T*E,H)  b1 (H)  W2 (H,V)  b2 (V)  bngain (1,H)  bnbias (1,H)      float32
//   the batch   Xb (n,T)  Yb (n)                                                           int32 or int64
//   for every intermediate x of the forward pass (emb, embcat, hprebn, …, logprobs): x and its gradient
//   dx, same shape, float32; for every parameter p its gradient dp.
// The dimensions come from the shapes: V and E from C, n and T from Xb, H from W1. Anything missing,
// of another shape or dtype, or an index outside the vocabulary is a CheckpointError naming the file.
// Letters: n batch, T block size, E n_embd, H n_hidden, V vocabulary.

import { CheckpointError } from "../errors.ts";
import type { TensorRecord } from "../tensor/safetensors.ts";
import { tensorFromRecord } from "../tensor/safetensors-tensor.ts";
import type { Tensor } from "../tensor/tensor.ts";
import {
  GRAD_ORDER, INTERMEDIATE_NAMES, MIN_BATCH, PARAM_NAMES, type GradName, type IntermediateName, type NinjaDims,
  type NinjaParams,
} from "./forward.ts";

export interface NinjaReference {
  /** The file, for messages. */
  file: string;
  dims: NinjaDims;
  /** n, the batch size. */
  n: number;
  params: NinjaParams;
  /** (n, T) int32 */
  Xb: Tensor;
  /** (n) int32 */
  Yb: Tensor;
  /** PyTorch's value of every intermediate. */
  values: Record<IntermediateName, Tensor>;
  /** PyTorch's gradient of every intermediate and parameter (the file's d<name>). */
  grads: Record<GradName, Tensor>;
  metadata: Record<string, string>;
}

/** The shape every tensor of a reference file must have, given its dimensions. */
export function referenceShapes(d: NinjaDims, n: number): Record<string, number[]> {
  const { vocabSize: V, blockSize: T, nEmbd: E, nHidden: H } = d;
  const s: Record<string, number[]> = {
    C: [V, E], W1: [T * E, H], b1: [H], W2: [H, V], b2: [V], bngain: [1, H], bnbias: [1, H],
    Xb: [n, T], Yb: [n],
    emb: [n, T, E], embcat: [n, T * E], hprebn: [n, H], bnmeani: [1, H], bndiff: [n, H], bndiff2: [n, H],
    bnvar: [1, H], bnvar_inv: [1, H], bnraw: [n, H], hpreact: [n, H], h: [n, H], logits: [n, V],
    logit_maxes: [n, 1], norm_logits: [n, V], counts: [n, V], counts_sum: [n, 1], counts_sum_inv: [n, 1],
    probs: [n, V], logprobs: [n, V],
  };
  for (const name of GRAD_ORDER) s[`d${name}`] = s[name];
  return s;
}

const fmt = (shape: readonly number[]): string => `[${shape.join(", ")}]`;

/** Checks a reference file's parsed records (see the file header for its layout); src/node/ reads the file. */
export function ninjaReferenceFromRecords(
  records: Record<string, TensorRecord>,
  file: string,
  metadata: Record<string, string> = {},
): NinjaReference {
  const fail = (what: string): never => {
    throw new CheckpointError(`not a gradcheck reference file: ${what}`, file);
  };
  const get = (name: string, rank: number): TensorRecord => {
    const r = Object.prototype.hasOwnProperty.call(records, name) ? records[name] : undefined;
    if (r === undefined) {
      return fail(
        `missing tensor '${name}' (a reference holds C, W1, b1, W2, b2, bngain, bnbias, Xb, Yb, every ` +
          "intermediate of the forward pass and, for each of these but Xb and Yb, its gradient d<name>)",
      );
    }
    if (r.shape.length !== rank) fail(`tensor '${name}' has shape ${fmt(r.shape)}, expected ${rank} dimensions`);
    return r;
  };
  // the dimensions, from the shapes of C (V, E), Xb (n, T) and W1 (T*E, H)
  const [V, E] = get("C", 2).shape;
  const [n, T] = get("Xb", 2).shape;
  const H = get("W1", 2).shape[1];
  const dims: NinjaDims = { vocabSize: V, blockSize: T, nEmbd: E, nHidden: H };
  const from = `from C ${fmt([V, E])}, Xb ${fmt([n, T])}, W1 [*, ${H}]`;
  if (V < 1 || E < 1 || T < 1 || H < 1) fail(`empty dimensions (${from})`);
  if (n < MIN_BATCH) {
    fail(`the batch Xb has ${n} row${n === 1 ? "" : "s"}: gradcheck needs at least ${MIN_BATCH} (over fewer rows BatchNorm's backward is ill-conditioned)`);
  }

  const shapes = referenceShapes(dims, n);
  const tensors: Record<string, Tensor> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const r = get(name, shape.length);
    if (!r.shape.every((d, i) => d === shape[i])) fail(`tensor '${name}' has shape ${fmt(r.shape)}, expected ${fmt(shape)} (${from})`);
    const isIndex = name === "Xb" || name === "Yb";
    if (isIndex ? r.dtype !== "I32" && r.dtype !== "I64" : r.dtype !== "F32") {
      fail(`tensor '${name}' is ${r.dtype}, expected ${isIndex ? "I32 or I64" : "F32"}`);
    }
    tensors[name] = tensorFromRecord(r, name);
  }
  for (const name of ["Xb", "Yb"]) {
    for (const v of tensors[name].data) {
      if (!(v >= 0 && v < V)) fail(`${name} holds ${v}, outside the vocabulary of ${V} tokens (C has ${V} rows)`);
    }
  }
  const pick = <K extends string>(names: readonly K[], prefix = ""): Record<K, Tensor> =>
    Object.fromEntries(names.map((k) => [k, tensors[prefix + k]])) as Record<K, Tensor>;
  return {
    file,
    dims,
    n,
    params: pick(PARAM_NAMES),
    Xb: tensors.Xb,
    Yb: tensors.Yb,
    values: pick(INTERMEDIATE_NAMES),
    grads: pick(GRAD_ORDER, "d"),
    metadata,
  };
}
