// Exercise 1 of makemore part 4: "backprop through the whole thing manually" — the hand-derived gradient of
// every intermediate and parameter of the exploded forward pass (forward.ts), one step at a time, in the
// lecture's order, each the local derivative of one forward line times the gradient flowing into it, and
// a sum over every dimension that the forward line broadcast (a broadcast in the forward pass is a sum in
// the backward pass; a sum in the forward pass is a broadcast — a copy — in the backward pass).
//
// Everything runs on the engine's tensors with recording off (noGrad): plain float32 arithmetic, no graph.
// Letters: n batch, T block size, E n_embd, H n_hidden, V vocabulary.

import { noGrad } from "../tensor/autograd.ts";
import { onesLike, zerosLike } from "../tensor/create.ts";
import { oneHot } from "../tensor/indexing.ts";
import { Tensor } from "../tensor/tensor.ts";
import type { ExplodedPass, GradName } from "./forward.ts";

/** The hand-derived gradients, keyed by the name of the tensor they are the gradient of. */
export type ManualGrads = Record<GradName, Tensor>;

/** Exercise 1: every gradient of `pass`, derived by hand (reads only the forward values, never .grad). */
export function manualBackward(pass: ExplodedPass): ManualGrads {
  return noGrad(() => {
    const { n, Xb, Yb } = pass;
    const { C, W1, W2, bngain } = detachAll(pass.params);
    const { emb, embcat, hprebn, bndiff, bndiff2, bnvar, bnvar_inv, bnraw, h, logits, counts, counts_sum,
      counts_sum_inv, probs, logprobs } = detachAll(pass.t);

    // loss = -logprobs[range(n), Yb].mean() = -(1/n) Σ_i logprobs[i, Yb[i]]: each picked entry gets -1/n,
    // every other entry of logprobs does not reach the loss and gets 0.                          (n, V)
    const dlogprobs = zerosLike(logprobs);
    for (let i = 0; i < n; i++) dlogprobs.data[i * logprobs.shape[1] + Yb.data[i]] = -1.0 / n; // dlogprobs[range(n), Yb] = -1/n

    // logprobs = probs.log():  d log(x)/dx = 1/x                                                  (n, V)
    const dprobs = dlogprobs.div(probs);

    // probs = counts * counts_sum_inv, (n, V) * (n, 1): counts_sum_inv was broadcast along V, so its
    // gradient is the local derivative (counts) times dprobs, summed back over dim 1.            (n, 1)
    const dcounts_sum_inv = counts.mul(dprobs).sum(1, { keepdim: true });
    // ... and counts' first branch: the local derivative is counts_sum_inv (broadcast, no sum).   (n, V)
    let dcounts = counts_sum_inv.mul(dprobs);

    // counts_sum_inv = counts_sum**-1:  d x^-1/dx = -x^-2                                          (n, 1)
    const dcounts_sum = counts_sum.pow(-2).neg().mul(dcounts_sum_inv);

    // counts_sum = counts.sum(1, keepdim=True): a sum forward is a broadcast backward — every count of a
    // row receives the row's dcounts_sum (counts' second branch, added to the first).           (n, V)
    dcounts = dcounts.add(onesLike(counts).mul(dcounts_sum));

    // counts = norm_logits.exp():  d exp(x)/dx = exp(x), which is counts itself                   (n, V)
    const dnorm_logits = counts.mul(dcounts);

    // norm_logits = logits - logit_maxes, (n, V) - (n, 1): logits' first branch is a copy (local
    // derivative 1); logit_maxes was broadcast along V, so it gets -Σ_j over the row.             (n, 1)
    let dlogits = dnorm_logits.clone();
    const dlogit_maxes = dnorm_logits.neg().sum(1, { keepdim: true });

    // logit_maxes = logits.max(1, keepdim=True).values: the max routes its gradient to the one position
    // that won (one-hot of the argmax, the first on ties, like PyTorch); every other logit gets 0.
    // (dlogit_maxes is ~0: the max does not change the loss, it was only there for numerical stability.)
    const argmax = logits.max(1).indices; //                                                    (n)
    dlogits = dlogits.add(oneHot(argmax, logits.shape[1]).mul(dlogit_maxes)); //                 (n, V) * (n, 1)

    // logits = h @ W2 + b2, (n, H) @ (H, V) + (V): the matmul's backward is a matmul with the other
    // operand transposed (the only arrangement whose shapes work); b2 was broadcast over the rows.
    const dh = dlogits.matmul(W2.T); //     (n, V) @ (V, H) -> (n, H)
    const dW2 = h.T.matmul(dlogits); //     (H, n) @ (n, V) -> (H, V)
    const db2 = dlogits.sum(0); //          (n, V) -> (V)

    // h = tanh(hpreact):  d tanh(x)/dx = 1 - tanh(x)^2 = 1 - h^2                                  (n, H)
    const dhpreact = onesLike(h).sub(h.pow(2)).mul(dh);

    // hpreact = bngain * bnraw + bnbias, (1, H) * (n, H) + (1, H): bngain and bnbias were broadcast over
    // the rows, so their gradients are summed over dim 0; bnraw's local derivative is bngain.
    const dbngain = bnraw.mul(dhpreact).sum(0, { keepdim: true }); //  (1, H)
    const dbnraw = bngain.mul(dhpreact); //                            (n, H)
    const dbnbias = dhpreact.sum(0, { keepdim: true }); //             (1, H)

    // bnraw = bndiff * bnvar_inv, (n, H) * (1, H): bnvar_inv was broadcast over the rows (sum over dim 0);
    // bndiff's first branch has local derivative bnvar_inv.
    const dbnvar_inv = bndiff.mul(dbnraw).sum(0, { keepdim: true }); // (1, H)
    let dbndiff = bnvar_inv.mul(dbnraw); //                             (n, H)

    // bnvar_inv = (bnvar + 1e-5)**-0.5:  d (x + eps)^-0.5/dx = -0.5 (x + eps)^-1.5                (1, H)
    const dbnvar = bnvar.add(1e-5).pow(-1.5).mul(-0.5).mul(dbnvar_inv);

    // bnvar = 1/(n-1) * bndiff2.sum(0, keepdim=True): Bessel's correction, n-1 not n; the sum forward is a
    // broadcast backward: every row of bndiff2 gets dbnvar / (n-1).                               (n, H)
    const dbndiff2 = onesLike(bndiff2).mul(1.0 / (n - 1)).mul(dbnvar);

    // bndiff2 = bndiff**2:  d x^2/dx = 2x — bndiff's second branch, added to the first.          (n, H)
    dbndiff = dbndiff.add(bndiff.mul(2).mul(dbndiff2));

    // bndiff = hprebn - bnmeani, (n, H) - (1, H): hprebn's first branch is a copy; bnmeani was broadcast
    // over the rows, so it gets -Σ over dim 0.
    let dhprebn = dbndiff.clone(); //                                (n, H)
    const dbnmeani = dbndiff.neg().sum(0, { keepdim: true }); //      (1, H)

    // bnmeani = 1/n * hprebn.sum(0, keepdim=True): every row of hprebn gets dbnmeani / n (second branch).
    dhprebn = dhprebn.add(onesLike(hprebn).mul(1.0 / n).mul(dbnmeani)); // (n, H)

    // hprebn = embcat @ W1 + b1, (n, T*E) @ (T*E, H) + (H): as for layer 2.
    const dembcat = dhprebn.matmul(W1.T); //  (n, H) @ (H, T*E) -> (n, T*E)
    const dW1 = embcat.T.matmul(dhprebn); //  (T*E, n) @ (n, H) -> (T*E, H)
    const db1 = dhprebn.sum(0); //            (n, H) -> (H)

    // embcat = emb.view(n, -1): a view only relabels the elements, so the gradient is relabelled back.
    const demb = dembcat.view(emb.shape); //  (n, T*E) -> (n, T, E)

    // emb = C[Xb]: each of the n*T lookups copied a row of C, so each row of demb is added into the row
    // of C it came from — a scatter-add, and a character used several times collects every contribution.
    const dC = zerosLike(C); //                                      (V, E)
    const E = C.shape[1];
    for (let k = 0; k < Xb.numel; k++) {
      const ix = Xb.data[k]; // Xb[k // T, k % T]
      for (let e = 0; e < E; e++) dC.data[ix * E + e] = Math.fround(dC.data[ix * E + e] + demb.data[k * E + e]); // dC[ix] += demb[k, j]
    }

    return {
      logprobs: dlogprobs, probs: dprobs, counts_sum_inv: dcounts_sum_inv, counts_sum: dcounts_sum, counts: dcounts,
      norm_logits: dnorm_logits, logit_maxes: dlogit_maxes, logits: dlogits, h: dh, W2: dW2, b2: db2,
      hpreact: dhpreact, bngain: dbngain, bnbias: dbnbias, bnraw: dbnraw, bnvar_inv: dbnvar_inv, bnvar: dbnvar,
      bndiff2: dbndiff2, bndiff: dbndiff, bnmeani: dbnmeani, hprebn: dhprebn, embcat: dembcat, W1: dW1, b1: db1,
      emb: demb, C: dC,
    };
  });
}

/** The same tensors outside the graph (so nothing here can reach autograd's .grad). */
function detachAll<K extends string>(ts: Record<K, Tensor>): Record<K, Tensor> {
  return Object.fromEntries(Object.entries<Tensor>(ts).map(([k, v]) => [k, v.detach()])) as Record<K, Tensor>;
}
