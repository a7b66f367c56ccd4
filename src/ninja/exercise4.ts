// Exercise 4 of makemore part 4, "putting it all together": train the MLP with the hand-written backward
// pass, and check it against the same training driven by autograd. Two runs from one seed:
//   - manual:   the fast path — src/nn's layers (whose backward passes are exercises 2 and 3 and the
//               matmul/tanh/scatter-add steps of exercise 1) in src/models/lecture.ts, driven by the Trainer;
//   - autograd: the engine (src/tensor/) on a copy of the same parameters, the lecture's compact forward
//               pass (bnmean, bnvar with Bessel's correction, F.cross_entropy as log-softmax + pick + mean,
//               all composed from the engine's primitives) and loss.backward().
// Both draw C, W1, b1, W2, b2, bngain, bnbias and then each step's minibatch from one Generator per run,
// and update with the same float32 SGD (p += fl32(−lr)·grad), so their losses agree step for step within
// float32 noise.
// Letters: n batch, T block size, E n_embd, H n_hidden, V vocabulary.

import type { Dataset } from "../data/dataset.ts";
import { ConfigError } from "../errors.ts";
import type { Kernels } from "../kernels/index.ts";
import { LectureMLP } from "../models/lecture.ts";
import { modelConfig, initModel } from "../models/registry.ts";
import { createOptimizer } from "../train/optimizer.ts";
import { Generator } from "../random/generator.ts";
import { learningRate, stepSchedule, type StepSchedule } from "../train/schedule.ts";
import { Trainer } from "../train/trainer.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { drawBatch, initNinja, PARAM_NAMES, type NinjaParams } from "./forward.ts";

export interface Exercise4Options {
  /** The training split the minibatches are drawn from. */
  train: Dataset;
  /** V. */
  vocabSize: number;
  /** Seed of each run's Generator (the lectures: 2147483647). */
  seed: number;
  /** H (exercise 4: 200). */
  nHidden: number;
  /** E (the lectures: 10). */
  nEmbd?: number;
  steps: number;
  /** n (the lectures: 32). */
  batchSize: number;
  /** Default: the lectures' 0.1, then 0.01 from step 100000. */
  schedule?: StepSchedule;
}

/** The manual run: the lecture preset on the fast path, trained by the Trainer; the loss of every step. */
export function trainManual(kernels: Kernels, o: Exercise4Options): Float32Array {
  const g = new Generator(o.seed);
  const config = modelConfig("lecture", { vocabSize: o.vocabSize }, { nHidden: o.nHidden, nEmbd: o.nEmbd ?? 10, blockSize: o.train.blockSize });
  const model = new LectureMLP(config as never, kernels, o.batchSize);
  initModel(model, g);
  const trainer = new Trainer(model, o.train, g, createOptimizer({ type: "sgd" }, model.parameters(), kernels), {
    steps: o.steps,
    batchSize: o.batchSize,
    schedule: o.schedule ?? stepSchedule(0.1, 100000),
  });
  trainer.run();
  return trainer.losses;
}

/** The autograd run: the same init and minibatches, gradients from loss.backward(); the loss of every step. */
export function trainAutograd(o: Exercise4Options): Float32Array {
  if (!Number.isInteger(o.steps) || o.steps < 0) throw new ConfigError(`steps must be a non-negative integer (got ${o.steps})`);
  const g = new Generator(o.seed);
  const dims = { vocabSize: o.vocabSize, blockSize: o.train.blockSize, nEmbd: o.nEmbd ?? 10, nHidden: o.nHidden };
  const p = initNinja(g, dims);
  for (const k of PARAM_NAMES) p[k].requiresGrad = true;
  const schedule = o.schedule ?? stepSchedule(0.1, 100000);
  const losses = new Float32Array(o.steps);
  for (let i = 0; i < o.steps; i++) {
    const { Xb, Yb } = drawBatch(g, o.train, o.batchSize); // minibatch construct
    const loss = compactForward(p, Xb, Yb);
    for (const k of PARAM_NAMES) p[k].grad = null;
    loss.backward();
    sgd(p, learningRate(schedule, i)); // p.data += -lr * p.grad
    losses[i] = loss.item();
  }
  return losses;
}

/** Exercise 4's forward pass (no separate bndiff), on the engine.        (n, T) int32, (n) int32 -> () */
function compactForward(p: NinjaParams, Xb: Tensor, Yb: Tensor): Tensor {
  const emb = p.C.index(Xb); //                                  (n, T, E)
  const embcat = emb.view(emb.shape[0], -1); //                  (n, T*E)
  const hprebn = embcat.matmul(p.W1).add(p.b1); //               (n, T*E) @ (T*E, H) + (H) -> (n, H)
  const bnmean = hprebn.mean(0, { keepdim: true }); //           (1, H)
  const bnvar = hprebn.var(0, { keepdim: true, unbiased: true }); // (1, H)
  const bnvar_inv = bnvar.add(1e-5).pow(-0.5); //                (1, H)
  const bnraw = hprebn.sub(bnmean).mul(bnvar_inv); //            (n, H)
  const hpreact = p.bngain.mul(bnraw).add(p.bnbias); //          (n, H)
  const h = hpreact.tanh(); //                                   (n, H)
  const logits = h.matmul(p.W2).add(p.b2); //                    (n, H) @ (H, V) + (V) -> (n, V)
  return logits.logSoftmax(1).pick(Yb).mean().neg(); //          F.cross_entropy(logits, Yb): ()
}

/** p.data += fl32(−lr) · p.grad, each product and sum rounded to float32 (PyTorch's float32 update). */
function sgd(p: NinjaParams, lr: number): void {
  const alpha = Math.fround(-lr);
  for (const k of PARAM_NAMES) {
    const d = p[k].data;
    const g = p[k].grad!.data;
    for (let i = 0; i < d.length; i++) d[i] = d[i] + Math.fround(alpha * g[i]);
  }
}

export interface LossAgreement {
  /** max_i |manual_i − autograd_i|. */
  maxdiff: number;
  /** The step where it is largest. */
  step: number;
  /** max_i |manual_i − autograd_i| / autograd_i. */
  maxRelative: number;
}

/** How closely two loss traces agree. */
export function compareLosses(manual: Float32Array, autograd: Float32Array): LossAgreement {
  if (manual.length !== autograd.length) throw new ConfigError(`loss traces of ${manual.length} and ${autograd.length} steps`);
  let maxdiff = 0;
  let step = 0;
  let maxRelative = 0;
  for (let i = 0; i < manual.length; i++) {
    const d = Math.abs(manual[i] - autograd[i]);
    if (!(d <= maxdiff)) [maxdiff, step] = [d, i];
    maxRelative = Math.max(maxRelative, d / Math.abs(autograd[i]));
  }
  return { maxdiff, step, maxRelative };
}
