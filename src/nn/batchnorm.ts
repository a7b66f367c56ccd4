// BatchNorm1d (Ioffe & Szegedy 2015), as makemore parts 3 and 4 write it: normalize each feature over
// the batch, then scale by `bngain` and shift by `bnbias`. The lectures use Bessel's correction (n−1)
// in the batch variance; `unbiased: false` gives PyTorch's nn.BatchNorm1d (biased variance to
// normalize, unbiased for the running estimate). The backward is makemore part 4's exercise 3, the fused
// expression; src/ninja/ derives it step by step.
//
// Letters: R rows (batch, or batch × positions for (B, T, H) inputs), H features.
//   forward (train):  bnmean = x.mean(0)                                  // (R,H) -> (H)
//                     bnvar  = x.var(0, unbiased)                          // (R,H) -> (H)
//                     bnvar_inv = (bnvar + eps)^-0.5
//                     bnraw  = (x − bnmean) · bnvar_inv                    // (R,H)
//                     out    = bngain · bnraw + bnbias                     // (R,H)
//                     running ← (1 − momentum) · running + momentum · batch statistic
//   forward (eval):   the same with stored statistics: the running ones, or ones calibrated on a
//                     whole split (makemore part 4's "calibrate the batch norm at the end": the layer's
//                     inputs given to `accumulateCalibration` between begin and end; train/evaluate.ts).
//   backward (train): dbngain += Σ_r bnraw · dout;  dbnbias += Σ_r dout
//                     dx += bngain · bnvar_inv / n · (n·dout − Σ_r dout − n/(n−1) · bnraw · Σ_r dout·bnraw)
//                     (with n/(n−1) replaced by 1 for the biased variance)
//   backward (eval):  dx += bngain · bnvar_inv · dout (the statistics are constants).
// The arithmetic is the kernels' (Kernels.batchNormTrain / batchNormEval / batchNormBackward: fused,
// float64 sums for the statistics; the training forward updates the running estimates in the same
// call); this file keeps the layer's state (running and calibrated statistics, the mode) and each
// call's record (bnraw and the statistics the call used).

import type { BatchNormStats, F32Buf, F64Buf, Kernels } from "../kernels/index.ts";
import type { BatchNormRunning } from "../kernels/kernels.ts";
import { ConfigError } from "../errors.ts";
import { checkFeatures, checkInput, needForward, rowsOf, parameter, sameShape, positiveInt, type Act, type Buffer, type Layer, type Parameter, type Rec } from "./layer.ts";

export interface BatchNormOptions {
  eps?: number;
  /** Weight of the new batch statistic in the running estimate (the lectures: 0.001; PyTorch: 0.1). */
  momentum?: number;
  /** Bessel's correction in the batch variance used to normalize (the lectures: true). */
  unbiased?: boolean;
  /** Parameter and buffer names: gain, bias, running mean and variance, calibrated mean and variance. */
  names?: { gain: string; bias: string; runningMean: string; runningVar: string; mean: string; var: string };
  /** Shape of the parameters and buffers: (1, H) as the lectures' bngain, or (H) as nn.BatchNorm1d's weight. */
  vector?: boolean;
  /** Shorthand for the lectures' names: "bn" gives bngain, bnbias, bnmean_running, bnvar_running, bnmean, bnvar. */
  prefix?: string;
}

/** Which statistics evaluation mode normalizes with. */
export type EvalStats = "running" | "calibrated";

export interface BatchNormRec extends Rec {
  readonly outBuf: F32Buf; // (R,H)
  readonly bnraw: F32Buf; // (R,H), kept for backward
  readonly bnmean: F32Buf; // (H) mean of the last forward (batch or stored)
  readonly bnvar: F32Buf; // (H) unbiased batch variance of the last training forward
  readonly bnvarInv: F32Buf; // (H) bnvar_inv of the last forward
  /** Whether the last forward used batch statistics (decides the backward formula, as in PyTorch). */
  trained: boolean;
  rows: number;
  scratch: F32Buf | null;
}

