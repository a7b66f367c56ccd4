// torch.multinomial's two algorithms, reproduced draw for draw (SPEC §5.2):
//  (a) exponential race — replacement=false (any k), and k=1 with replacement in PyTorch 2.x:
//      q = exponential_(1) over every element of probs (row-major, rounded to probs' dtype),
//      r = p / q, take the argmax (k=1) or the k largest per row;
//  (b) cumulative table — replacement=true with k>1 (and k=1 in PyTorch 1.13):
//      per row a normalised float32 running sum, then one float64 uniform and a binary search per sample.

import { ConfigError } from "../errors.ts";
import type { Generator } from "./generator.ts";

export interface MultinomialOptions {
  /** Draw with replacement (default false, like PyTorch). */
  replacement?: boolean;
  /** Row length when `probs` holds several distributions back to back (default: one row). */
  categories?: number;
}

/** Draws into `out` (rows × numSamples, row after row); returns it. */
export function multinomialInto(
  g: Generator,
  out: Int32Array,
  probs: Float32Array | Float64Array,
  numSamples: number,
  options: MultinomialOptions = {},
): Int32Array {
  const replacement = options.replacement ?? false;
  const n = options.categories ?? probs.length;
  if (!Number.isInteger(n) || n <= 0 || probs.length % n !== 0) {
    throw new ConfigError(`multinomial: ${probs.length} probabilities do not split into rows of ${n} categories`);
  }
  if (!Number.isInteger(numSamples) || numSamples <= 0) {
    throw new ConfigError(`multinomial: cannot sample ${numSamples} samples (need a positive integer)`);
  }
  const rows = probs.length / n;
  if (out.length !== rows * numSamples) throw new ConfigError(`multinomial: output must hold ${rows * numSamples}`);
  for (let r = 0; r < rows; r++) validateRow(probs, r * n, n, replacement ? 1 : numSamples);
  const isF32 = probs instanceof Float32Array;

  if (!replacement || (numSamples === 1 && g.torchVersion !== "1.13")) {
    // (a) Exponential race. For k = 1 the argmax can be tracked while q is drawn (same stream order).
    if (numSamples === 1) {
      for (let r = 0; r < rows; r++) {
        let best = -1;
        let bestValue = -Infinity;
        for (let j = 0; j < n; j++) {
          const ratio = raceRatio(g, probs[r * n + j], isF32);
          if (ratio > bestValue || best < 0) {
            best = j;
            bestValue = ratio;
          }
        }
        out[r] = best;
      }
      return out;
    }
    const ratios = new Float64Array(probs.length);
    for (let i = 0; i < probs.length; i++) ratios[i] = raceRatio(g, probs[i], isF32);
    const order = new Int32Array(n);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) order[j] = j;
      const base = r * n;
      // Largest first; ties keep the lower index first.
      const sorted = Array.from(order).sort((a, b) => ratios[base + b] - ratios[base + a] || a - b);
      for (let s = 0; s < numSamples; s++) out[r * numSamples + s] = sorted[s];
    }
    return out;
  }

  // (b) Cumulative table and binary search.
  const cum = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < n; j++) {
      s = isF32 ? Math.fround(s + probs[r * n + j]) : s + probs[r * n + j];
      cum[j] = s;
    }
    for (let j = 0; j < n; j++) cum[j] = isF32 ? Math.fround(cum[j] / s) : cum[j] / s;
    cum[n - 1] = 1;
    for (let k = 0; k < numSamples; k++) {
      const u = g.uniformFloat64();
      let lo = 0;
      let hi = n;
      while (hi > lo) {
        const mid = lo + ((hi - lo) >> 1);
        if (cum[mid] < u) lo = mid + 1;
        else hi = mid;
      }
      out[r * numSamples + k] = lo;
    }
  }
  return out;
}

/** p / q with q ~ Exp(1) rounded to the probabilities' dtype, as the race computes it. */
function raceRatio(g: Generator, p: number, isF32: boolean): number {
  const q = g.exponential(1);
  return isF32 ? Math.fround(p / Math.fround(q)) : p / q;
}

function validateRow(probs: Float32Array | Float64Array, start: number, n: number, need: number): void {
  let sum = 0;
  let positive = 0;
  for (let j = start; j < start + n; j++) {
    const p = probs[j];
    if (!Number.isFinite(p) || p < 0) {
      throw new ConfigError(`multinomial: probability tensor contains either inf, nan or element < 0 (${p})`);
    }
    sum += p;
    if (p > 0) positive++;
  }
  if (sum <= 0) throw new ConfigError("multinomial: invalid distribution (sum of probabilities <= 0)");
  if (positive < need) {
    throw new ConfigError(
      `multinomial: cannot sample ${need} samples without replacement from ${positive} non-zero categories`,
    );
  }
}
