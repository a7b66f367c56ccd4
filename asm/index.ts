// makemore-ts WebAssembly kernels (AssemblyScript, v128 SIMD).
//
// One module for Node and the browser, built twice from these sources (scripts/build-wasm.mjs): with
// relaxed SIMD, where the matrix products' multiply-adds are fused (lanes.ts's madd), and without. The
// module owns its linear memory; the TypeScript side (src/kernels/) hands out buffers inside it and
// passes byte offsets ("pointers") here, so a training step copies nothing in or out. Kernels know
// nothing about tensors or layers.
// scripts/build-wasm.mjs reads the `export function` declarations this file re-exports (their asm types
// and doc comments) and generates their TypeScript interface, WasmExports, in
// src/kernels/wasm-exports.generated.ts: a new kernel is one line here plus its wrapper in src/kernels/.

export { heapBase } from "./memory";
export { sumF32, colSumF32, colMomentsF64 } from "./reduce";
export { fillF32, axpyF32, addRowF32 } from "./elementwise";
export { sgdTable, sgdTableEntries, sgdF32, zeroGradsF32 } from "./sgd";
export { matmulNN } from "./matmul_nn";
export { matmulNT } from "./matmul_nt";
export { matmulTN, matmulTNRows } from "./matmul_tn";
export { setPackThread } from "./pack";
export { tanhF32, tanhBackwardF32 } from "./tanh";
export { expF32 } from "./expf";
export { batchNormTrainF32, batchNormEvalF32, batchNormBackwardF32 } from "./batchnorm";
export { checkTargets, crossEntropyF32, crossEntropyRowsF32 } from "./cross_entropy";
export { checkIndices, embeddingGatherF32, embeddingScatterAddF32 } from "./embedding";
export { geluF32, geluBackwardF32, sigmoidF32, sigmoidBackwardF32, mulF32 } from "./activations";
export { layerNormF32, layerNormBackwardF32 } from "./layernorm";
export { attentionForwardF32, attentionBackwardF32 } from "./attention";
export { adamwF32 } from "./adamw";
export { causalMeanF32, causalMeanBackwardF32 } from "./bow";
export { embeddingBagSumF32, embeddingBagScatterAddF32 } from "./embedding_bag";
export { peakMaddF32 } from "./peak";
