// Sampling names from a trained model, as the lectures do: start from a context of boundary tokens,
// run the model on it, softmax the logits, draw the next character with torch.multinomial on a
// Generator, slide the context, stop at the boundary token. A model with a prediction at every
// position (makemore.py's) reads one row instead: the start token, the characters drawn so far, and
// the logits at the last of them (the models are causal, so what follows in the row does not count).
// Temperature divides the logits (a tiny one draws the most likely character); top-k keeps the k most
// likely characters. Each word is marked new or already in the training data. Logits that are not
// finite (a diverged run) are a NonFiniteModelError that says what is wrong with the model.

import { ConfigError } from "../errors.ts";
import type { Vocabulary } from "../data/vocabulary.ts";
import type { Model } from "../models/model.ts";
import type { Generator } from "../random/generator.ts";
import { explainNonFinite, NonFiniteModelError } from "./finite.ts";

export interface SampleOptions {
  /** How many words. */
  count: number;
  /** Divides the logits: < 1 sharper, > 1 flatter (default 1). */
  temperature?: number;
  /** Draw only among the k most likely characters (default: all). */
  topK?: number;
  /** Longest word before sampling gives up on it (marked `truncated`). */
  maxLength?: number;
  /** Words of the training data, to mark samples as new or not. */
  known?: ReadonlySet<string>;
}

export interface Sample {
  word: string;
  /** Not in `known`. */
  isNew: boolean;
  /** Stopped at maxLength before the boundary token. */
  truncated: boolean;
}

export const DEFAULT_MAX_SAMPLE_LENGTH = 100;

export function sampleWords(model: Model, vocab: Vocabulary, g: Generator, options: SampleOptions): Sample[] {
  const { count } = options;
  const temperature = options.temperature ?? 1;
  const V = model.vocabSize;
  const T = model.blockSize;
  const perPosition = model.targetsPerRow > 1;
  const topK = options.topK ?? V;
  const maxLength = options.maxLength ?? DEFAULT_MAX_SAMPLE_LENGTH;
  if (!Number.isInteger(count) || count < 0) throw new ConfigError(`number of samples must be >= 0 (got ${count})`);
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new ConfigError(`temperature must be a number > 0 (got ${temperature})`);
  }
  if (!Number.isInteger(topK) || topK < 1) throw new ConfigError(`top-k must be a positive integer (got ${topK})`);
  if (vocab.size !== V) throw new ConfigError(`the vocabulary has ${vocab.size} tokens, the model ${V}`);

  const arena = model.kernels.arena;
  const mark = arena.mark();
  const out: Sample[] = [];
  const wasTraining = model.training;
  model.train(false);
  try {
    const ctx = arena.i32(T); // (1, T)
    const tokens = { data: ctx, shape: [1, T] };
    const probs = new Float32Array(V);
    const scaled = new Float64Array(V);
    const order = Array.from({ length: V }, (_, i) => i);
    for (let s = 0; s < count; s++) {
      ctx.view.fill(0);
      const ids: number[] = [];
      let truncated = false;
      for (;;) {
        const logits = model.forward(tokens).data.view; // (1, V), or (1, T, V): row `at`
        const at = perPosition ? ids.length * V : 0;
        let max = -Infinity;
        for (let v = 0; v < V; v++) {
          if (!Number.isFinite(logits[at + v])) throw new NonFiniteModelError(explainNonFinite(model));
          max = Math.max(max, logits[at + v]);
        }
        // logits / t as PyTorch divides them (then softmax subtracts the max); only where that overflows
        // float32 (a tiny t, where PyTorch gives NaN), (logits − max) / t: 0 at the most likely
        // characters and −∞ elsewhere, so the draw is the argmax (among ties, uniformly)
        let overflow = false;
        for (let v = 0; v < V; v++) overflow ||= !Number.isFinite((scaled[v] = logits[at + v] / temperature));
        if (overflow) for (let v = 0; v < V; v++) scaled[v] = (logits[at + v] - max) / temperature;
        if (topK < V) {
          order.sort((a, b) => logits[at + b] - logits[at + a] || a - b);
          for (let i = topK; i < V; i++) scaled[order[i]] = -Infinity;
        }
        softmaxInto(scaled, probs);
        const ix = g.multinomial(probs, 1)[0]; // torch.multinomial(probs, num_samples=1, generator=g)
        if (ix === 0) break;
        ids.push(ix);
        if (ids.length >= (perPosition ? Math.min(maxLength, T - 1) : maxLength)) {
          truncated = true;
          break;
        }
        const c = ctx.view;
        if (perPosition) {
          c[ids.length] = ix; // row = [0, w…]
        } else {
          c.copyWithin(0, 1); // context = context[1:] + [ix]
          c[T - 1] = ix;
        }
      }
      const word = vocab.decode(ids);
      out.push({ word, isNew: !(options.known?.has(word) ?? false), truncated });
    }
  } finally {
    arena.release(mark);
    model.train(wasTraining);
  }
  return out;
}

/** F.softmax over one row, rounded to float32. */
function softmaxInto(x: Float64Array, out: Float32Array): void {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > max) max = x[i];
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.exp(x[i] - max);
  for (let i = 0; i < x.length; i++) out[i] = Math.exp(x[i] - max) / sum;
}
