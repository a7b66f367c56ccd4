// Where the TypeScript arena (src/kernels/arena.ts) may start handing out buffers: everything below
// __heap_base is the module's own static data (e.g. the NT packing scratch). The kernels never
// allocate, so the whole heap above it belongs to the arena.

export function heapBase(): usize {
  return __heap_base;
}
