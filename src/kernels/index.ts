// The kernels' public surface, for src/index.ts to re-export: the arena and its buffers, the Kernels
// interface, and its two backends (WebAssembly SIMD, in the build this runtime runs, and plain TypeScript).

export { Arena, PlanArena, F32Buf, F64Buf, I32Buf, ALIGN, WASM32_MAX_BYTES, formatBytes, type ArenaMark, type ArenaOptions } from "./arena.ts";
export type { Kernels, BatchNormStats } from "./kernels.ts";
export { adamwScalars, type AdamWScalars, type AdamWHyper } from "./ops/adamw.ts";
export { fusedMulAddF32 } from "./float32.ts";
export { KernelIndexError } from "./kernels.ts";
export { IGNORE_INDEX, countTargets } from "./ops/cross_entropy.ts";
export { createTsKernels } from "./reference.ts";
export { createWasmKernels, wasmArena, wasmKernels } from "./wasm-kernels.ts";
export { chooseWasmForRun, chooseWasmVariant, loadWasm, relaxedSimdSupported, wasmForRun, wasmVariant, WASM_VARIANTS, type KernelsBuild, type WasmVariant } from "./wasm.ts";
export { setThreads, threadCount, threadsReady, threadsUnavailable, autoThreads, defaultThreads, AUTO_MIN_CPUS, MAX_THREADS, type ThreadsSetting } from "./threads.ts";
