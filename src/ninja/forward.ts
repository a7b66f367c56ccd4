// The exploded forward pass of makemore part 4 ("becoming a backprop ninja"): the MLP of
// Bengio et al. 2003 with BatchNorm (Ioffe & Szegedy 2015) and the cross-entropy loss, "chunkated into
// smaller steps that are possible to backward one at a time", built with the autograd engine
// (src/tensor/) so that every intermediate keeps its gradient (retain_grad) for cmp.
//
// The init is makemore part 4's, every draw from one Generator in this order — C, W1·(5/3)/√(T·E), b1·0.1,
// W2·0.1, b2·0.1, bngain = 1 + 0.1·randn, bnbias = 0.1·randn — then the minibatch
// `randint(0, ntrain, (n,))` (shared/reference/make/torch_ninja_ref.py). The small non-zero biases are
// deliberate: "initializing with e.g. all zeros could mask an incorrect implementation of the backward".
//
// Letters: n batch (the lectures' n = batch_size), T block size, E n_embd, H n_hidden, V vocabulary.

import type { Dataset } from "../data/dataset.ts";
import { ConfigError } from "../errors.ts";
import type { Generator } from "../random/generator.ts";
import { randint, randn } from "../tensor/random.ts";
import { Tensor } from "../tensor/tensor.ts";

/** The parameters, in the lectures' order. */
export const PARAM_NAMES = ["C", "W1", "b1", "W2", "b2", "bngain", "bnbias"] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
export type NinjaParams = Record<ParamName, Tensor>;

/** The intermediates of the forward pass, in the order the forward computes them. */
export const INTERMEDIATE_NAMES = [
  "emb", "embcat", "hprebn", "bnmeani", "bndiff", "bndiff2", "bnvar", "bnvar_inv", "bnraw", "hpreact", "h",
  "logits", "logit_maxes", "norm_logits", "counts", "counts_sum", "counts_sum_inv", "probs", "logprobs",
] as const;
export type IntermediateName = (typeof INTERMEDIATE_NAMES)[number];

/** Every tensor whose gradient exercise 1 derives, in makemore part 4's order (backward, from the loss). */
export const GRAD_ORDER = [
  "logprobs", "probs", "counts_sum_inv", "counts_sum", "counts", "norm_logits", "logit_maxes", "logits", "h",
  "W2", "b2", "hpreact", "bngain", "bnbias", "bnraw", "bnvar_inv", "bnvar", "bndiff2", "bndiff", "bnmeani",
  "hprebn", "embcat", "W1", "b1", "emb", "C",
] as const;
export type GradName = (typeof GRAD_ORDER)[number];

/**
 * The smallest batch gradcheck takes. Over few rows BatchNorm's backward is ill-conditioned — with 2 rows
 * bnraw is ±1/√2 whatever hprebn is, so dhprebn is pure rounding noise; with 3 or 4 it is often a small
 * difference of large terms — and float32 cannot resolve it to allclose's 1e-8 (exercise 3, the fast path).
 * From 8 rows on it can (checked over 30 seeds × n_hidden 3, 7, 64, 200); the lectures use 32.
 */
export const MIN_BATCH = 8;

export interface NinjaDims {
  /** V: tokens, the boundary included (27 for names.txt). */
  vocabSize: number;
  /** T: characters of context (3). */
  blockSize: number;
  /** E: embedding width (10). */
  nEmbd: number;
  /** H: hidden neurons (makemore part 4: 64). */
  nHidden: number;
}

/** The lectures' dimensions for a vocabulary of `vocabSize` and `nHidden` hidden neurons. */
export function ninjaDims(vocabSize: number, nHidden = 64): NinjaDims {
  return { vocabSize, blockSize: 3, nEmbd: 10, nHidden };
}

/** makemore part 4's init, drawn from `g` (float32, as PyTorch: each scalar rounded to float32, each op rounded). */
export function initNinja(g: Generator, dims: NinjaDims): NinjaParams {
  const { vocabSize: V, blockSize: T, nEmbd: E, nHidden: H } = dims;
  for (const [k, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`${k} must be a positive integer (got ${v})`);
  }
  const gen = { generator: g };
  const C = randn([V, E], gen); //                                     (V, E)
  const W1 = randn([T * E, H], gen).mul(5 / 3).div((T * E) ** 0.5); //  (T*E, H): two float32 ops, as PyTorch
  const b1 = randn(H, gen).mul(0.1); //                                (H) "using b1 just for fun, it's useless because of BN"
  const W2 = randn([H, V], gen).mul(0.1); //                           (H, V)
  const b2 = randn(V, gen).mul(0.1); //                                (V)
  const bngain = randn([1, H], gen).mul(0.1).add(1.0); //              (1, H)
  const bnbias = randn([1, H], gen).mul(0.1); //                       (1, H)
  return { C, W1, b1, W2, b2, bngain, bnbias };
}

export interface Batch {
  /** (n, T) int32 contexts. */
  Xb: Tensor;
  /** (n) int32 targets. */
  Yb: Tensor;
}

