// Cross-entropy of logits against target indices, fused and numerically stable, mean over rows —
// F.cross_entropy(logits, Y, ignore_index=-1): a row whose target is -1 (makemore.py's padding after
// the end of a word) adds no loss and gets no gradient, and the mean is over the other rows. The backward is makemore part 4's exercise 2: dlogits = (softmax − one_hot) / n.
// Both come from one kernel call in forward (Kernels.crossEntropy: logsumexp per row, the mean in
// float64, dlogits written beside it); backward returns the gradient the forward already wrote.
//
// Letters: R rows, V classes (the vocabulary).
//   forward:   loss = mean_{r: Y[r] ≠ -1} [ logsumexp(logits[r]) − logits[r, Y[r]] ]   // (R,V), (R) -> ()
//   backward:  dlogits[r] = (softmax(logits[r]) − one_hot(Y[r])) / n,  0 where Y[r] = -1  // (R,V)
// (n: the rows not ignored).

import { KernelIndexError, type F32Buf, type I32Buf, type Kernels } from "../kernels/index.ts";
import { ConfigError } from "../errors.ts";
import { rowsOf, type Act } from "./layer.ts";

export class CrossEntropyLoss {
  private readonly dlogits: F32Buf;
  private readonly targets: I32Buf; // (R) the last forward's targets, in the kernels' memory
  private done = false;

  /** For logits of up to `rows` rows of `classes` values. */
  constructor(
    private readonly kernels: Kernels,
    readonly classes: number,
    rows: number,
  ) {
    this.dlogits = kernels.arena.f32(rows * classes);
    this.targets = kernels.arena.i32(rows);
  }

  /** The mean loss (a float32 value; NaN when every target is ignored); keeps what backward needs. */
  forward(logits: Act, targets: Int32Array): number {
    const V = this.classes;
    if (logits.shape[logits.shape.length - 1] !== V) {
      throw new ConfigError(`cross_entropy: logits have shape (${logits.shape.join(", ")}), expected ${V} classes`);
    }
    const R = rowsOf(logits.shape);
    if (targets.length < R) throw new ConfigError(`cross_entropy: ${R} rows of logits but ${targets.length} targets`);
    if (R > this.targets.length) {
      throw new ConfigError(`cross_entropy: ${R} rows exceed the capacity of ${this.targets.length}`);
    }
    this.targets.view.set(R === targets.length ? targets : targets.subarray(0, R));
    this.done = false;
    let loss: number;
    try {
      loss = this.kernels.crossEntropy(this.dlogits, logits.data, this.targets, R, V);
    } catch (e) {
      throw targetError(e, V);
    }
    this.done = true;
    return Math.fround(loss);
  }

  /** dloss/dlogits of the last forward. */
  backward(): F32Buf {
    if (!this.done) throw new Error("CrossEntropyLoss.backward called before forward");
    return this.dlogits;
  }
}

/**
 * Per-row losses into `out` (for evaluation over a split in chunks): logsumexp − the target's logit,
 * for logits (R,V) in an arena buffer of `kernels` (Kernels.crossEntropyRows: float32 per row).
 * Targets and losses go through scratch buffers in the arena, allocated and released here.
 */
export function crossEntropyRowLosses(
  kernels: Kernels, logits: F32Buf, targets: Int32Array, R: number, V: number, out: Float64Array,
): void {
  if (targets.length < R) throw new ConfigError(`cross_entropy: ${R} rows of logits but ${targets.length} targets`);
  const arena = kernels.arena;
  const mark = arena.mark();
  try {
    const t = arena.i32From(targets.subarray(0, R));
    const losses = arena.f32(R);
    try {
      kernels.crossEntropyRows(losses, logits, t, R, V);
    } catch (e) {
      throw targetError(e, V);
    }
    const l = losses.view;
    for (let r = 0; r < R; r++) out[r] = l[r];
  } finally {
    arena.release(mark);
  }
}

/** A kernel's out-of-range target as the layer's ConfigError; other errors unchanged. */
function targetError(e: unknown, V: number): unknown {
  return e instanceof KernelIndexError ? new ConfigError(`cross_entropy: target ${e.value} is outside 0..${V - 1} (and is not -1, the ignored index)`) : e;
}
