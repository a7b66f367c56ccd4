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

// Kernels.
export { wasmExports, loadWasm } from "./kernels/wasm.ts";
export type { WasmExports } from "./kernels/wasm.ts";