export class BatchNorm1d implements Layer<BatchNormRec> {
  readonly kind = "BatchNorm1d";
  readonly gain: Parameter;
  readonly bias: Parameter;
  /** Running estimates, updated in every training forward. */
  readonly runningMean: Buffer;
  readonly runningVar: Buffer;
  /** Statistics of a whole split (see `beginCalibration`); NaN until calibrated. */
  readonly calibratedMean: Buffer;
  readonly calibratedVar: Buffer;
  readonly eps: number;
  readonly momentum: number;
  readonly unbiased: boolean;
  evalStats: EvalStats = "running";

  private training = true;
  /** What each training forward updates: the running estimates, at `momentum` (one object, no allocation per step). */
  private readonly running: BatchNormRunning;
  /** A calibration begun: rows seen, and Σx then Σx² per feature (float64, the caller's scratch). */
  private calibration: { n: number; sums: F64Buf } | null = null;

  constructor(
    private readonly kernels: Kernels,
    readonly features: number,
    options: BatchNormOptions = {},
  ) {
    positiveInt("BatchNorm1d features", features);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.001;
    this.unbiased = options.unbiased ?? true;
    if (!(this.eps > 0)) throw new ConfigError(`BatchNorm1d eps must be > 0 (got ${this.eps})`);
    if (!(this.momentum >= 0 && this.momentum <= 1)) {
      throw new ConfigError(`BatchNorm1d momentum must be in [0, 1] (got ${this.momentum})`);
    }
    const p = options.prefix ?? "bn";
    const n = options.names ?? {
      gain: `${p}gain`, bias: `${p}bias`, runningMean: `${p}mean_running`, runningVar: `${p}var_running`, mean: `${p}mean`, var: `${p}var`,
    };
    const H = features;
    const a = kernels.arena;
    const shape = () => (options.vector ? [H] : [1, H]);
    this.gain = parameter(kernels, n.gain, shape());
    this.bias = parameter(kernels, n.bias, shape());
    this.gain.data.view.fill(1);
    this.runningMean = { name: n.runningMean, shape: shape(), data: a.f32(H) };
    this.runningVar = { name: n.runningVar, shape: shape(), data: a.f32(H) };
    this.runningVar.data.view.fill(1);
    this.calibratedMean = { name: n.mean, shape: shape(), data: a.f32(H) };
    this.calibratedVar = { name: n.var, shape: shape(), data: a.f32(H) };
    this.calibratedMean.data.view.fill(NaN);
    this.calibratedVar.data.view.fill(NaN);
    this.running = { mean: this.runningMean.data, variance: this.runningVar.data, momentum: this.momentum };
  }

  outShape(inShape: readonly number[]): number[] {
    checkFeatures("BatchNorm1d", inShape, this.features);
    return [...inShape];
  }

  record(inShape: readonly number[]): BatchNormRec {
    const rows = rowsOf(this.outShape(inShape));
    const a = this.kernels.arena;
    const H = this.features;
    return {
      capacity: rows, x: null, out: null,
      outBuf: a.f32(rows * H), bnraw: a.f32(rows * H), bnmean: a.f32(H), bnvar: a.f32(H), bnvarInv: a.f32(H),
      trained: true, rows: 0, scratch: null,
    };
  }

  train(mode: boolean): void {
    this.training = mode;
  }

  get isTraining(): boolean {
    return this.training;
  }

  get isCalibrated(): boolean {
    return !Number.isNaN(this.calibratedMean.data.view[0]);
  }

  forward(rec: BatchNormRec, x: Act): Act {
    const R = checkInput("BatchNorm1d", x, this.features, rec);
    const H = this.features;
    const k = this.kernels;
    rec.trained = this.training;
    if (this.training) {
      if (R < 2) {
        throw new ConfigError("BatchNorm1d: expected more than 1 value per feature when training (batch of 1)");
      }
      // running ← (1 − momentum)·running + momentum·batch statistic (the unbiased variance, as the
      // lectures' running estimate), each product rounded to float32 as PyTorch rounds it: in the kernel
      k.batchNormTrain(
        rec.outBuf, rec.bnraw, rec.bnmean, rec.bnvar, rec.bnvarInv,
        x.data, this.gain.data, this.bias.data, R, H, this.eps, this.unbiased, this.running,
      );
    } else {
      const calibrated = this.evalStats === "calibrated";
      if (calibrated && !this.isCalibrated) {
        throw new ConfigError("BatchNorm1d: evaluation with calibrated statistics, but the layer was never calibrated");
      }
      const ms = (calibrated ? this.calibratedMean : this.runningMean).data.view;
      const vs = (calibrated ? this.calibratedVar : this.runningVar).data.view;
      const mean = rec.bnmean.view;
      const inv = rec.bnvarInv.view;
      for (let j = 0; j < H; j++) {
        mean[j] = ms[j];
        inv[j] = 1 / Math.sqrt(Math.fround(vs[j] + this.eps)); // (var + eps)^-0.5, rounded on store
      }
      k.batchNormEval(rec.outBuf, rec.bnraw, x.data, this.gain.data, this.bias.data, rec.bnmean, rec.bnvarInv, R, H);
    }
    rec.rows = R;
    rec.x = x;
    // the same Act object while the shape is the same (no allocation per step)
    if (rec.out === null || !sameShape(rec.out.shape, x.shape)) rec.out = { data: rec.outBuf, shape: x.shape };
    return rec.out;
  }

