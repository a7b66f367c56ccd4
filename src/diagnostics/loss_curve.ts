// The loss curve as the lectures draw it: `lossi.append(loss.log10().item())`, then
// `plt.plot(torch.tensor(lossi).view(-1, 1000).mean(1))` — log10 of every step's minibatch loss, and
// its mean over consecutive windows of 1000 steps. A long run's raw curve (200000 steps) is reduced to
// at most `maxPoints` buckets, each keeping the min, mean and max of its steps, so a chart shows the
// same band the lecture's thick line does. LiveLossCurve builds the same curve step by step, for a chart
// redrawn while the run goes on.

export interface LossCurve {
  steps: number;
  /** Bucketed log10 loss: bucket i covers steps [start[i], start[i] + bucket). */
  bucket: number;
  start: number[];
  min: number[];
  mean: number[];
  max: number[];
  /** Window of the smoothed curve (1000, or fewer for a short run). */
  window: number;
  /** First step of each full window, and the mean of log10 loss over it. */
  windowStart: number[];
  windowMean: number[];
  /** log10 loss at the first step (the hockey stick's height), NaN with no steps. */
  first: number;
}

/** The lectures' window: `lossi.view(-1, 1000)`. */
const WINDOW = 1000;
/** A run shorter than this gets a smaller window (defaultWindow). */
const FULL_WINDOW_FROM = 20 * WINDOW;

/** The lectures' window, shrunk for a short run so the smoothed curve has about 20 points or more. */
export function defaultWindow(steps: number): number {
  return Math.max(1, Math.min(WINDOW, Math.floor(steps / 20)));
}

/**
 * The curve of `losses`. `bucket` (steps per bucket) defaults to the fewest that keep `maxPoints`
 * buckets or fewer; an explicit one overrides `maxPoints` (LiveLossCurve's test compares with it).
 */
