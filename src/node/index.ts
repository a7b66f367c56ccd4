// makemore-ts/node: the Node edge — word files on disk, run directories (saved whole, one writer at a
// time: run_store.ts, run_lock.ts; with the diagnostics collected while training: diagnostics_file.ts),
// atomic writes, reports written to disk, gradcheck reference files. The core (makemore-ts) holds
// everything else and runs in a browser too; this entry re-exports it, so a Node program needs only
// this one.

export * from "../index.ts";
export { readWordFile, DEFAULT_WORDS_FILE } from "./words.ts";
export { writeFileAtomicSync } from "./atomic-write.ts";
export { readSafetensors, writeSafetensors } from "./safetensors-file.ts";
export { readNinjaReference } from "./ninja.ts";
export { chartJsBundle, reportHtml, writeHtmlReport } from "./report.ts";
export {
  DIAGNOSTICS_FILE, encodeDiagnostics, decodeDiagnostics, readDiagnostics, type DiagnosticsRead, type DiagnosticsExpectation,
} from "./diagnostics_file.ts";
export {
  createRun, saveRun, saveBestModel, writeRunFiles, loadRun, lockRunDir, hasRun, readRunConfig, readMetrics, checkRunDir, sampleFromRun,
  type SampleRunOptions, type RunSamples,
} from "./run_dir.ts";
