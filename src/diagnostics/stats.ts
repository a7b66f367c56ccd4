// The numbers every diagnostic is made of: mean and standard deviation (Bessel-corrected, as PyTorch's
// `t.std()` that makemore part 3 prints), the share of values beyond a threshold (a saturated tanh:
// `(t.abs() > 0.97).float().mean()`), and histograms (`torch.histogram(t, density=True)`, which the
// lecture draws as a line through the bin centres). Sums run in float64 over float32 values.

export interface Summary {
  /** Number of values. */
  n: number;
  mean: number;
  /** Standard deviation with Bessel's correction (n − 1), NaN for fewer than 2 values. */
  std: number;
  min: number;
  max: number;
}

/** Mean, std (unbiased), min and max of `values`. */
export function summarize(values: ArrayLike<number>): Summary {
  const n = values.length;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = n > 0 ? sum / n : NaN;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    sq += d * d;
  }
  return { n, mean, std: n > 1 ? Math.sqrt(sq / (n - 1)) : NaN, min: n ? min : NaN, max: n ? max : NaN };
}

/** Standard deviation with Bessel's correction (PyTorch's default `std()`). */
export function std(values: ArrayLike<number>): number {
  return summarize(values).std;
}

/** Share of values with |v| > threshold (0.97: makemore part 3's "saturated" tanh units). */
export function shareAbove(values: ArrayLike<number>, threshold: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  let k = 0;
  for (let i = 0; i < n; i++) if (Math.abs(values[i]) > threshold) k++;
  return k / n;
}

export interface Histogram {
  /** Left edge of the first bin. */
  lo: number;
  /** Right edge of the last bin. */
  hi: number;
  /** Centre of each bin (what the lectures plot against). */
  centers: number[];
  /** Values in each bin; the last bin includes `hi`. */
  counts: number[];
  /** counts / (n · bin width): integrates to 1, like `torch.histogram(..., density=True)`. */
  density: number[];
}

export interface HistogramOptions {
  bins?: number;
  /** Range of the bins (default: the values' min and max). */
  range?: readonly [number, number];
}

/**
 * A histogram of the finite values in `values`: `bins` equal bins over `range` (default [min, max]);
 * values outside the range are left out, as torch.histogram does.
 */
export function histogram(values: ArrayLike<number>, { bins = 50, range }: HistogramOptions = {}): Histogram {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`histogram: bins must be a positive integer (got ${bins})`);
  let lo: number;
  let hi: number;
  if (range) [lo, hi] = range;
  else {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo > hi) [lo, hi] = [0, 1]; // no finite values
  }
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= lo && v <= hi)) continue; // NaN and out of range
    const b = v === hi ? bins - 1 : Math.min(bins - 1, Math.floor((v - lo) / width));
    counts[b]++;
    n++;
  }
  const centers = counts.map((_, b) => lo + (b + 0.5) * width);
  const density = counts.map((c) => (n > 0 ? c / (n * width) : 0));
  return { lo, hi, centers, counts, density };
}

/** log10 of a positive ratio, NaN when it is not defined (a zero or non-finite std). */
export function log10Ratio(num: number, den: number): number {
  const r = num / den;
  return r > 0 && Number.isFinite(r) ? Math.log10(r) : NaN;
}
