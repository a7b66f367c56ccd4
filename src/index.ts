// makemore-ts public API, for Node and the browser: nothing below it imports `node:*`. The Node edge
// (word files, run directories, reports on disk) is `makemore-ts/node` (src/node/index.ts). The CLI,
// the browser lab and the benchmarks use nothing else.

export { MakemoreError, DataError, ConfigError, CheckpointError, OutOfMemoryError, InterruptedError } from "./errors.ts";

// Random streams identical to PyTorch's CPU generator and CPython's random.
export { Generator, DEFAULT_TORCH_SEED } from "./random/generator.ts";
export type { TorchVersion, GeneratorOptions, GeneratorState, Size } from "./random/generator.ts";
export type { MultinomialOptions } from "./random/multinomial.ts";
export { PyRandom } from "./random/pyrandom.ts";

// Word files to datasets.
export { parseWords, parseWordsText, BOUNDARY, DEFAULT_MAX_LINE_LENGTH } from "./data/words.ts";
export type { WordList, ReadOptions } from "./data/words.ts";
export { Vocabulary } from "./data/vocabulary.ts";
export { buildDataset } from "./data/dataset.ts";
export type { Dataset } from "./data/dataset.ts";
export { splitWords, buildCorpus, SPLITS, DEFAULT_SPLIT_SEED } from "./data/splits.ts";
export type { SplitName, SplitSeed, WordSplits } from "./data/splits.ts";
export { buildSequences, buildSequenceCorpus, splitWordsRandperm } from "./data/sequences.ts";
export type { SequenceDataset } from "./data/sequences.ts";
export { buildRunCorpus, wordsHash, type Corpus, type CorpusOptions, type SplitConfig, type RowKind } from "./data/corpus.ts";

// Kernels: WebAssembly SIMD and plain-TS backends over one arena of buffers.
export { Arena, F32Buf, F64Buf, I32Buf, ALIGN, createTsKernels, wasmArena, wasmKernels, loadWasm, relaxedSimdSupported, wasmForRun, wasmVariant, IGNORE_INDEX, countTargets } from "./kernels/index.ts";
export type { Kernels, KernelsBuild, ArenaMark, WasmVariant } from "./kernels/index.ts";
export { setThreads, threadCount, threadsReady, threadsUnavailable, MAX_THREADS, type ThreadsSetting } from "./kernels/index.ts";

// The autograd engine (the oracle): `autograd.tensor(...)`, `autograd.randn(...)`, ops and losses.
export * as autograd from "./tensor/index.ts";
export { Tensor, noGrad, TensorError, ShapeError, parseSafetensors, serializeSafetensors } from "./tensor/index.ts";
export type { TensorRecord, SafetensorsFile, SafetensorsDType } from "./tensor/index.ts";

// Layers of the fast path (hand-written backward accumulating into the caller's gradients).
export { Embedding, type Tokens, type EmbeddingRec } from "./nn/embedding.ts";
export { FlattenConsecutive } from "./nn/flatten.ts";
export { Linear, type LinearOptions } from "./nn/linear.ts";
export { BatchNorm1d, type BatchNormOptions, type EvalStats } from "./nn/batchnorm.ts";
export { Tanh } from "./nn/tanh.ts";
export { Sequential, type SequentialRec } from "./nn/sequential.ts";
export { CrossEntropyLoss, crossEntropyRowLosses } from "./nn/cross_entropy.ts";
export type { Act, Parameter, Buffer, Layer, Rec } from "./nn/layer.ts";

// Models: the registry of types (lecture, deep, wavenet, makemore.py's) and the Model interface they share.
export { ModelBase, numParameters, isFiniteModel, zeroGrad, parameterOf, type Model, type ModelConfigBase, type NamedAct } from "./models/model.ts";
export {
  modelTypes, modelTypeNames, modelType, modelConfig, checkModelConfig, buildModel, initModel, DEFAULT_MODEL_TYPE,
  type ModelType, type ConfigField, type TrainingDefaults,
} from "./models/registry.ts";
export { StackModel } from "./models/stack.ts";
export { planMemory, checkMemory, type MemoryPlan, type MemoryUse } from "./models/memory.ts";
export { LectureMLP, LECTURE, type LectureConfig } from "./models/lecture.ts";
export { initialize, INIT_PRESETS, INIT_DESCRIPTIONS, isInitPreset, type InitPreset } from "./models/lecture_init.ts";
export { WaveNet, WAVENET, type WaveNetConfig } from "./models/wavenet.ts";
export { DeepMLP, DEEP, type DeepConfig } from "./models/deep.ts";
export { Bigram, BIGRAM, type BigramConfig } from "./models/bigram.ts";
export { MakemoreMLP, MLP, type MlpConfig } from "./models/mlp.ts";
export { MakemoreRNN, RNN, GRU, type RnnConfig } from "./models/rnn.ts";
export { MakemoreBoW, BOW, type BowConfig } from "./models/bow.ts";
export { MakemoreTransformer, TRANSFORMER, type TransformerConfig } from "./models/transformer.ts";
export { MAKEMORE_PY_TRAINING } from "./models/sequence_model.ts";

