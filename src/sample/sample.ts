// Sampling words from a trained model, two ways, each as its source does it:
//  - the lectures' loop (a model with one prediction per context window): start from a context of
//    boundary tokens, run the model, softmax the logits, draw the next character with
//    torch.multinomial, slide the context, stop at the boundary token — one word after the other;
//  - makemore.py's `generate` and `print_samples` (a model with a prediction at every position): all
//    words advance together, one position per forward pass over the batch — the row is the start token
//    and the characters drawn so far (cropped to the last block-size tokens if it grows longer), the
//    logits are read at its last position, one torch.multinomial over the batch draws every row's next
//    character — for `maxLength` steps (default: the longest word of the data, block size − 1); each
//    row is then cut at its first boundary token. Rows that have ended keep drawing, as in makemore.py,
//    so the same generator state gives makemore.py's words draw for draw.
// Temperature divides the logits (a tiny one draws the most likely character); top-k keeps the
// characters whose logit is at least the k-th largest (makemore.py's `logits[logits < v[:, [-1]]] =
// -inf`). Each word is marked as makemore.py's print_samples marks it: in train, in val, in test, or
// new. Logits that are not finite (a diverged run) are a NonFiniteModelError that says what is wrong.
//
// Letters: B words sampled together, T block size, V vocabulary.

import { ConfigError } from "../errors.ts";
import type { SplitName } from "../data/splits.ts";
import type { Vocabulary } from "../data/vocabulary.ts";
import type { Model } from "../models/model.ts";
import type { Generator } from "../random/generator.ts";
import { multinomialInto } from "../random/multinomial.ts";
import { explainNonFinite, NonFiniteModelError } from "./finite.ts";

/** Where a sampled word was seen: the split holding it (makemore.py checks train first), or null for a new word. */
export type SeenIn = SplitName | null;

/** Each known word and the split it is in (the first of train, val, test that holds it). */
export type SeenWords = ReadonlyMap<string, SplitName>;

export interface SampleOptions {
  /** How many words. */
  count: number;
  /** Divides the logits: < 1 sharper, > 1 flatter (default 1). */
  temperature?: number;
  /** Draw only among the characters whose logit is at least the k-th largest (default: all). */
  topK?: number;
  /**
   * Most characters per word. Default: for a model with a prediction at every position, its block size
   * − 1 (makemore.py's: the longest word of the data); for a context-window model DEFAULT_MAX_SAMPLE_LENGTH.
   */
  maxLength?: number;
  /** The words of the run's splits, to mark each sample (see `seenWords`); without it every sample is unmarked new. */
  seen?: SeenWords;
}

export interface Sample {
  word: string;
  /** In none of the splits (`seenIn` null). */
  isNew: boolean;
  /** The split that holds the word, or null: a new word. */
  seenIn: SeenIn;
  /** Stopped at maxLength before the boundary token. */
  truncated: boolean;
}

/** The longest word a context-window model samples before giving up on it (marked truncated). */
export const DEFAULT_MAX_SAMPLE_LENGTH = 100;

/** The most words makemore.py's batched sampling draws in one batch (more are drawn batch after batch). */
export const SAMPLE_BATCH = 1024;

/** Each word of the splits and the first split (train, val, test) that holds it. */
export function seenWords(splits: Partial<Record<SplitName, readonly string[]>>): SeenWords {
  const out = new Map<string, SplitName>();
  for (const s of ["train", "val", "test"] as const) for (const w of splits[s] ?? []) if (!out.has(w)) out.set(w, s);
  return out;
}

/** Words sampled from `model` with `g`; the way depends on the model (see the file's header). */
export function sampleWords(model: Model, vocab: Vocabulary, g: Generator, options: SampleOptions): Sample[] {
  const { count } = options;
  const temperature = options.temperature ?? 1;
  const V = model.vocabSize;
  const topK = options.topK ?? V;
  const perPosition = model.targetsPerRow > 1;
  const maxLength = options.maxLength ?? (perPosition ? model.blockSize - 1 : DEFAULT_MAX_SAMPLE_LENGTH);
  if (!Number.isInteger(count) || count < 0) throw new ConfigError(`number of samples must be >= 0 (got ${count})`);
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new ConfigError(`temperature must be a number > 0 (got ${temperature})`);
  }
  if (!Number.isInteger(topK) || topK < 1) throw new ConfigError(`top-k must be a positive integer (got ${topK})`);
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new ConfigError(`the longest sample must be a positive integer (got ${maxLength})`);
  if (vocab.size !== V) throw new ConfigError(`the vocabulary has ${vocab.size} tokens, the model ${V}`);

  const draw = new Drawer(model, temperature, topK);
  const wasTraining = model.training;
  const arena = model.kernels.arena;
  const mark = arena.mark();
  model.train(false);
  try {
    const rows = perPosition ? sampleBatched(model, g, draw, count, maxLength) : sampleWindows(model, g, draw, count, maxLength);
    return rows.map(({ ids, truncated }) => {
      const word = vocab.decode(ids);
      const seenIn = options.seen?.get(word) ?? null;
      return { word, isNew: seenIn === null, seenIn, truncated };
    });
  } finally {
    arena.release(mark);
    model.train(wasTraining);
  }
}

interface Drawn {
  ids: number[];
  truncated: boolean;
}

