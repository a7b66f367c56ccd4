// The learning-rate finder of makemore part 2: one training step at each of `steps`
// learning rates spaced exponentially, `lre = torch.linspace(-3, 0, 1000); lrs = 10**lre`, recording
// the minibatch loss; plotted against the exponent, the loss falls, flattens and then becomes unstable,
// and a good learning rate sits in the valley before that. The suggestion here is the exponent where a
// centred moving average of the loss is lowest, among the rates that did not diverge; when that lowest
// point is at an end of them (the loss only rises, or still falls) the sweep found no valley and
// suggests nothing, saying which end of the range to move.
//
// The sweep runs on a Trainer (its `trainStep(lr)` override), so it draws minibatches and updates
// exactly as training does; it changes the model — run it on a fresh one.

import { ConfigError } from "../errors.ts";
import { isFiniteModel } from "../models/model.ts";
import { DivergedError, type Trainer } from "./trainer.ts";

export interface LrSweep {
  /** Exponents e_i = min + i·(max − min)/(steps − 1) (torch.linspace), and lr_i = 10^e_i. */
  exps: number[];
  lrs: number[];
}

/** The exponents and learning rates of the sweep: linear in the exponent from minExp to maxExp. */
export function lrSweep(steps: number, minExp = -3, maxExp = 0): LrSweep {
  if (!Number.isInteger(steps) || steps < 2) throw new ConfigError(`the lr sweep needs at least 2 steps (got ${steps})`);
  if (!Number.isFinite(minExp) || !Number.isFinite(maxExp) || !(minExp < maxExp)) {
    throw new ConfigError(`--min-exp must be below --max-exp (got ${minExp} and ${maxExp})`);
  }
  const exps = Array.from({ length: steps }, (_, i) => (i === steps - 1 ? maxExp : minExp + (i * (maxExp - minExp)) / (steps - 1)));
  return { exps, lrs: exps.map((e) => 10 ** e) };
}

/** Centred moving average over `window` points (shorter at the ends); NaN values are skipped. */
export function smooth(values: readonly number[], window: number): number[] {
  if (!Number.isInteger(window) || window < 1) throw new ConfigError(`smoothing window must be a positive integer (got ${window})`);
  const half = Math.floor(window / 2);
  return values.map((_, i) => {
    let sum = 0;
    let n = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(values.length - 1, i - half + window - 1); j++) {
      if (Number.isFinite(values[j])) {
        sum += values[j];
        n++;
      }
    }
    return n ? sum / n : NaN;
  });
}

export interface LrSuggestion {
  index: number;
  exp: number;
  lr: number;
  /** The smoothed loss there. */
  loss: number;
}

/** The point where the smoothed loss is lowest among the first `usable` points (all by default), or null. */
export function suggestLr(sweep: LrSweep, smoothed: readonly number[], usable = smoothed.length): LrSuggestion | null {
  let best = -1;
  for (let i = 0; i < Math.min(usable, smoothed.length); i++) {
    if (Number.isFinite(smoothed[i]) && (best < 0 || smoothed[i] < smoothed[best])) best = i;
  }
  return best < 0 ? null : { index: best, exp: sweep.exps[best], lr: sweep.lrs[best], loss: smoothed[best] };
}

/**
 * The valley of the sweep: the lowest smoothed loss among the rates that did not diverge (those before
 * step divergedAt − 1, whose update broke the model), strictly inside them — at the first point the loss
 * only rises, at the last it still falls. Otherwise no suggestion, and why (in terms of the flags).
 */
export function findValley(
  sweep: LrSweep, smoothed: readonly number[], divergedAt: number | null,
): { suggestion: LrSuggestion | null; noValley: string | null } {
  const n = sweep.exps.length;
  const usable = divergedAt === null ? n : Math.max(0, divergedAt - 1);
  const best = suggestLr(sweep, smoothed, usable);
  const rate = (i: number) => `10^${+sweep.exps[i].toFixed(3)}`;
  const lower = `lower --min-exp (now ${sweep.exps[0]})`;
  const none = (why: string) => ({ suggestion: null, noValley: why });
  const diverged =
    divergedAt === null ? null
    : divergedAt === 0 ? "the loss was not finite from the first step"
    : `training diverged at step ${divergedAt} (lr ${rate(divergedAt - 1)})`;
  if (best === null || usable < 3) {
    return none(diverged === null ? `a valley needs at least 3 points (--steps ${n})` : `${diverged}, too early for a valley: the rates are too large; ${lower}`);
  }
  if (best.index === 0) return none(`the loss is lowest at the first rate (${rate(0)}) and only rises after it${diverged ? `, until ${diverged}` : ""}; ${lower}`);
  if (best.index === usable - 1) {
    return none(
      diverged === null
        ? `the loss still falls at the last rate (${rate(n - 1)}); raise --max-exp (now ${sweep.exps[n - 1]})`
        : `the loss was still falling when ${diverged}; sweep below that rate (--max-exp under ${+sweep.exps[divergedAt! - 1].toFixed(3)})`,
    );
  }
  return { suggestion: best, noValley: null };
}

export interface LrFinderOptions {
  steps?: number;
  minExp?: number;
  maxExp?: number;
  /** Moving-average window (default: a twentieth of the steps, at least 1). */
  window?: number;
  /** Called after each step (progress). */
  onStep?: (i: number, loss: number) => void;
}

export interface LrFinderResult extends LrSweep {
  /** Minibatch loss at each step (NaN after a divergence). */
  losses: number[];
  smoothed: number[];
  window: number;
  /** The valley's rate (never one that diverged), or null when the sweep found no valley. */
  suggestion: LrSuggestion | null;
  /** Why there is no suggestion (and which flag to change), or null. */
  noValley: string | null;
  /**
   * Steps done before the sweep stopped, or null: the update of step divergedAt − 1 (at its rate) left
   * parameters that are not finite, or a loss that is not.
   */
  divergedAt: number | null;
}

/** Runs the sweep: step i trains at lr_i and records its loss. Stops (NaN losses) if training diverges. */
export function findLearningRate(trainer: Trainer, { steps = 1000, minExp = -3, maxExp = 0, window, onStep }: LrFinderOptions = {}): LrFinderResult {
  const sweep = lrSweep(steps, minExp, maxExp);
  if (trainer.config.steps - trainer.step < steps) {
    throw new ConfigError(`the trainer has ${trainer.config.steps - trainer.step} steps left, the sweep needs ${steps}`);
  }
  const w = window ?? Math.max(1, Math.floor(steps / 20));
  if (w > steps) throw new ConfigError(`--window ${w} is larger than --steps ${steps}: the moving average spans at most the whole sweep`);
  const losses = new Array<number>(steps).fill(NaN);
  let divergedAt: number | null = null;
  trainer.model.train(true);
  for (let i = 0; i < steps; i++) {
    try {
      losses[i] = trainer.trainStep(sweep.lrs[i]);
    } catch (e) {
      if (!(e instanceof DivergedError)) throw e;
      divergedAt = i;
      break;
    }
    if (!Number.isFinite(losses[i]) || !isFiniteModel(trainer.model)) {
      divergedAt = i + 1;
      break;
    }
    onStep?.(i, losses[i]);
  }
  const smoothed = smooth(losses, w);
  return { ...sweep, losses, smoothed, window: w, ...findValley(sweep, smoothed, divergedAt), divergedAt };
}
