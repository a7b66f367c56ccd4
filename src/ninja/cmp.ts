// The lectures' `cmp(s, dt, t)` (makemore part 4, "becoming a backprop ninja"): a hand-derived gradient
// against the one autograd computed — bit-for-bit equal (torch.all(dt == t.grad)), approximately equal
// (torch.allclose with its defaults rtol 1e-5, atol 1e-8) and the largest absolute difference — printed as
//   dlogits         | exact: False | approximate: True  | maxdiff: 5.6e-09
// Also the float32 tolerance used against a PyTorch reference file (values and gradients PyTorch wrote).

import type { Tensor } from "../tensor/tensor.ts";

/** torch.allclose's defaults: |a − b| ≤ atol + rtol·|b|. */
export const ALLCLOSE_RTOL = 1e-5;
export const ALLCLOSE_ATOL = 1e-8;

export interface CmpResult {
  name: string;
  /** Every element bit for bit equal (−0 equals 0, as in PyTorch). */
  exact: boolean;
  /** torch.allclose(manual, autograd): every element within atol + rtol·|autograd|. */
  approximate: boolean;
  /** max |manual − autograd| (Infinity when the shapes differ, NaN when an element is NaN). */
  maxdiff: number;
  /** Why the comparison could not be made (a shape mismatch), if it could not. */
  problem?: string;
}

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** Largest |a − b| and whether every element satisfies |a − b| ≤ atol + rtol·|b| (b is the reference). */
export function maxDiff(a: Tensor, b: Tensor, tol: Tolerance = { rtol: ALLCLOSE_RTOL, atol: ALLCLOSE_ATOL }): { maxdiff: number; close: boolean; exact: boolean } {
  let maxdiff = 0;
  let close = true;
  let exact = true;
  const A = a.data;
  const B = b.data;
  for (let i = 0; i < B.length; i++) {
    const d = Math.abs(A[i] - B[i]);
    if (A[i] !== B[i]) exact = false;
    if (!(d <= tol.atol + tol.rtol * Math.abs(B[i]))) close = false;
    if (d !== d) maxdiff = NaN;
    else if (d > maxdiff) maxdiff = d; // stays NaN once NaN
  }
  return { maxdiff, close, exact };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** cmp(name, manual, autograd): how close a hand-derived gradient is to the engine's (torch.allclose by default). */
export function cmp(name: string, manual: Tensor, autograd: Tensor | null, tol?: Tolerance): CmpResult {
  if (autograd === null) {
    return { name, exact: false, approximate: false, maxdiff: NaN, problem: "autograd computed no gradient" };
  }
  if (!sameShape(manual.shape, autograd.shape)) {
    const problem = `shape [${manual.shape.join(", ")}] differs from autograd's [${autograd.shape.join(", ")}]`;
    return { name, exact: false, approximate: false, maxdiff: Infinity, problem };
  }
  const { maxdiff, close, exact } = maxDiff(manual, autograd, tol);
  return { name, exact, approximate: close, maxdiff };
}

/** A difference the way Python prints a small float, to two significant digits: 0.0, 5.6e-09, 0.00012. */
export function formatDiff(x: number): string {
  if (x === 0) return "0.0";
  if (!Number.isFinite(x)) return String(x);
  if (x >= 1e-4 && x < 1e16) return String(Number(x.toPrecision(2)));
  return x.toExponential(1).replace(/e([+-])(\d)$/, "e$10$2"); // e-9 -> e-09, as Python
}

const py = (b: boolean): string => (b ? "True" : "False");

/** One line, as the lectures print it. */
export function formatCmp(r: CmpResult): string {
  const line = `${r.name.padEnd(15)} | exact: ${py(r.exact).padEnd(5)} | approximate: ${py(r.approximate).padEnd(5)} | maxdiff: ${formatDiff(r.maxdiff)}`;
  return r.problem === undefined ? line : `${line} (${r.problem})`;
}