/** The lectures' loop: one word at a time, the context window sliding over the characters drawn. */
function sampleWindows(model: Model, g: Generator, draw: Drawer, count: number, maxLength: number): Drawn[] {
  const T = model.blockSize;
  const ctx = model.kernels.arena.i32(T); // (1, T)
  const tokens = { data: ctx, shape: [1, T] };
  const out: Drawn[] = [];
  const ix = new Int32Array(1);
  for (let s = 0; s < count; s++) {
    ctx.view.fill(0);
    const ids: number[] = [];
    let truncated = false;
    for (;;) {
      const logits = model.forward(tokens).data.view; // (1, V)
      draw.probsOf(logits, 0, 0);
      draw.sample(g, ix, 1); // torch.multinomial(probs, num_samples=1, generator=g)
      if (ix[0] === 0) break;
      ids.push(ix[0]);
      if (ids.length >= maxLength) {
        truncated = true;
        break;
      }
      ctx.view.copyWithin(0, 1); // context = context[1:] + [ix]
      ctx.view[T - 1] = ix[0];
    }
    out.push({ ids, truncated });
  }
  return out;
}

/**
 * makemore.py's generate + print_samples: batches of up to SAMPLE_BATCH words (at most the model's
 * capacity), every row advancing one position per forward pass for `steps` positions.
 */
function sampleBatched(model: Model, g: Generator, draw: Drawer, count: number, steps: number): Drawn[] {
  const T = model.blockSize;
  const V = model.vocabSize;
  const batch = Math.max(1, Math.min(count, SAMPLE_BATCH, model.capacity));
  const ctx = model.kernels.arena.i32(batch * T); // (B, T)
  const idx = new Int32Array(batch * (steps + 1)); // (B, 1 + steps): the start token, then the draws
  const next = new Int32Array(batch);
  const out: Drawn[] = [];
  for (let done = 0; done < count; done += batch) {
    const B = Math.min(batch, count - done);
    const tokens = { data: ctx, shape: [B, T] };
    idx.fill(0);
    for (let t = 0; t < steps; t++) {
      // idx_cond = idx if idx.size(1) <= block_size else idx[:, -block_size:]
      const len = Math.min(t + 1, T);
      const from = t + 1 - len;
      const c = ctx.view;
      c.fill(0, 0, B * T);
      for (let b = 0; b < B; b++) for (let k = 0; k < len; k++) c[b * T + k] = idx[b * (steps + 1) + from + k];
      const logits = model.forward(tokens).data.view; // (B, T, V): read each row at its last position
      for (let b = 0; b < B; b++) draw.probsOf(logits, (b * T + len - 1) * V, b);
      draw.sample(g, next.subarray(0, B), B); // idx_next = torch.multinomial(probs, num_samples=1)
      for (let b = 0; b < B; b++) idx[b * (steps + 1) + t + 1] = next[b];
    }
    for (let b = 0; b < B; b++) {
      const row = Array.from(idx.subarray(b * (steps + 1) + 1, (b + 1) * (steps + 1))); // crop the start token
      const stop = row.indexOf(0); // token 0 ends the word
      // a row without token 0 is a word of the longest length, as makemore.py prints it: not cut short
      out.push({ ids: stop < 0 ? row : row.slice(0, stop), truncated: false });
    }
  }
  return out;
}

/** Logits → probabilities (temperature, top-k, softmax) for rows of a batch, and the draw. */
class Drawer {
  private readonly V: number;
  private probs: Float32Array;
  private readonly scaled: Float64Array;
  private readonly sorted: Float64Array;

  constructor(
    private readonly model: Model,
    private readonly temperature: number,
    private readonly topK: number,
  ) {
    this.V = model.vocabSize;
    this.probs = new Float32Array(this.V);
    this.scaled = new Float64Array(this.V);
    this.sorted = new Float64Array(this.V);
  }

  /** Row `row` of the probabilities from the V logits at `at`. */
  probsOf(logits: Float32Array, at: number, row: number): void {
    const { V, temperature, scaled } = this;
    if (this.probs.length < (row + 1) * V) {
      const grown = new Float32Array(Math.max((row + 1) * V, 2 * this.probs.length));
      grown.set(this.probs);
      this.probs = grown;
    }
    let max = -Infinity;
    for (let v = 0; v < V; v++) {
      if (!Number.isFinite(logits[at + v])) throw new NonFiniteModelError(explainNonFinite(this.model));
      max = Math.max(max, logits[at + v]);
    }
    // logits / t as PyTorch divides them (then softmax subtracts the max); only where that overflows
    // float32 (a tiny t, where PyTorch gives NaN), (logits − max) / t: 0 at the most likely characters
    // and −∞ elsewhere, so the draw is the argmax (among ties, uniformly)
    let overflow = false;
    for (let v = 0; v < V; v++) overflow ||= !Number.isFinite((scaled[v] = logits[at + v] / temperature));
    if (overflow) for (let v = 0; v < V; v++) scaled[v] = (logits[at + v] - max) / temperature;
    if (this.topK < V) {
      // v, _ = torch.topk(logits, k); logits[logits < v[:, [-1]]] = -inf
      this.sorted.set(scaled);
      this.sorted.sort();
      const kth = this.sorted[V - this.topK];
      for (let v = 0; v < V; v++) if (scaled[v] < kth) scaled[v] = -Infinity;
    }
    softmaxInto(scaled, this.probs.subarray(row * V, (row + 1) * V));
  }

  /** One index from each of the first `rows` rows of probabilities into `out`. */
  sample(g: Generator, out: Int32Array, rows: number): void {
    multinomialInto(g, out, this.probs.subarray(0, rows * this.V), 1, { categories: this.V });
  }
}

/** F.softmax over one row, rounded to float32. */
function softmaxInto(x: Float64Array, out: Float32Array): void {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > max) max = x[i];
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.exp(x[i] - max);
  for (let i = 0; i < x.length; i++) out[i] = Math.exp(x[i] - max) / sum;
}