/** `ix = torch.randint(0, Xtr.shape[0], (n,), generator=g); Xb, Yb = Xtr[ix], Ytr[ix]`. */
export function drawBatch(g: Generator, train: Dataset, batchSize: number): Batch {
  if (!Number.isInteger(batchSize) || batchSize < 2) {
    throw new ConfigError(`batch size must be an integer >= 2 (BatchNorm's Bessel correction divides by n-1; got ${batchSize})`);
  }
  if (train.size === 0) throw new ConfigError("the training split has no examples");
  const T = train.blockSize;
  const ix = randint(0, train.size, [batchSize], { generator: g }).data; // (n)
  const X = new Int32Array(batchSize * T);
  const Y = new Int32Array(batchSize);
  for (let b = 0; b < batchSize; b++) {
    X.set(train.X.subarray(ix[b] * T, ix[b] * T + T), b * T); // Xtr[ix]
    Y[b] = train.Y[ix[b]]; //                                     Ytr[ix]
  }
  return { Xb: new Tensor(X, [batchSize, T]), Yb: new Tensor(Y, [batchSize]) };
}

/** The forward pass, every step kept: the graph's leaves (parameters) and each intermediate. */
export interface ExplodedPass {
  /** Leaves that require grad (copies of the parameters given): their .grad after loss.backward(). */
  params: NinjaParams;
  /** Each intermediate, retaining its gradient. */
  t: Record<IntermediateName, Tensor>;
  /** The scalar loss (call loss.backward() for autograd's gradients). */
  loss: Tensor;
  Xb: Tensor;
  Yb: Tensor;
  /** The batch size. */
  n: number;
}

/** The lecture's forward pass, line for line, on copies of `params` (so the caller's stay untouched). */
export function explodedForward(params: NinjaParams, Xb: Tensor, Yb: Tensor): ExplodedPass {
  const p = Object.fromEntries(PARAM_NAMES.map((k) => [k, params[k].clone()])) as NinjaParams;
  for (const k of PARAM_NAMES) p[k].requiresGrad = true;
  const { C, W1, b1, W2, b2, bngain, bnbias } = p;
  const n = Xb.shape[0];

  // embed the characters into vectors
  const emb = C.index(Xb); //                                     (V, E)[(n, T)] -> (n, T, E)
  const embcat = emb.view(emb.shape[0], -1); //                   concatenate the vectors: (n, T*E)
  // Linear layer 1
  const hprebn = embcat.matmul(W1).add(b1); //                    (n, T*E) @ (T*E, H) + (H) -> (n, H)
  // BatchNorm layer
  const bnmeani = hprebn.sum(0, { keepdim: true }).mul(1 / n); // 1/n*hprebn.sum(0, keepdim=True): (1, H)
  const bndiff = hprebn.sub(bnmeani); //                          (n, H) - (1, H) -> (n, H)
  const bndiff2 = bndiff.pow(2); //                               (n, H)
  const bnvar = bndiff2.sum(0, { keepdim: true }).mul(1 / (n - 1)); // Bessel's correction (n-1, not n): (1, H)
  const bnvar_inv = bnvar.add(1e-5).pow(-0.5); //                 (1, H)
  const bnraw = bndiff.mul(bnvar_inv); //                         (n, H) * (1, H) -> (n, H)
  const hpreact = bngain.mul(bnraw).add(bnbias); //               (1, H) * (n, H) + (1, H) -> (n, H)
  // Non-linearity
  const h = hpreact.tanh(); //                                    (n, H)
  // Linear layer 2
  const logits = h.matmul(W2).add(b2); //                         (n, H) @ (H, V) + (V) -> (n, V)
  // cross entropy loss (same as F.cross_entropy(logits, Yb))
  const logit_maxes = logits.max(1, { keepdim: true }).values; // (n, 1)
  const norm_logits = logits.sub(logit_maxes); //                 subtract max for numerical stability: (n, V)
  const counts = norm_logits.exp(); //                            (n, V)
  const counts_sum = counts.sum(1, { keepdim: true }); //         (n, 1)
  const counts_sum_inv = counts_sum.pow(-1); //                   (n, 1) "if I use (1.0 / counts_sum) instead then I can't get backprop to be bit exact"
  const probs = counts.mul(counts_sum_inv); //                    (n, V) * (n, 1) -> (n, V)
  const logprobs = probs.log(); //                                (n, V)
  const loss = logprobs.pick(Yb).mean().neg(); //                 -logprobs[range(n), Yb].mean(): ()

  const t = {
    emb, embcat, hprebn, bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, bnraw, hpreact, h, logits, logit_maxes,
    norm_logits, counts, counts_sum, counts_sum_inv, probs, logprobs,
  };
  for (const x of Object.values(t)) x.retainGrad();
  return { params: p, t, loss, Xb, Yb, n };
}

/** The value of a gradient-checked tensor: an intermediate or a parameter. */
export function valueOf(pass: ExplodedPass, name: GradName): Tensor {
  return (PARAM_NAMES as readonly string[]).includes(name) ? pass.params[name as ParamName] : pass.t[name as IntermediateName];
}

/** What autograd computed for it (after pass.loss.backward()). */
export function autogradOf(pass: ExplodedPass, name: GradName): Tensor | null {
  return valueOf(pass, name).grad;
}
