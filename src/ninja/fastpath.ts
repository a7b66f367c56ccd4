// The fast path's gradients for the exploded pass's parameters and batch: the lecture MLP built from src/nn's
// layers (src/models/lecture.ts) — the code the Trainer runs — forward, loss, and then its hand-written backward
// one layer at a time, so that the gradient flowing out of every layer can be held against autograd's
// gradient of the same intermediate: CrossEntropyLoss → dlogits (exercise 2), Linear → dh, dW2, db2,
// Tanh → dhpreact, BatchNorm1d → dhprebn, dbngain, dbnbias (exercise 3), Linear → dembcat, dW1, db1,
// FlattenConsecutive → demb, Embedding → dC (the scatter-add). Editing a layer's backward shows up here.
// Letters: n batch, T block size, E n_embd, H n_hidden, V vocabulary.

import type { F32Buf, Kernels } from "../kernels/index.ts";
import { LectureMLP } from "../models/lecture.ts";
import { zeroGrad } from "../models/model.ts";
import { Tensor } from "../tensor/tensor.ts";
import { PARAM_NAMES, type Batch, type GradName, type NinjaParams } from "./forward.ts";

/** The gradients the fast path exposes, in the order its backward produces them. */
export const FAST_PATH_ORDER = [
  "logits", "h", "W2", "b2", "hpreact", "bngain", "bnbias", "hprebn", "embcat", "W1", "b1", "emb", "C",
] as const satisfies readonly GradName[];
export type FastPathName = (typeof FAST_PATH_ORDER)[number];

/** A copy of a buffer's first numel(shape) values. */
function copyOut(buf: F32Buf, shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(buf.view.slice(0, n), shape);
}

/** The fast path's loss and gradients for `params` and `batch`, on `kernels` (its buffers are freed after). */
export interface FastPath {
  loss: number;
  /** The layers' outputs (parameters for the parameters), for comparison with a reference's values. */
  values: Record<FastPathName, Tensor>;
  grads: Record<FastPathName, Tensor>;
}

/** The fast path's loss, values and gradients for `params` and `batch`, on `kernels` (its buffers are freed after). */
export function fastPath(params: NinjaParams, { Xb, Yb }: Batch, kernels: Kernels): FastPath {
  const [V, E] = params.C.shape;
  const [n, T] = Xb.shape;
  const H = params.W1.shape[1];
  const arena = kernels.arena;
  const mark = arena.mark();
  try {
    const model = new LectureMLP(
      { type: "lecture", vocabSize: V, blockSize: T, nEmbd: E, nHidden: H, batchNorm: true, bnMomentum: 0.001, bnUnbiased: true, init: "lecture" },
      kernels,
      n,
    );
    for (const k of PARAM_NAMES) model.parameter(k).data.view.set(params[k].data);
    model.train(true);
    model.forward({ data: arena.i32From(Xb.data), shape: [n, T] }); //      (n, T) -> (n, V)
    const loss = model.loss(Yb.data as Int32Array);
    zeroGrad(model);
    const bn = model.bn!;
    const rec = (layer: Parameters<typeof model.recordOf>[0]) => model.recordOf(layer) as never;
    const zeros = (size: number): F32Buf => arena.f32(size); // each layer adds into a zeroed input gradient
    const dlogits = model.lossFn.backward(); //                          (n, V)
    const dh = zeros(n * H);
    model.output.backward(rec(model.output), dlogits, dh); //           (n, V) -> (n, H)
    const dhpreact = zeros(n * H);
    model.tanh.backward(rec(model.tanh), dh, dhpreact); //               (n, H)
    const dhprebn = zeros(n * H);
    bn.backward(rec(bn), dhpreact, dhprebn); //                          (n, H)
    const dembcat = zeros(n * T * E);
    model.hidden.backward(rec(model.hidden), dhprebn, dembcat); //       (n, H) -> (n, T*E)
    const demb = dembcat; //                                             (n, T*E) -> (n, T, E): a view, the same buffer
    model.embedding.backward(model.embRec, demb); //                     scatter-add into dC (V, E)
    const grads = {
      logits: copyOut(dlogits, [n, V]),
      h: copyOut(dh, [n, H]),
      hpreact: copyOut(dhpreact, [n, H]),
      hprebn: copyOut(dhprebn, [n, H]),
      embcat: copyOut(dembcat, [n, T * E]),
      emb: copyOut(demb, [n, T, E]),
    } as Record<FastPathName, Tensor>;
    for (const k of PARAM_NAMES) grads[k] = copyOut(model.parameter(k).grad, params[k].shape);
    const out = (a: { data: F32Buf; shape: readonly number[] } | null): Tensor => copyOut(a!.data, a!.shape);
    const outOf = (layer: Parameters<typeof model.recordOf>[0]) => model.recordOf(layer).out;
    const values = {
      ...params,
      logits: out(outOf(model.output)),
      h: out(outOf(model.tanh)),
      hpreact: out(outOf(bn)),
      hprebn: out(outOf(model.hidden)),
      embcat: out(outOf(model.flatten)),
      emb: out(model.embRec.out),
    };
    return { loss, values, grads };
  } finally {
    arena.release(mark);
  }
}