// Training, evaluation, checkpoints (as bytes), sampling.
export { Trainer, DivergedError, type TrainConfig, type TrainEvent, type TrainListener } from "./train/trainer.ts";
export { stepSchedule, learningRate, type StepSchedule } from "./train/schedule.ts";
export { sgdStep } from "./train/sgd.ts";
export { createOptimizer, checkOptimizerConfig, ADAMW_DEFAULTS, type Optimizer, type OptimizerConfig } from "./train/optimizer.ts";
export {
  resolveSettings, settingsDiff, splitOf, UNTIL_INTERRUPTED, isOpenEnded, describeSteps, defaultEvalEvery,
  type RunOptions, type RunSettings,
} from "./train/config.ts";
export { calibrateBatchNorm, splitLoss, evaluateSplits, estimateSplits, ESTIMATE_ROWS, type SplitLosses } from "./train/evaluate.ts";
export {
  encodeCheckpoint, encodeBestSave, encodeModel, decodeCheckpoint, decodeRunConfig, decodeMetrics, restoreOptimizer, modelTensors,
  CHECKPOINT_FORMAT, type CheckpointFiles, type RunConfig, type MetricLine, type BestModel, type EstimateLine,
} from "./train/checkpoint.ts";
export { TrainingRun, EVAL_CHUNK, evalRows, corpusOf, type WordSource, type RunEnv, type Estimate } from "./train/run.ts";
export { TrainingLoop, samplingGenerator } from "./train/loop.ts";
export { sampleWords, seenWords, SAMPLE_BATCH, type Sample, type SampleOptions } from "./sample/sample.ts";

// makemore part 4: the exploded forward pass, hand-derived gradients, gradcheck, exercise 4.
export * as ninja from "./ninja/index.ts";
export {
  cmp, formatCmp, gradcheck, gradcheckFromSeed, gradcheckReference, formatGradcheck, ninjaReferenceFromRecords,
  GradcheckError, trainManual, trainAutograd, compareLosses,
} from "./ninja/index.ts";
export type { CmpResult, GradcheckReport, GradcheckRow, NinjaReference, NinjaParams, ExplodedPass } from "./ninja/index.ts";

// Diagnostics (numbers) and reports (charts): makemore part 3's looks inside training, the lr finder.
export { summarize, std, shareAbove, histogram, log10Ratio, type Summary, type Histogram, type HistogramOptions } from "./diagnostics/stats.ts";
export { layerStats, parameterStats, updateToDataRatios, lastTanh, actValues, SATURATION_THRESHOLD, type LayerStats, type ParameterStats, type ActivationStats, type GradientStats, type LayerKind } from "./diagnostics/layers.ts";
export { saturationMap, deadColumns, DeadNeuronTracker, deadNeuronsOverSplit, SATURATION_MAP_THRESHOLD, type SaturationMap, type DeadNeurons } from "./diagnostics/saturation.ts";
export { embedding2d, principalComponents, symmetricEigen, type Embedding2D } from "./diagnostics/embedding.ts";
export { lossCurve, defaultWindow, LiveLossCurve, type LossCurve } from "./diagnostics/loss_curve.ts";
export { probeBatch, readBatch, expectedInitialLoss, bitImage, type BatchDiagnostics, type BitImage, type FloatImage, type ProbeOptions } from "./diagnostics/probe.ts";
export { initExperiments, stageLabel, INIT_STAGES, type InitExperiments, type InitStage, type InitExperimentOptions } from "./diagnostics/init_stages.ts";
export {
  TrainingCollector, defaultCollectEvery, collectedBefore, SNAPSHOT_STEP,
  type CollectorOptions, type TrainingSeries, type CollectedTraining, type StepDiagnostics,
} from "./diagnostics/collector.ts";
export { gainExperiments, GAINS, GAIN_EXPERIMENT_STEPS, type GainExperiments, type GainExperiment, type GainExperimentOptions } from "./diagnostics/gain_experiments.ts";
export { diagnoseRun, collectRun, REPORT_FORMAT, type RunDiagnostics, type DiagnoseOptions } from "./diagnostics/run_report.ts";
export { findLearningRate, lrSweep, smooth, suggestLr, type LrSweep, type LrFinderOptions, type LrFinderResult, type LrSuggestion } from "./train/lr_finder.ts";
export { runReportPage, lrFinderPage } from "./report/pages.ts";
export { renderHtml } from "./report/html.ts";
export { BROWSER_RENDERER, BROWSER_BOOT } from "./report/browser.ts";
export { chartsOf, type ReportPage, type Section, type Item, type ChartSpec, type TableSpec, type ChartJsConfig, type Panel, type PanelLayout } from "./report/spec.ts";
