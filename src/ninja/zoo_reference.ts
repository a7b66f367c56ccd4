// A reference file for `gradcheck --type T --reference FILE`: what real PyTorch computed for one batch of a
// zoo model, in the layout shared/reference/make/torch_zoo.py writes (shared/reference/zoo/<type>-<seed>.safetensors):
//   every parameter at init under its state_dict name, in the file's layout     float32
//   the batch  X (B,T)  Y (B,T), or (B) for the WaveNet; −1 = ignored target    int32 or int64
//   grad.<name>  PyTorch's gradient of every parameter on that batch            float32
//   (step3.<name>, the parameters after 3 optimizer steps, are not read here)
//   __metadata__.type  the model type (makemore.py's --type, or wavenet)
// The sizes come from the shapes (zoo_oracle.ts); the transformer's head count, which no shape tells, from
// __metadata__.n_head if the file has it, else from the caller. Anything missing, of another shape or dtype,
// or a token outside the vocabulary is a CheckpointError naming the file.
// Letters: B batch, T block size, V vocabulary.

import { CheckpointError, ConfigError } from "../errors.ts";
import type { TensorRecord } from "../tensor/safetensors.ts";
import { tensorFromRecord } from "../tensor/safetensors-tensor.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { IGNORE_INDEX, hasOracle, inferOracleConfig, oracleTypes, parameterProblem, zooOracle, type OracleConfig } from "./zoo_oracle.ts";

export interface ZooReference {
  /** The file, for messages. */
  file: string;
  type: string;
  /** The sizes read from the shapes (and nHead). */
  config: OracleConfig;
  /** The parameters at init, by state_dict name, in named_parameters() order. */
  params: Record<string, Tensor>;
  /** (B, T) int32 */
  X: Tensor;
  /** (B, T) or (B) int32 */
  Y: Tensor;
  /** PyTorch's gradient of every parameter (the file's grad.<name>). */
  grads: Record<string, Tensor>;
  metadata: Record<string, string>;
}

const fmt = (shape: readonly number[]): string => `[${shape.join(", ")}]`;

/** The model type a zoo reference file names in its metadata, or null (a makemore part 4 file has none). */
export function referenceType(metadata: Record<string, string>): string | null {
  return Object.prototype.hasOwnProperty.call(metadata, "type") ? metadata.type : null;
}

/**
 * Checks a zoo reference file's parsed records (see the file header for its layout); src/node/ reads the
 * file. `type` overrides the metadata's; `nHead` is used when the metadata has no n_head.
 */
export function zooReferenceFromRecords(
  records: Record<string, TensorRecord>,
  file: string,
  metadata: Record<string, string> = {},
  { type: given, nHead }: { type?: string; nHead?: number } = {},
): ZooReference {
  const fail = (what: string): never => {
    throw new CheckpointError(`not a zoo reference file: ${what}`, file);
  };
  const type = given ?? referenceType(metadata) ?? fail("its __metadata__ names no model type (pass --type)");
  if (!hasOracle(type)) fail(`type "${type}" has no autograd oracle (the types with one: ${oracleTypes().join(", ")})`);
  const has = (name: string) => Object.prototype.hasOwnProperty.call(records, name);
  const shapeOf = (name: string) => (has(name) ? records[name].shape : undefined);
  const index = (name: string, ranks: number[]): Tensor => {
    if (!has(name)) return fail(`missing tensor '${name}' (the batch: X (B, T) and Y, int32)`);
    const r = records[name];
    if (r.dtype !== "I32" && r.dtype !== "I64") fail(`tensor '${name}' is ${r.dtype}, expected I32 or I64`);
    if (!ranks.includes(r.shape.length)) fail(`tensor '${name}' has shape ${fmt(r.shape)}, expected ${ranks.join(" or ")} dimensions`);
    return tensorFromRecord(r, name);
  };
  const X = index("X", [2]);
  const Y = index("Y", [1, 2]);
  const [B, T] = X.shape;
  if (Y.shape[0] !== B || (Y.ndim === 2 && Y.shape[1] !== T)) fail(`Y has shape ${fmt(Y.shape)}, expected [${B}, ${T}] or [${B}] (X is ${fmt(X.shape)})`);
  const n = Number(metadata.n_head);
  const heads = Object.prototype.hasOwnProperty.call(metadata, "n_head") && Number.isInteger(n) && n > 0 ? n : nHead;
  let config: OracleConfig;
  try {
    config = inferOracleConfig(type, shapeOf, X.shape, heads === undefined ? {} : { nHead: heads });
  } catch (e) {
    if (e instanceof ConfigError) return fail(`${e.message} (a reference of type ${type} holds ${oracleNames(type)})`);
    throw e;
  }
  const names = Object.keys(records).filter((k) => !/^(grad|step3)\./.test(k) && k !== "X" && k !== "Y");
  const problem = parameterProblem(config, shapeOf, names);
  if (problem !== null) fail(problem);
  const V = config.vocabSize;
  for (const v of X.data) if (!(v >= 0 && v < V)) fail(`X holds ${v}, outside the vocabulary of ${V} tokens`);
  for (const v of Y.data) if (!(v === IGNORE_INDEX || (v >= 0 && v < V))) fail(`Y holds ${v}, neither a token of the ${V} nor ${IGNORE_INDEX} (ignored)`);
  const params: Record<string, Tensor> = {};
  const grads: Record<string, Tensor> = {};
  for (const [name, shape] of zooOracle(type).shapes(config)) {
    for (const [key, into] of [[name, params], [`grad.${name}`, grads]] as const) {
      if (!has(key)) fail(`missing tensor '${key}' (PyTorch's gradient of every parameter)`);
      const r = records[key];
      if (r.dtype !== "F32") fail(`tensor '${key}' is ${r.dtype}, expected F32`);
      if (fmt(r.shape) !== fmt(shape)) fail(`tensor '${key}' has shape ${fmt(r.shape)}, expected ${fmt(shape)}`);
      into[name] = tensorFromRecord(r, key);
    }
  }
  return { file, type, config, params, X, Y, grads, metadata };
}

/** "a, b, c": the parameters a `type` file holds, for messages (sizes that need no config: the names only). */
function oracleNames(type: string): string {
  const names: Record<string, string> = {
    bigram: "logits",
    mlp: "wte.weight, mlp.0.*, mlp.2.*",
    rnn: "start, wte.weight, cell.xh_to_h.*, lm_head.*",
    gru: "start, wte.weight, cell.xh_to_{z,r,hbar}.*, lm_head.*",
    bow: "wte.weight, wpe.weight, context_block.mlp.*, lm_head.*",
    transformer: "transformer.wte.weight, transformer.wpe.weight, transformer.h.<l>.*, transformer.ln_f.*, lm_head.weight",
    wavenet: "C, W<l>, gamma<l>, beta<l>, Wout, bout",
  };
  return names[type] ?? "its parameters";
}
