// What is wrong with a model whose numbers are not finite, in the user's terms. A run that diverged
// leaves parameters that are NaN or ±Infinity, or finite but so large that the forward pass overflows
// float32 (Infinity − Infinity = NaN in BatchNorm's statistics or in the logits). `sample` and `eval`
// say so — the run diverged, retrain with a smaller --lr — instead of handing NaN probabilities to
// multinomial or printing NaN losses.

import { CheckpointError } from "../errors.ts";
import type { Model } from "../models/model.ts";

/** A model's parameters or statistics, or its outputs, are not finite: the run diverged (exit code 1). */
export class NonFiniteModelError extends CheckpointError {
  constructor(
    readonly detail: string,
    file?: string,
  ) {
    super(detail, file);
  }

  /** The same error naming `file` (the run's model.safetensors). */
  in(file: string): NonFiniteModelError {
    return new NonFiniteModelError(this.detail, file);
  }
}

/** A tensor of the model's state and one of its values. */
export interface TensorValue {
  name: string;
  value: number;
  /** A parameter, or a BatchNorm statistic (running or calibrated). */
  kind: "parameters" | "BatchNorm statistics";
}

/** The model's state: parameters, then the BatchNorm statistics it keeps (calibrated ones once calibrated). */
function stateTensors(model: Model): { name: string; view: Float32Array; kind: TensorValue["kind"] }[] {
  const out: { name: string; view: Float32Array; kind: TensorValue["kind"] }[] = [];
  for (const p of model.parameters()) out.push({ name: p.name, view: p.data.view, kind: "parameters" });
  for (const bn of model.batchNorms()) {
    const stats = [bn.runningMean, bn.runningVar];
    if (bn.isCalibrated || bn.evalStats === "calibrated") stats.push(bn.calibratedMean, bn.calibratedVar);
    for (const b of stats) out.push({ name: b.name, view: b.data.view, kind: "BatchNorm statistics" });
  }
  return out;
}

/** The first value of the model's state that is NaN or ±Infinity, or null when all are finite. */
export function firstNonFinite(model: Model): TensorValue | null {
  for (const t of stateTensors(model)) {
    for (let i = 0; i < t.view.length; i++) if (!Number.isFinite(t.view[i])) return { name: t.name, value: t.view[i], kind: t.kind };
  }
  return null;
}

/** The parameter value of largest magnitude. */
export function largestParameter(model: Model): TensorValue {
  let best: TensorValue = { name: "", value: 0, kind: "parameters" };
  for (const t of stateTensors(model)) {
    if (t.kind !== "parameters") continue;
    for (let i = 0; i < t.view.length; i++) if (Math.abs(t.view[i]) > Math.abs(best.value)) best = { name: t.name, value: t.view[i], kind: t.kind };
  }
  return best;
}

const RETRAIN = "the run diverged; retrain with a smaller --lr";

/**
 * Why the model computes NaN or ±Infinity: "the parameters are not finite (NaN in W1)", or else
 * `explainOverflow` (after BatchNorm statistics that are not finite, when the parameters are: they come
 * from a forward pass that overflowed); then "— the run diverged; retrain with a smaller --lr".
 */
export function explainNonFinite(model: Model): string {
  const bad = firstNonFinite(model);
  if (bad === null) return explainOverflow(model);
  const what = `the ${bad.kind} are not finite (${bad.value} in ${bad.name})`;
  // statistics of a forward pass that overflowed, with finite parameters (firstNonFinite looks at those first)
  if (bad.kind === "BatchNorm statistics") return explainOverflow(model, what);
  return `${what} — ${RETRAIN}`;
}

/** `what` went NaN although the parameters are finite: they are so large that float32 overflows. */
export function explainOverflow(model: Model, what = "the model's outputs are not finite"): string {
  const big = largestParameter(model);
  return `${what}: the parameters reach ${big.value.toExponential(2)} (in ${big.name}), so the forward pass overflows float32 — ${RETRAIN}`;
}

/** Throws a NonFiniteModelError naming `file` if the model's parameters or statistics are not finite. */
export function checkFiniteModel(model: Model, file?: string): void {
  const bad = firstNonFinite(model);
  if (bad !== null) throw new NonFiniteModelError(explainNonFinite(model), file);
}
