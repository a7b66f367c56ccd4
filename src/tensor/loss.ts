// Softmax, log-softmax and the fused cross-entropy loss: torch.softmax, torch.log_softmax,
// F.cross_entropy with mean reduction and ignore_index
// (https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html).
// softmax and logSoftmax are composed from primitives (the max they subtract for stability is detached, so
// it carries no gradient). crossEntropy is one primitive, fused as in the lectures: its forward is
// numerically stable (logsumexp with the row max subtracted, in float64) and its backward is
// (softmax(logits) - onehot(Y)) / N.
// Letters: N rows of a batch, C classes.
import { record } from './autograd.ts';
import { formatShape, normalizeDim } from './broadcast.ts';
import { allocate, isFloat } from './dtype.ts';
import { div, sub } from './elementwise.ts';
import { ShapeError, TensorError } from './errors.ts';
import type { Rules } from './ops.ts';
import { maxDim, sum } from './reduce.ts';
import { Tensor } from './tensor.ts';
import { exp, log } from './unary.ts';

/** exp(x - max) / sum(exp(x - max)) along `dim`. */
export function softmax(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'softmax');
  const m = maxDim(x, d, { keepdim: true }).values.detach(); // stability only: no gradient through the max
  const e = exp(sub(x, m));
  return div(e, sum(e, d, { keepdim: true }));
}

/** (x - max) - log(sum(exp(x - max))) along `dim`. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'logSoftmax');
  const m = maxDim(x, d, { keepdim: true }).values.detach();
  const z = sub(x, m);
  return sub(z, log(sum(exp(z), d, { keepdim: true })));
}

export interface CrossEntropyOptions {
  /** Targets equal to this are skipped, and the mean is over the others (makemore.py: -1; F.cross_entropy's ignore_index). */
  ignoreIndex?: number;
}

/**
 * Mean over the batch of -log softmax(logits)[i, targets[i]]; logits (N, C) float, targets (N) int32. With
 * ignoreIndex, rows whose target is it count for nothing and the mean is over the rest (NaN if none is left,
 * as PyTorch's 0/0).
 */
export function crossEntropy(logits: Tensor, targets: Tensor, { ignoreIndex }: CrossEntropyOptions = {}): Tensor {
  if (!isFloat(logits.dtype)) throw new TensorError(`crossEntropy: logits must be floating point (got ${logits.dtype})`);
  if (targets.dtype !== 'int32') throw new TensorError(`crossEntropy: targets must be int32 (got ${targets.dtype})`);
  if (logits.ndim !== 2 || targets.ndim !== 1) {
    throw new ShapeError(
      `crossEntropy: expected logits (N, C) and targets (N), got ${formatShape(logits.shape)} and ${formatShape(targets.shape)}`,
    );
  }
  const [N, C] = logits.shape;
  if (targets.shape[0] !== N) {
    throw new ShapeError(`crossEntropy: Expected input batch_size (${N}) to match target batch_size (${targets.shape[0]})`);
  }
  const X = logits.data;
  const probs = new Float64Array(N * C);
  let total = 0;
  let count = 0;
  for (let i = 0; i < N; i++) {
    const y = targets.data[i];
    if (y === ignoreIndex) continue;
    if (y < 0 || y >= C) throw new TensorError(`crossEntropy: Target ${y} is out of bounds (${C} classes)`);
    let m = -Infinity;
    for (let j = 0; j < C; j++) m = Math.max(m, X[i * C + j]);
    let s = 0;
    for (let j = 0; j < C; j++) s += (probs[i * C + j] = Math.exp(X[i * C + j] - m));
    for (let j = 0; j < C; j++) probs[i * C + j] /= s;
    total += m + Math.log(s) - X[i * C + y]; // logsumexp - logit of the target
    count++;
  }
  const out = allocate(logits.dtype, 1);
  out[0] = total / count;
  const params = { probs, targets: targets.data.slice() as Int32Array, ignoreIndex: ignoreIndex ?? null, count };
  return record(new Tensor(out, []), 'crossEntropy', [logits], params);
}

export const lossRules: Pick<Rules, 'crossEntropy'> = {
  // L = mean_i (logsumexp(x_i) - x_i[y_i])  =>  dL/dx[i, j] = (softmax(x_i)[j] - [j = y_i]) / N
  // (N counts the rows not ignored; an ignored row gets 0)
  crossEntropy: (g, { inputs: [logits], params: { probs, targets, ignoreIndex, count } }) => {
    const [N, C] = logits.shape;
    const scale = g.data[0] / count;
    const dx = allocate(logits.dtype, N * C);
    for (let i = 0; i < N; i++) {
      if (targets[i] === ignoreIndex) continue;
      for (let j = 0; j < C; j++) dx[i * C + j] = (probs[i * C + j] - (j === targets[i] ? 1 : 0)) * scale;
    }
    return [new Tensor(dx, logits.shape)];
  },
};
