// makemore-ts public API. The CLI, the browser lab and the benchmarks use nothing else.

export { MakemoreError, DataError, ConfigError, CheckpointError } from "./errors.ts";

// Random streams identical to PyTorch's CPU generator and CPython's random.
export { Generator, DEFAULT_TORCH_SEED } from "./random/generator.ts";
export type { TorchVersion, GeneratorOptions, GeneratorState, Size } from "./random/generator.ts";
export type { MultinomialOptions } from "./random/multinomial.ts";
export { PyRandom } from "./random/pyrandom.ts";

// Word files to datasets.
export { parseWords, parseWordsText, BOUNDARY, DEFAULT_MAX_LINE_LENGTH } from "./data/words.ts";
export type { WordList, ReadOptions } from "./data/words.ts";
export { readWordFile, DEFAULT_WORDS_FILE } from "./data/files.ts";
export { Vocabulary } from "./data/vocabulary.ts";
export { buildDataset } from "./data/dataset.ts";
export type { Dataset } from "./data/dataset.ts";
export { splitWords, buildCorpus, SPLITS, DEFAULT_SPLIT_SEED } from "./data/splits.ts";
export type { SplitName, SplitSeed, WordSplits, Corpus } from "./data/splits.ts";

// Kernels: WebAssembly SIMD and plain-TS backends over one arena of buffers.
export { Arena, F32Buf, I32Buf, ALIGN, createTsKernels, wasmArena, wasmKernels, loadWasm } from "./kernels/index.ts";
export type { Kernels, ArenaMark } from "./kernels/index.ts";

// The autograd engine (the oracle): `autograd.tensor(...)`, `autograd.randn(...)`, ops and losses.
export * as autograd from "./tensor/index.ts";
export { Tensor, noGrad, TensorError, ShapeError, parseSafetensors, serializeSafetensors } from "./tensor/index.ts";
export type { TensorRecord, SafetensorsFile, SafetensorsDType } from "./tensor/index.ts";
export { readSafetensors, writeSafetensors } from "./tensor/safetensors-file.ts";

// Layers of the fast path (hand-written backward), the lectures' MLP and its init presets.
export { Embedding, type Tokens } from "./nn/embedding.ts";
export { FlattenConsecutive } from "./nn/flatten.ts";
export { Linear, type LinearOptions } from "./nn/linear.ts";
export { BatchNorm1d, type BatchNormOptions, type EvalStats } from "./nn/batchnorm.ts";
export { Tanh } from "./nn/tanh.ts";
export { Sequential } from "./nn/sequential.ts";
export { CrossEntropyLoss, crossEntropyRowLosses } from "./nn/cross_entropy.ts";
export type { Act, Parameter, Buffer, Layer, LayerContext } from "./nn/layer.ts";
export { MLP, mlpConfig, DEFAULT_MLP_CONFIG, type MLPConfig } from "./models/mlp.ts";
export { initialize, INIT_PRESETS, INIT_DESCRIPTIONS, isInitPreset, type InitPreset } from "./models/init.ts";

// Training, evaluation, checkpoints, sampling.
export { Trainer, DivergedError, type TrainConfig, type TrainEvent, type TrainListener } from "./train/trainer.ts";
export { stepSchedule, learningRate, type StepSchedule } from "./train/schedule.ts";
export { sgdStep } from "./train/sgd.ts";
export { calibrateBatchNorm, splitLoss, evaluateSplits, type SplitLosses } from "./train/evaluate.ts";
export { saveRun, loadRun, readRunConfig, readMetrics, hasRun, type RunConfig, type RunSettings, type MetricLine } from "./train/checkpoint.ts";
export { TrainingRun, DEFAULT_RUN, EVAL_CHUNK, checkRunDir, sampleFromRun, type RunOptions, type SampleRunOptions } from "./train/run.ts";
export { sampleWords, type Sample, type SampleOptions } from "./sample/sample.ts";

// makemore part 4: the exploded forward pass, hand-derived gradients, gradcheck, exercise 4.
export * as ninja from "./ninja/index.ts";
export {
  cmp, formatCmp, gradcheck, gradcheckFromSeed, gradcheckReference, formatGradcheck, readNinjaReference,
  GradcheckError, trainManual, trainAutograd, compareLosses,
} from "./ninja/index.ts";
export type { CmpResult, GradcheckReport, GradcheckRow, NinjaReference, NinjaParams, ExplodedPass } from "./ninja/index.ts";

// Diagnostics (numbers) and reports (charts): makemore part 3's looks inside training, the lr finder.
export { summarize, std, shareAbove, histogram, log10Ratio, type Summary, type Histogram, type HistogramOptions } from "./diagnostics/stats.ts";
export { layerStats, parameterStats, updateToDataRatios, layerName, actValues, SATURATION_THRESHOLD, type LayerStats, type ParameterStats, type ActivationStats, type GradientStats, type LayerKind } from "./diagnostics/layers.ts";
export { saturationMap, deadColumns, DeadNeuronTracker, deadNeuronsOverSplit, SATURATION_MAP_THRESHOLD, type SaturationMap, type DeadNeurons } from "./diagnostics/saturation.ts";
export { embedding2d, principalComponents, symmetricEigen, type Embedding2D } from "./diagnostics/embedding.ts";
export { lossCurve, defaultWindow, type LossCurve } from "./diagnostics/loss_curve.ts";
export { probeBatch, readBatch, expectedInitialLoss, bitImage, type BatchDiagnostics, type BitImage, type FloatImage, type ProbeOptions } from "./diagnostics/probe.ts";
export { initExperiments, stageLabel, INIT_STAGES, type InitExperiments, type InitStage, type InitExperimentOptions } from "./diagnostics/init_stages.ts";
export { TrainingCollector, defaultCollectEvery, type CollectorOptions, type TrainingSeries } from "./diagnostics/collector.ts";
export { diagnoseRun, REPORT_FORMAT, type RunDiagnostics, type DiagnoseOptions } from "./diagnostics/run_report.ts";
export { findLearningRate, lrSweep, smooth, suggestLr, type LrSweep, type LrFinderOptions, type LrFinderResult, type LrSuggestion } from "./train/lr_finder.ts";
export { runReportPage, lrFinderPage } from "./report/pages.ts";
export { renderHtml, writeHtmlReport, chartJsBundle } from "./report/html.ts";
export { BROWSER_RENDERER, BROWSER_BOOT } from "./report/browser.ts";
export { chartsOf, type ReportPage, type Section, type Item, type ChartSpec, type TableSpec, type ChartJsConfig } from "./report/spec.ts";
