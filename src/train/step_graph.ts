// The trainer's step as two recorded tapes of kernel calls (src/kernels/tape.ts): the forward pass with
// the loss, and the backward pass. The first steps run the model's JavaScript and record its calls;
// once two steps in a row made the same calls with the same arguments, and nothing in them refused
// (a layer computing in JavaScript, a product on the threads, a kernel result read), later steps replay
// the tapes: the same kernels on the same buffers in the same order, so the same bits, without the
// JavaScript between them. This is what makes a fresh process train at full speed from its first
// steps (issue 14): that JavaScript runs unoptimized for the first thousand steps or so.
//
// The tapes are dropped when what they were recorded under changes: the batch size, train/eval mode,
// the number of threads working. A failed check in a replay (an index outside the table: the checks run
// first and change nothing) drops them too, and the step runs again through the model, which throws the
// error it always threw. After a forward pass outside the trainer (an estimate, a sample, BatchNorm's
// calibration: Model.forwards counts them), the next step runs through the model again and is checked
// against the tapes, so that the layers' records — what diagnostics read — describe the training step.
// Steps between the two passes (the divergence check, zeroing the gradients, the optimizer) stay with
// the trainer, outside the tapes.

import type { I32Buf } from "../kernels/index.ts";
import { TapeCheckFailed, type Tape, type TapeRecorder } from "../kernels/tape.ts";
import type { Model } from "../models/model.ts";
import type { Tokens } from "../nn/embedding.ts";

/** Recordings that differ from the one before, after which a model's step is not recorded again. */
const MAX_MISMATCHES = 3;

export class StepGraph {
  /** False: every step runs the model's JavaScript (for tests and benchmarks that compare the two). */
  enabled = true;
  /** Why this model's step is not replayed (a recording refused, or kept changing), or null. */
  refused: string | null = null;
  private forwardTape: Tape | null = null;
  private backwardTape: Tape | null = null;
  /** This step's recording of the forward pass (between forwardLoss and backward). */
  private recorded: Tape | null = null;
  private lastForward: Tape | null = null;
  private lastBackward: Tape | null = null;
  /** Whether this step's forward pass was a replay. */
  private replayed = false;
  /** model.forwards after the last step's forward pass. */
  private forwards = -1;
  private mismatches = 0;
  // what the tapes were recorded under
  private batch = -1;
  private training = false;
  private threads = 1;

  constructor(private readonly model: Model) {}

  private get recorder(): TapeRecorder | undefined {
    return this.model.kernels.recorder;
  }

  /** Whether the next step replays its tapes. */
  get replaying(): boolean {
    return this.forwardTape !== null;
  }

  /** Drops the tapes and the recordings (a change the tapes cannot see: the trainer's batch buffers). */
  reset(): void {
    this.forwardTape = this.backwardTape = this.recorded = this.lastForward = this.lastBackward = null;
    this.mismatches = 0;
  }

  /** The forward pass on `tokens` and the loss against `targets` (B rows each): replayed or run. */
  forwardLoss(tokens: Tokens, targets: I32Buf): number {
    const { model } = this;
    this.replayed = false;
    this.recorded = null;
    const recorder = this.recorder;
    if (!this.enabled || recorder === undefined || recorder.recording !== null) return this.run(tokens, targets);
    const batch = tokens.shape[0], threads = recorder.threads();
    if (batch !== this.batch || model.training !== this.training || threads !== this.threads) {
      this.reset();
      this.refused = null; // (a refusal of before, under other settings, may not hold now)
      this.batch = batch;
      this.training = model.training;
      this.threads = threads;
    }
    if (this.refused !== null) return this.run(tokens, targets);
    const tape = this.forwardTape;
    if (tape !== null && model.forwards === this.forwards) {
      try {
        const loss = Math.fround(tape.replay());
        this.replayed = true;
        return loss;
      } catch (e) {
        if (!(e instanceof TapeCheckFailed)) throw e;
        this.reset(); // run the step through the model: its own check throws the error, with its message
      }
    }
    recorder.start();
    let loss = NaN;
    try {
      model.forward(tokens);
      loss = model.loss(targets);
      return loss;
    } finally {
      const recorded = recorder.stop();
      this.forwards = model.forwards;
      // the replay's result is the last cross-entropy's: it must be the loss the model returned
      if (!Object.is(Math.fround(recorded.result), loss)) recorded.refuse("its loss is not the last cross-entropy's result");
      this.recorded = recorded;
    }
  }

  /** The forward pass and the loss through the model's JavaScript, unrecorded. */
  private run(tokens: Tokens, targets: I32Buf): number {
    this.model.forward(tokens);
    return this.model.loss(targets);
  }

  /** The backward pass of the step forwardLoss began: replayed, run and recorded, or run. */
  backward(): void {
    const { model } = this;
    if (this.replayed) {
      this.backwardTape!.replay();
      return;
    }
    const forward = this.recorded;
    const recorder = this.recorder;
    if (forward === null || recorder === undefined) {
      model.backward();
      return;
    }
    this.recorded = null;
    recorder.start();
    let backward: Tape;
    try {
      model.backward();
    } finally {
      backward = recorder.stop();
    }
    this.adopt(forward, backward);
  }

  /** Keeps this step's recordings, and replays them from the next step if the last step's were the same. */
  private adopt(forward: Tape, backward: Tape): void {
    const why = forward.unreplayable ?? backward.unreplayable;
    if (why !== null) {
      this.refused = why;
      this.reset();
      return;
    }
    const { lastForward, lastBackward } = this;
    if (lastForward !== null && lastBackward !== null && lastForward.same(forward) && lastBackward.same(backward)) {
      this.forwardTape = forward;
      this.backwardTape = backward;
    } else {
      this.forwardTape = this.backwardTape = null;
      if (lastForward !== null && ++this.mismatches >= MAX_MISMATCHES) {
        this.refused = "its kernel calls changed from step to step";
        this.reset();
        return;
      }
    }
    this.lastForward = forward;
    this.lastBackward = backward;
  }
}
