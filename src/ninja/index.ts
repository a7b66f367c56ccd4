// makemore part 4, "becoming a backprop ninja", as a library: the exploded forward pass on the autograd
// engine (forward.ts), the hand-derived gradient of every step (backward.ts, exercise 1), the fused
// cross-entropy and BatchNorm backward (fused.ts, exercises 2 and 3), the fast path's layer-by-layer
// gradients (fastpath.ts), cmp (cmp.ts), the gradient check
// with or without a PyTorch reference file (gradcheck.ts, reference.ts), and training with the hand-written
// backward against training with autograd (exercise4.ts, exercise 4). And for every model type of the zoo
// (makemore.py's and the WaveNet): its autograd oracle (zoo_oracle.ts), the check of its fast path against
// it (zoo_gradcheck.ts), and PyTorch's reference files of its layout (zoo_reference.ts).

export { cmp, formatCmp, formatDiff, maxDiff, ALLCLOSE_RTOL, ALLCLOSE_ATOL, type CmpResult, type Tolerance } from "./cmp.ts";
export {
  PARAM_NAMES, INTERMEDIATE_NAMES, GRAD_ORDER, MIN_BATCH, ninjaDims, initNinja, drawBatch, explodedForward, valueOf, autogradOf,
  type ParamName, type NinjaParams, type IntermediateName, type GradName, type NinjaDims, type Batch, type ExplodedPass,
} from "./forward.ts";
export { manualBackward, type ManualGrads } from "./backward.ts";
export { crossEntropyBackward, batchNormBackward, type BatchNormSaved } from "./fused.ts";
export { ninjaReferenceFromRecords, referenceShapes, type NinjaReference } from "./reference.ts";
export {
  gradcheck, gradcheckFromSeed, gradcheckReference, formatGradcheck, referenceTolerance, fastPathTolerance, GradcheckError,
  type GradcheckReport, type GradcheckRow, type GradcheckOptions, type ReferenceDiffs, type SeedOptions,
} from "./gradcheck.ts";
export { fastPath, FAST_PATH_ORDER, type FastPath, type FastPathName } from "./fastpath.ts";
export { trainManual, trainAutograd, compareLosses, type Exercise4Options, type LossAgreement } from "./exercise4.ts";
export {
  ZOO_ORACLES, IGNORE_INDEX, oracleTypes, hasOracle, zooOracle, parameterProblem, inferOracleConfig, zooForward, zooGradients,
  type OracleConfig, type OracleParams, type ZooOracle, type ZooPass, type ZooGradients,
} from "./zoo_oracle.ts";
export { zooReferenceFromRecords, referenceType, type ZooReference } from "./zoo_reference.ts";
export {
  zooGradcheck, zooGradcheckFromSeed, zooGradcheckReference, formatZooGradcheck, checkAutogradMemory,
  type ZooGradcheckReport, type ZooGradcheckRow, type ZooSeedOptions,
} from "./zoo_gradcheck.ts";
