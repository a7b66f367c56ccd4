// The WebAssembly module: it loads (sync and async, one instance), and its exports are the ones the
// build generated from asm/ (wasm-exports.generated.ts), which are the ones asm/index.ts declares now
// (a stale build after an asm/ edit fails here).

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wasmExports, loadWasm } from "../../src/kernels/wasm.ts";
import { wasmArena } from "../../src/kernels/index.ts";
import { WASM_EXPORT_ARITY } from "../../src/kernels/wasm-exports.generated.ts";

test("the WebAssembly module loads in Node and its SIMD sum agrees with a plain loop", async () => {
  const w = wasmExports();
  assert.equal(await loadWasm(), w, "async and sync loaders share one instance");
  const n = 27; // not a multiple of 4: exercises the SIMD body and the scalar tail
  const buf = wasmArena().f32(n);
  const x = buf.view;
  let ref = 0;
  for (let i = 0; i < n; i++) {
    x[i] = (i % 5) - 1.25;
    ref = Math.fround(ref + x[i]);
  }
  assert.ok(Math.abs(w.sumF32(buf.ptr, n) - ref) < 1e-5);
  assert.equal(w.sumF32(buf.ptr, 0), 0);
});

test("the module exports exactly the functions of the generated WasmExports, with their parameter counts", () => {
  const w = wasmExports() as unknown as Record<string, unknown>;
  const functions = Object.keys(w).filter((name) => typeof w[name] === "function").sort();
  assert.deepEqual(functions, Object.keys(WASM_EXPORT_ARITY).sort());
  for (const [name, arity] of Object.entries(WASM_EXPORT_ARITY)) {
    assert.equal((w[name] as (...args: number[]) => unknown).length, arity, `${name}: parameters`);
  }
  assert.ok(w.memory instanceof WebAssembly.Memory);
  for (const name of ["heapBase", "matmulNN", "crossEntropyF32", "checkTargets", "batchNormBackwardF32"]) {
    assert.ok(name in WASM_EXPORT_ARITY, `${name} is generated`);
  }
});

interface AsmExport {
  name: string;
  params: { name: string; type: string }[];
  result: string;
  doc: string[];
  file: string;
}

/** scripts/build-wasm.mjs's parser of asm/ (importing the script does not build). */
async function parser(): Promise<(asmDir?: string) => AsmExport[]> {
  const script = new URL("../../scripts/build-wasm.mjs", import.meta.url).href;
  return ((await import(script)) as { readAsmExports(asmDir?: string): AsmExport[] }).readAsmExports;
}

test("the generated exports are what asm/ declares now (rebuild with npm run build:wasm if not)", async () => {
  const readAsmExports = await parser();
  const declared = readAsmExports();
  assert.deepEqual(
    Object.fromEntries(declared.map((e) => [e.name, e.params.length])),
    WASM_EXPORT_ARITY,
    "asm/ changed since the last build:wasm",
  );
  const ce = declared.find((e) => e.name === "crossEntropyF32")!;
  assert.deepEqual(ce.params.map((p) => p.type), ["usize", "usize", "usize", "i32", "i32", "i32"]);
  assert.equal(ce.result, "f64");
  assert.ok(declared.every((e) => e.doc.length > 0 && e.doc.every((l) => !l.includes("/**") && !l.startsWith("*"))), "doc comments");
});

test("the exports parser: re-exports (multi-line, renamed), doc comments, asm types; and what it refuses", async () => {
  const readAsmExports = await parser();
  const dir = mkdtempSync(join(tmpdir(), "makemore-asm-"));
  try {
    const write = (files: Record<string, string>) => {
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    };
    write({
      "index.ts": '// header: export function nothing() is prose\nexport {\n  scale,\n  dot as dotF32,\n} from "./a";\nexport { count } from "./b";\n',
      "a.ts": [
        "// file header",
        "",
        "/** Not exported by index.ts. */",
        "export function unused(): void {}",
        "",
        "/**",
        " * x[0..n) *= s.",
        " *",
        " *   indented line",
        " */",
        "export function scale(x: usize, n: i32, s: f32): void {}",
        "",
        "// x · y over n floats,",
        "// in float64.",
        "export function dot(",
        "  x: usize, y: usize,",
        "  n: i32,",
        "): f64 { return 0; }",
        "",
      ].join("\n"),
      "b.ts": "/** How many. */\nexport function count(): i32 { return 0; }\n",
    });
    const got = readAsmExports(dir);
    assert.deepEqual(got.map((e) => e.name), ["scale", "dotF32", "count"]);
    assert.deepEqual(got[0].params, [{ name: "x", type: "usize" }, { name: "n", type: "i32" }, { name: "s", type: "f32" }]);
    assert.deepEqual(got[0].doc, ["x[0..n) *= s.", "", "  indented line"]);
    assert.equal(got[0].result, "void");
    assert.deepEqual(got[1].params.map((p) => p.name), ["x", "y", "n"]);
    assert.deepEqual(got[1].doc, ["x · y over n floats,", "in float64."]);
    assert.equal(got[1].result, "f64");
    assert.deepEqual([got[2].params, got[2].result, got[2].doc], [[], "i32", ["How many."]]);

    const refuses = (files: Record<string, string>, message: RegExp) => {
      write(files);
      assert.throws(() => readAsmExports(dir), message);
    };
    const index = 'export { k } from "./c";\n';
    refuses({ "index.ts": index, "c.ts": "export function k(x: usize): void {}\n" }, /needs a \/\*\* doc comment/);
    refuses({ "index.ts": index, "c.ts": "/** Doc. */\n\nexport function k(x: usize): void {}\n" }, /needs a \/\*\* doc comment/);
    refuses({ "index.ts": index, "c.ts": "/** Doc. */\nexport function k(x: v128): void {}\n" }, /v128 cannot cross/);
    refuses({ "index.ts": index, "c.ts": "/** Doc. */\nexport function k(x: i32 = 1): void {}\n" }, /cannot read the parameter/);
    refuses({ "index.ts": index, "c.ts": "/** Doc. */\nexport function other(): void {}\n" }, /no "export function k\("/);
    refuses({ "index.ts": 'export * from "./c";\n' }, /cannot follow "export \* from/);
    refuses({ "index.ts": index + index, "c.ts": "/** Doc. */\nexport function k(): void {}\n" }, /k is exported twice/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
