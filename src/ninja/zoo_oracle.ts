// The autograd oracle of every model type of the zoo: makemore.py's bigram, mlp, rnn, gru, bow and
// transformer, and makemore part 5's WaveNet — each type's forward pass written with the engine's tensors
// exactly as shared/reference/make/torch_zoo.py's PyTorch classes (zoo_oracle_mlp.ts, zoo_oracle_rnn.ts,
// zoo_oracle_transformer.ts, zoo_oracle_wavenet.ts), from parameters under their state_dict names in the
// reference file's layout, and makemore.py's loss:
//   loss = F.cross_entropy(logits.view(−1, V), Y.view(−1), ignore_index=−1)   mean over the targets ≠ −1
// loss.backward() then gives every parameter's gradient with no hand-written derivative beyond the engine's
// primitives: what the fast path's hand-written backward (src/nn/, src/models/) is checked against, and
// what PyTorch's reference files (grad.<name>) check in turn.
// Letters: B batch, T block size, V vocabulary.

import { ConfigError } from "../errors.ts";
import { crossEntropy } from "../tensor/loss.ts";
import type { DType } from "../tensor/dtype.ts";
import { Tensor } from "../tensor/tensor.ts";
import type { OracleConfig, OracleParams, ShapeOf, ZooOracle } from "./zoo_oracle_base.ts";
import { BIGRAM_ORACLE, MLP_ORACLE } from "./zoo_oracle_mlp.ts";
import { GRU_ORACLE, RNN_ORACLE } from "./zoo_oracle_rnn.ts";
import { BOW_ORACLE, TRANSFORMER_ORACLE } from "./zoo_oracle_transformer.ts";
import { WAVENET_ORACLE } from "./zoo_oracle_wavenet.ts";
import { DEEP_ORACLE } from "./zoo_oracle_deep.ts";

export type { OracleConfig, OracleParams, ShapeOf, ZooOracle } from "./zoo_oracle_base.ts";

/** Every type with an oracle, makemore.py's in its order, then the WaveNet and makemore part 3's deep network. */
export const ZOO_ORACLES: readonly ZooOracle[] = [
  BIGRAM_ORACLE, MLP_ORACLE, RNN_ORACLE, GRU_ORACLE, BOW_ORACLE, TRANSFORMER_ORACLE, WAVENET_ORACLE, DEEP_ORACLE,
];

/** The target makemore.py's rows pad with (after the word's end): no loss there. */
export const IGNORE_INDEX = -1;

export function oracleTypes(): string[] {
  return ZOO_ORACLES.map((o) => o.type);
}

export function hasOracle(type: string): boolean {
  return ZOO_ORACLES.some((o) => o.type === type);
}

export function zooOracle(type: string): ZooOracle {
  const o = ZOO_ORACLES.find((x) => x.type === type);
  if (!o) throw new ConfigError(`no autograd oracle for model type "${type}" (the types with one: ${oracleTypes().join(", ")})`);
  return o;
}

/**
 * What is wrong with parameters of these shapes for `config` (a missing, unexpected or misshapen tensor),
 * or null. `names` lists the tensors there are (default: only those the oracle expects are looked at).
 */
export function parameterProblem(config: OracleConfig, shape: ShapeOf, names?: readonly string[]): string | null {
  const expected = zooOracle(config.type).shapes(config);
  const fmt = (s: readonly number[]) => `[${s.join(", ")}]`;
  for (const [name, want] of expected) {
    const got = shape(name);
    if (got === undefined) return `missing parameter '${name}' (type ${config.type} has ${expected.map(([n]) => n).join(", ")})`;
    if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
      return `parameter '${name}' has shape ${fmt(got)}, expected ${fmt(want)} (PyTorch's layout)`;
    }
  }
  const known = new Set(expected.map(([n]) => n));
  const extra = (names ?? []).filter((n) => !known.has(n));
  return extra.length > 0 ? `unexpected parameter${extra.length > 1 ? "s" : ""} ${extra.map((n) => `'${n}'`).join(", ")} for type ${config.type}` : null;
}

/** The config's sizes read from the parameters' shapes and X (B, T), plus `extra` (nHead, which they do not tell). */
export function inferOracleConfig(type: string, shape: ShapeOf, X: readonly number[], extra: Partial<OracleConfig> = {}): OracleConfig {
  return { ...zooOracle(type).infer(shape, X), ...extra, type };
}

export interface ZooPass {
  /** (B, T, V), or (B, V) for the WaveNet. */
  logits: Tensor;
  /** The mean cross-entropy over the targets that are not −1 (a 0-dim tensor in the graph). */
  loss: Tensor;
}

/** The forward pass and loss of `config.type` on X (B, T) and Y (B, T) or (B) int32; −1 targets are ignored. */
export function zooForward(params: OracleParams, X: Tensor, Y: Tensor, config: OracleConfig): ZooPass {
  const problem = parameterProblem(config, (n) => (Object.prototype.hasOwnProperty.call(params, n) ? params[n].shape : undefined), Object.keys(params));
  if (problem !== null) throw new ConfigError(`the ${config.type} oracle: ${problem}`);
  if (X.dtype !== "int32" || Y.dtype !== "int32") throw new ConfigError(`the ${config.type} oracle: X and Y must be int32 (got ${X.dtype} and ${Y.dtype})`);
  if (X.ndim !== 2) throw new ConfigError(`the ${config.type} oracle: X must be (B, T), got shape [${X.shape.join(", ")}]`);
  const logits = zooOracle(config.type).logits(params, X, config);
  const V = logits.shape[logits.ndim - 1];
  const loss = crossEntropy(logits.reshape(-1, V), Y.reshape(-1), { ignoreIndex: IGNORE_INDEX }); // (B·T, V), (B·T)
  return { logits, loss };
}

export interface ZooGradients {
  loss: number;
  /** dloss/dp of every parameter, by name, in the dtype the oracle ran in. */
  grads: Record<string, Tensor>;
  /** Targets the loss averaged over (those that are not −1). */
  targets: number;
}

/**
 * loss.backward() of the oracle on copies of `params` converted to `dtype` (float64 by default: the oracle
 * is then exact to float32's eyes, and what differs from it is the other program's rounding).
 */
export function zooGradients(params: OracleParams, X: Tensor, Y: Tensor, config: OracleConfig, dtype: DType = "float64"): ZooGradients {
  const leaves: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(params)) {
    const leaf = new Tensor(t.dtype === dtype ? t.data.slice() : t.detach().to(dtype).data, t.shape);
    leaf.requiresGrad = true;
    leaves[name] = leaf;
  }
  const { loss } = zooForward(leaves, X, Y, config);
  loss.backward();
  const grads: Record<string, Tensor> = {};
  for (const [name, leaf] of Object.entries(leaves)) grads[name] = leaf.grad ?? new Tensor(new Float64Array(leaf.numel), leaf.shape).to(dtype);
  let targets = 0;
  for (const y of Y.data) if (y !== IGNORE_INDEX) targets++;
  return { loss: loss.item(), grads, targets };
}