  backward(rec: BatchNormRec, dout: F32Buf, dx: F32Buf | null, accumulate = true): void {
    needForward("BatchNorm1d", rec);
    // The statistics the forward used decide the formula (not the mode now), as in PyTorch.
    const stats: BatchNormStats = !rec.trained ? "fixed" : this.unbiased ? "batch-unbiased" : "batch-biased";
    const into = dx ?? (rec.scratch ??= this.kernels.arena.f32(rec.capacity * this.features));
    this.kernels.batchNormBackward(
      into, this.gain.grad, this.bias.grad, dout, rec.bnraw, this.gain.data, rec.bnvarInv,
      rec.rows, this.features, stats, dx !== null && accumulate,
    );
  }

  /**
   * Forgets the calibrated statistics (NaN again) and evaluates with the running ones: after more
   * training they no longer describe the layer's input.
   */
  clearCalibration(): void {
    this.calibratedMean.data.view.fill(NaN);
    this.calibratedVar.data.view.fill(NaN);
    this.evalStats = "running";
  }

  /**
   * Starts a calibration into `sums` (2·H float64s, the caller's scratch, zeroed here): the statistics
   * of the rows given to `accumulateCalibration` (the layer's inputs over a whole split, in chunks)
   * until `endCalibration` stores them. The layer's forward passes take no part in it.
   */
  beginCalibration(sums: F64Buf): void {
    if (this.calibration !== null) throw new Error("BatchNorm1d.beginCalibration: a calibration is under way");
    if (!(sums.length >= 2 * this.features)) throw new RangeError(`BatchNorm1d.beginCalibration: sums has ${sums.length} elements, ${2 * this.features} needed`);
    sums.view.fill(0, 0, 2 * this.features);
    this.calibration = { n: 0, sums };
  }

  /** Adds the rows of `x` (R, H), an input of this layer, to the calibration begun. */
  accumulateCalibration(x: Act): void {
    const c = this.calibration;
    if (c === null) throw new Error("BatchNorm1d.accumulateCalibration without beginCalibration");
    checkFeatures("BatchNorm1d", x.shape, this.features);
    const R = rowsOf(x.shape);
    this.kernels.colMoments(c.sums, x.data, R, this.features);
    c.n += R;
  }

  /** Stores the accumulated mean and unbiased variance as the calibrated statistics. */
  endCalibration(): void {
    const c = this.calibration;
    if (c === null) throw new Error("BatchNorm1d.endCalibration without beginCalibration");
    this.calibration = null;
    if (c.n < 2) throw new ConfigError(`BatchNorm1d: calibration needs at least 2 rows, it was given ${c.n}`);
    const H = this.features;
    const s = c.sums.view;
    const m = this.calibratedMean.data.view;
    const v = this.calibratedVar.data.view;
    for (let j = 0; j < H; j++) {
      const mean = s[j] / c.n;
      m[j] = mean;
      v[j] = Math.max(0, (s[H + j] - c.n * mean * mean) / (c.n - 1));
    }
  }

  /** Drops a calibration begun (one that failed part way): the calibrated statistics stay as they were. */
  abortCalibration(): void {
    this.calibration = null;
  }

  parameters(): Parameter[] {
    return [this.gain, this.bias];
  }

  buffers(): Buffer[] {
    return [this.runningMean, this.runningVar, this.calibratedMean, this.calibratedVar];
  }
}
