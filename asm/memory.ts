// Where the TypeScript arena (src/kernels/arena.ts) may start handing out buffers: everything below
// __heap_base is the module's own static data (e.g. the NT packing scratch). The kernels never
// allocate, so the whole heap above it belongs to the arena.

/** First byte above the module's static data: where the arena starts. */
export function heapBase(): usize {
  return __heap_base;
}
