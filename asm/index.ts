// makemore-ts WebAssembly kernels (AssemblyScript, v128 SIMD).
//
// One module for Node and the browser. The module owns its linear memory; the TypeScript side
// (src/kernels/) hands out buffers inside it and passes byte offsets ("pointers") here, so a
// training step copies nothing in or out. Kernels know nothing about tensors or layers.

export { sumF32 } from "./reduce";