export function lossCurve(
  losses: ArrayLike<number>,
  { window, maxPoints = 2000, bucket: explicit }: { window?: number; maxPoints?: number; bucket?: number } = {},
): LossCurve {
  const n = losses.length;
  const w = window ?? defaultWindow(n);
  if (!Number.isInteger(w) || w < 1) throw new RangeError(`lossCurve: window must be a positive integer (got ${w})`);
  if (explicit !== undefined && (!Number.isInteger(explicit) || explicit < 1)) throw new RangeError(`lossCurve: bucket must be a positive integer (got ${explicit})`);
  const bucket = explicit ?? Math.max(1, Math.ceil(n / maxPoints));
  const start: number[] = [];
  const min: number[] = [];
  const mean: number[] = [];
  const max: number[] = [];
  for (let s = 0; s < n; s += bucket) {
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    const e = Math.min(n, s + bucket);
    for (let i = s; i < e; i++) {
      const v = Math.log10(losses[i]);
      sum += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    start.push(s);
    min.push(lo);
    mean.push(sum / (e - s));
    max.push(hi);
  }
  const windowStart: number[] = [];
  const windowMean: number[] = [];
  for (let s = 0; s + w <= n; s += w) {
    let sum = 0;
    for (let i = s; i < s + w; i++) sum += Math.log10(losses[i]);
    windowStart.push(s);
    windowMean.push(sum / w);
  }
  return { steps: n, bucket, start, min, mean, max, window: w, windowStart, windowMean, first: n ? Math.log10(losses[0]) : NaN };
}

/**
 * lossCurve of a run that is still going, fed its losses as they arrive: each `extend` costs the new
 * steps only and `curve()` the chart's points, where lossCurve would go over the whole run each time (a
 * long task on a page redrawing its chart while a million steps come in). The buckets hold a power of
 * two of steps (1, 2, 4, …): when one more would pass `maxPoints`, neighbours merge in pairs and the
 * bucket doubles, so the curve equals `lossCurve(losses, { bucket: live.bucket })` up to the rounding of
 * the merged sums. The windowed means use defaultWindow: below FULL_WINDOW_FROM steps its window changes
 * with the run's length and curve() recomputes them from the first steps' log10 loss it keeps; from
 * there on the window is the lectures' 1000 and the means only grow.
 */
export class LiveLossCurve {
  readonly maxPoints: number;
  /** Steps seen so far. */
  steps = 0;
  /** Steps per bucket, a power of two. */
  bucket = 1;
  /** Buckets in use: ceil(steps / bucket) <= maxPoints. */
  private count = 0;
  /** Each bucket's min, max and sum of log10 loss, (maxPoints,). */
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly sum: Float64Array;
  /** log10 loss of the first FULL_WINDOW_FROM steps, for the short run's window means. */
  private readonly early = new Float64Array(FULL_WINDOW_FROM);
  /** Means of the full windows of WINDOW steps, and the sum of the window being filled. */
  private readonly windowMeans: number[] = [];
  private windowSum = 0;
  private first = NaN;

  constructor({ maxPoints = 2000 }: { maxPoints?: number } = {}) {
    if (!Number.isSafeInteger(maxPoints) || maxPoints < 1) throw new RangeError(`LiveLossCurve: maxPoints must be a positive integer (got ${maxPoints})`);
    this.maxPoints = maxPoints;
    this.lo = new Float64Array(maxPoints);
    this.hi = new Float64Array(maxPoints);
    this.sum = new Float64Array(maxPoints);
  }

  /** Takes in losses[steps .. upTo): `losses` holds the whole run so far (the page's array), upTo its length in steps. */
  extend(losses: ArrayLike<number>, upTo: number): void {
    if (!Number.isSafeInteger(upTo) || upTo < this.steps || upTo > losses.length) {
      throw new RangeError(`LiveLossCurve.extend: upTo must be an integer from ${this.steps} (the steps seen; a new run needs a new curve) to ${losses.length} (the losses given), got ${upTo}`);
    }
    const { lo, hi, sum } = this;
    for (let i = this.steps; i < upTo; i++) {
      const v = Math.log10(losses[i]);
      if (i === 0) this.first = v;
      if (i < FULL_WINDOW_FROM) this.early[i] = v;
      // the lectures' window, summed in order as lossCurve does
      this.windowSum += v;
      if ((i + 1) % WINDOW === 0) {
        this.windowMeans.push(this.windowSum / WINDOW);
        this.windowSum = 0;
      }
      // step i opens a bucket, unless the buckets are full: then they merge and it may fall in the last
      if (i === this.count * this.bucket) {
        if (this.count === this.maxPoints) this.merge();
        if (i === this.count * this.bucket) {
          lo[this.count] = Infinity;
          hi[this.count] = -Infinity;
          sum[this.count] = 0;
          this.count++;
        }
      }
      // compared as lossCurve does, so a NaN loss (a diverged run) is left out of min and max as there
      const k = this.count - 1;
      if (v < lo[k]) lo[k] = v;
      if (v > hi[k]) hi[k] = v;
      sum[k] += v;
    }
    this.steps = upTo;
  }

  /** Merges the buckets in pairs (the last alone when their number is odd) and doubles the bucket. */
  private merge(): void {
    const { lo, hi, sum, count } = this;
    for (let j = 0; 2 * j < count; j++) {
      const a = 2 * j;
      const b = a + 1 < count ? a + 1 : a;
      lo[j] = lo[b] < lo[a] ? lo[b] : lo[a];
      hi[j] = hi[b] > hi[a] ? hi[b] : hi[a];
      sum[j] = b === a ? sum[a] : sum[a] + sum[b];
    }
    this.count = Math.ceil(count / 2);
    this.bucket *= 2;
  }

  /** The curve so far, as lossCurve gives it (with this bucket), for lossChart. */
  curve(): LossCurve {
    const { steps: n, bucket, count } = this;
    const start: number[] = new Array(count);
    const mean: number[] = new Array(count);
    for (let k = 0; k < count; k++) {
      start[k] = k * bucket;
      mean[k] = this.sum[k] / Math.min(bucket, n - k * bucket);
    }
    const min = Array.from(this.lo.subarray(0, count));
    const max = Array.from(this.hi.subarray(0, count));
    const w = defaultWindow(n);
    let windowMean: number[];
    if (n >= FULL_WINDOW_FROM) windowMean = this.windowMeans.slice();
    else {
      // a short run: its window still changes with n, and summing n < FULL_WINDOW_FROM steps is cheap
      windowMean = [];
      for (let s = 0; s + w <= n; s += w) {
        let total = 0;
        for (let i = s; i < s + w; i++) total += this.early[i];
        windowMean.push(total / w);
      }
    }
    const windowStart = windowMean.map((_, j) => j * w);
    return { steps: n, bucket, start, min, mean, max, window: w, windowStart, windowMean, first: n ? this.first : NaN };
  }
}
