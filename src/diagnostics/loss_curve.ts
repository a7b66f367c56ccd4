// The loss curve as the lectures draw it: `lossi.append(loss.log10().item())`, then
// `plt.plot(torch.tensor(lossi).view(-1, 1000).mean(1))` — log10 of every step's minibatch loss, and
// its mean over consecutive windows of 1000 steps. A long run's raw curve (200000 steps) is reduced to
// at most `maxPoints` buckets, each keeping the min, mean and max of its steps, so a chart shows the
// same band the lecture's thick line does.

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

/** The lectures' window, shrunk for a short run so the smoothed curve has about 20 points or more. */
export function defaultWindow(steps: number): number {
  return Math.max(1, Math.min(1000, Math.floor(steps / 20)));
}

export function lossCurve(losses: ArrayLike<number>, { window, maxPoints = 2000 }: { window?: number; maxPoints?: number } = {}): LossCurve {
  const n = losses.length;
  const w = window ?? defaultWindow(n);
  if (!Number.isInteger(w) || w < 1) throw new RangeError(`lossCurve: window must be a positive integer (got ${w})`);
  const bucket = Math.max(1, Math.ceil(n / maxPoints));
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
