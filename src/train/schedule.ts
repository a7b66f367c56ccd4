// The lectures' step learning-rate schedule: `lr = 0.1 if i < 100000 else 0.01`; makemore.py keeps one
// learning rate throughout (decayStep null).

import { ConfigError } from "../errors.ts";

export interface StepSchedule {
  /** Learning rate before the decay step. */
  lr: number;
  /** First step that uses the decayed rate (null: never). */
  decayStep: number | null;
  /** Learning rate from the decay step on. */
  lrAfterDecay: number;
}

export function stepSchedule(lr = 0.1, decayStep: number | null = 100000, lrAfterDecay = lr / 10): StepSchedule {
  if (!(lr > 0) || !Number.isFinite(lr)) throw new ConfigError(`learning rate must be a number > 0 (got ${lr})`);
  if (!(lrAfterDecay > 0) || !Number.isFinite(lrAfterDecay)) throw new ConfigError(`decayed learning rate must be a number > 0 (got ${lrAfterDecay})`);
  if (decayStep !== null && !(Number.isSafeInteger(decayStep) && decayStep >= 0)) {
    throw new ConfigError(`lr decay step must be an integer >= 0 (got ${decayStep})`);
  }
  return { lr, decayStep, lrAfterDecay };
}

export function learningRate(s: StepSchedule, step: number): number {
  return s.decayStep === null || step < s.decayStep ? s.lr : s.lrAfterDecay;
}
