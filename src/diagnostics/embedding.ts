// The embedding table C in two dimensions (makemore part 2: "visualize the embedding" with
// n_embd = 2, each point labelled by its character). With a wider table, its first two principal
// components: centre the columns, take the covariance (E × E), and project on the two eigenvectors of
// largest eigenvalue (found by the cyclic Jacobi method, exact enough for the small E of these models).
// With the points, what the picture itself shows, measured rather than assumed: its closest pairs, and
// how far apart the vowels lie compared with any two characters.
//
// Letters: V vocabulary (rows of C), E embedding width (columns).

export interface Embedding2D {
  /** "table" when E = 2 (C itself), "pca" otherwise. */
  method: "table" | "pca";
  /** One point per character, in vocabulary order. */
  points: { label: string; x: number; y: number }[];
  /** Share of the total variance along each of the two axes (1 and 0 sums for E = 2 are not given). */
  explained: [number, number] | null;
  /** Width E of the table. */
  width: number;
  /** The closest pairs of points in the picture (2D distance), closest first. */
  closest: { a: string; b: string; distance: number }[];
  /**
   * The vowels a, e, i, o, u (when all are in the vocabulary): their mean pairwise distance in the
   * picture, that of all pairs of characters, and the ratio (below 1: the vowels lie closer together).
   */
  vowels: { mean: number; all: number; ratio: number } | null;
}

const VOWELS = ["a", "e", "i", "o", "u"];

function meanDistance(ps: readonly { x: number; y: number }[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < ps.length; i++) {
    for (let j = i + 1; j < ps.length; j++) {
      sum += Math.hypot(ps[i].x - ps[j].x, ps[i].y - ps[j].y);
      n++;
    }
  }
  return n ? sum / n : NaN;
}

/** The closest pairs and the vowels' spread of labelled points in 2D. */
export function pictureFacts(points: readonly { label: string; x: number; y: number }[], pairs = 3): Pick<Embedding2D, "closest" | "vowels"> {
  const all: { a: string; b: string; distance: number }[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      all.push({ a: points[i].label, b: points[j].label, distance: Math.hypot(points[i].x - points[j].x, points[i].y - points[j].y) });
    }
  }
  all.sort((p, q) => p.distance - q.distance);
  const vowelPoints = VOWELS.map((v) => points.find((p) => p.label === v));
  let vowels: Embedding2D["vowels"] = null;
  if (vowelPoints.every((p) => p !== undefined) && points.length > VOWELS.length) {
    const mean = meanDistance(vowelPoints as { x: number; y: number }[]);
    const allMean = meanDistance(points);
    vowels = { mean, all: allMean, ratio: mean / allMean };
  }
  return { closest: all.slice(0, pairs), vowels };
}

/** Eigenvalues (descending) and unit eigenvectors (columns of `vectors`, row-major n × n) of a symmetric matrix. */
export function symmetricEigen(a: ArrayLike<number>, n: number): { values: number[]; vectors: Float64Array } {
  const A = Float64Array.from(a as ArrayLike<number>);
  const Vm = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Vm[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] * A[p * n + q];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        // Rotation angle zeroing A[p][q]: tan(2θ) = 2 apq / (aqq − app).
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          // A ← A·J (columns p, q)
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          // A ← Jᵀ·A (rows p, q)
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = Vm[k * n + p];
          const vkq = Vm[k * n + q];
          Vm[k * n + p] = c * vkp - s * vkq;
          Vm[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[j * n + j] - A[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    // Sign convention: the component of largest magnitude is positive (PCA's sign is arbitrary).
    let big = 0;
    for (let k = 0; k < n; k++) if (Math.abs(Vm[k * n + src]) > Math.abs(big)) big = Vm[k * n + src];
    const sgn = big < 0 ? -1 : 1;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = sgn * Vm[k * n + src];
  });
  return { values: order.map((i) => A[i * n + i]), vectors };
}

/**
 * The first `k` principal components of the rows of an (rows, cols) matrix: the projections of the
 * centred rows (rows × k, row-major), the component directions and the share of variance of each.
 */
export function principalComponents(
  m: ArrayLike<number>,
  rows: number,
  cols: number,
  k = 2,
): { projections: Float64Array; components: number[][]; explained: number[] } {
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] += m[r * cols + c] / rows;
  const cov = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < cols; i++) {
      const di = m[r * cols + i] - mean[i];
      for (let j = 0; j < cols; j++) cov[i * cols + j] += (di * (m[r * cols + j] - mean[j])) / Math.max(1, rows - 1);
    }
  }
  const { values, vectors } = symmetricEigen(cov, cols);
  const total = values.reduce((s, v) => s + Math.max(0, v), 0);
  const kk = Math.min(k, cols);
  const components = Array.from({ length: kk }, (_, j) => Array.from({ length: cols }, (_, i) => vectors[i * cols + j]));
  const projections = new Float64Array(rows * kk);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < kk; j++) {
      let s = 0;
      for (let i = 0; i < cols; i++) s += (m[r * cols + i] - mean[i]) * components[j][i];
      projections[r * kk + j] = s;
    }
  }
  return { projections, components, explained: values.slice(0, kk).map((v) => (total > 0 ? Math.max(0, v) / total : NaN)) };
}

/** C (V × E, row-major) in 2D, each point labelled by `labels[row]` (the vocabulary). */
export function embedding2d(C: ArrayLike<number>, V: number, E: number, labels: readonly string[]): Embedding2D {
  if (labels.length !== V) throw new RangeError(`embedding2d: ${labels.length} labels for ${V} rows`);
  const picture = (method: Embedding2D["method"], points: Embedding2D["points"], explained: Embedding2D["explained"]): Embedding2D => ({
    method,
    points,
    explained,
    width: E,
    ...pictureFacts(points),
  });
  if (E === 2) return picture("table", labels.map((label, i) => ({ label, x: C[2 * i], y: C[2 * i + 1] })), null);
  if (E === 1) return picture("table", labels.map((label, i) => ({ label, x: C[i], y: 0 })), null);
  const pc = principalComponents(C, V, E, 2);
  return picture("pca", labels.map((label, i) => ({ label, x: pc.projections[2 * i], y: pc.projections[2 * i + 1] })), [pc.explained[0], pc.explained[1]]);
}
