// The relaxed SIMD build of the kernels ships as a patch against the plain one (scripts/build-wasm.mjs,
// diffBytes): the two builds differ only in the functions that multiply-add, so the patch is ~4 KiB where
// a second copy of the module would add ~85 KiB of base64 to the library and the lab's worker bundle.
//
// A patch is a list of records, each a literal run then a copy from the base module:
//
//   uleb(literal length) literal bytes [uleb(offset in base) uleb(copy length)]
//
// (the last record may stop after its literal). Numbers are unsigned LEB128, as in WebAssembly itself.

/** `base` patched into a module of `length` bytes; throws if the patch does not fit (a stale build). */
export function applyPatch(base: Uint8Array, patch: Uint8Array, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let p = 0; // read position in patch
  let o = 0; // write position in out
  const bad = (what: string): Error =>
    new Error(`wasm patch: ${what} at byte ${p} of ${patch.length} (rebuild with npm run build:wasm)`);
  const uleb = (): number => {
    let v = 0;
    for (let scale = 1; ; scale *= 128) {
      if (p >= patch.length) throw bad("truncated number");
      const b = patch[p++];
      v += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return v;
    }
  };
  const put = (from: Uint8Array, start: number, n: number, what: string): void => {
    if (start + n > from.length || o + n > length) throw bad(`${what} of ${n} bytes runs past the end`);
    out.set(from.subarray(start, start + n), o);
    o += n;
  };
  while (p < patch.length) {
    const n = uleb();
    put(patch, p, n, "literal");
    p += n;
    if (p === patch.length) break;
    const from = uleb();
    put(base, from, uleb(), "copy");
  }
  if (o !== length) throw bad(`${o} bytes written, want ${length}`);
  return out;
}
