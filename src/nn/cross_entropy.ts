// Cross-entropy of logits against target indices, fused and numerically stable, mean over rows —
// F.cross_entropy(logits, Y). The backward is seed 001's exercise 2: dlogits = (softmax − one_hot) / n.
//
// Letters: R rows, V classes (the vocabulary).
//   forward:   loss = mean_r [ logsumexp(logits[r]) − logits[r, Y[r]] ]      // (R,V), (R) -> ()
//   backward:  dlogits[r] = (softmax(logits[r]) − one_hot(Y[r])) / R         // (R,V)

import type { F32Buf } from "../kernels/index.ts";
import { ConfigError } from "../errors.ts";
import { rowsOf, type Act, type LayerContext } from "./layer.ts";

export class CrossEntropyLoss {
  private readonly dlogits: F32Buf;
  private logits: Act | null = null;
  private targets: Int32Array | null = null;
  private rows = 0;

  constructor(
    private readonly ctx: LayerContext,
    readonly classes: number,
  ) {
    this.dlogits = ctx.kernels.arena.f32(ctx.capacity * classes);
  }

  /** The mean loss (a float32 value); keeps what backward needs. */
  forward(logits: Act, targets: Int32Array): number {
    const V = this.classes;
    if (logits.shape[logits.shape.length - 1] !== V) {
      throw new ConfigError(`cross_entropy: logits have shape (${logits.shape.join(", ")}), expected ${V} classes`);
    }
    const R = rowsOf(logits.shape);
    if (targets.length < R) throw new ConfigError(`cross_entropy: ${R} rows of logits but ${targets.length} targets`);
    const x = logits.data.view;
    let total = 0;
    for (let r = 0; r < R; r++) {
      const o = r * V;
      const y = targets[r];
      if (!(y >= 0 && y < V)) throw new ConfigError(`cross_entropy: target ${y} is outside 0..${V - 1}`);
      let max = -Infinity;
      for (let v = 0; v < V; v++) if (x[o + v] > max) max = x[o + v];
      let sum = 0;
      for (let v = 0; v < V; v++) sum += Math.exp(x[o + v] - max);
      total += Math.log(sum) + max - x[o + y];
    }
    this.logits = logits;
    this.targets = targets;
    this.rows = R;
    return Math.fround(total / R);
  }

  /** dloss/dlogits of the last forward. */
  backward(): F32Buf {
    const logits = this.logits;
    const targets = this.targets;
    if (logits === null || targets === null) throw new Error("CrossEntropyLoss.backward called before forward");
    const V = this.classes;
    const R = this.rows;
    const x = logits.data.view;
    const d = this.dlogits.view;
    for (let r = 0; r < R; r++) {
      const o = r * V;
      let max = -Infinity;
      for (let v = 0; v < V; v++) if (x[o + v] > max) max = x[o + v];
      let sum = 0;
      for (let v = 0; v < V; v++) sum += Math.exp(x[o + v] - max);
      const inv = 1 / (sum * R);
      for (let v = 0; v < V; v++) d[o + v] = Math.exp(x[o + v] - max) * inv;
      d[o + targets[r]] -= 1 / R;
    }
    return this.dlogits;
  }
}

/** Per-row losses into `out` (for evaluation over a split in chunks): logsumexp − the target's logit. */
export function crossEntropyRows(logits: Float32Array, targets: Int32Array, R: number, V: number, out: Float64Array): void {
  for (let r = 0; r < R; r++) {
    const o = r * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (logits[o + v] > max) max = logits[o + v];
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[o + v] - max);
    out[r] = Math.log(sum) + max - logits[o + targets[r]];
  }
}

