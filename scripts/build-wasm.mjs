// Compiles asm/ (AssemblyScript, SIMD) twice from the same sources, into build/makemore.wasm (plain SIMD)
// and build/makemore-relaxed.wasm (with relaxed SIMD: asm/lanes.ts's madd, the matrix products'
// multiply-add, becomes f32x4.relaxed_madd, a fused FMA), and generates two files in src/kernels/ (both
// gitignored, both rewritten on every build):
//
//   wasm-bytes.generated.ts    the plain module's bytes, base64, so that the same ES module loads the
//                              kernels in Node and in the browser without a fetch or a file path; and
//                              the relaxed module as a patch against them (diffBytes; applied by
//                              src/kernels/wasm-patch.ts), a few KiB instead of a second copy;
//   wasm-exports.generated.ts  `WasmExports`, the TypeScript interface of the module's exports, read from
//                              the `export function` declarations asm/index.ts re-exports (asm types mapped
//                              to TypeScript: usize/i32/f32/f64/... → number, void → void; their doc comments
//                              carried over), and `WASM_EXPORT_ARITY`, each function's parameter count.
//
// The parsed list is checked against the compiled modules (same names, same parameter counts; the relaxed
// one only where this Node runs relaxed SIMD) before anything is written. Runs on `npm install` (prepare)
// and before the tests. `readAsmExports` and `diffBytes` are exported for the tests (importing this file
// does not build).
import { mkdirSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join, relative } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** AssemblyScript types an export may take or return, and their TypeScript types at the JS boundary. */
const TS_TYPE = {
  usize: "number", isize: "number", i32: "number", u32: "number", i16: "number", u16: "number",
  i8: "number", u8: "number", f32: "number", f64: "number", bool: "number", i64: "bigint", u64: "bigint",
  void: "void",
};

/**
 * The functions the module exports, in asm/index.ts order: { name, params: [{ name, type }], result, doc,
 * file }, types as written in asm/ (doc: the comment lines, without comment markers). Throws on a
 * re-export it cannot follow, a missing declaration, a type outside TS_TYPE or a missing doc comment.
 */
export function readAsmExports(asmDir = join(root, "asm")) {
  const indexPath = join(asmDir, "index.ts");
  const index = stripComments(readFileSync(indexPath, "utf8"));
  const out = [];
  const where = (file) => relative(root, file).split("\\").join("/");
  const reExport = /\bexport\s*\{([^}]*)\}\s*from\s*["'](\.\/[^"']+)["']\s*;?/g;
  const other = /\bexport\b[^\n]*/.exec(index.replace(reExport, ""));
  if (other !== null) {
    throw new Error(`${where(indexPath)}: cannot follow "${other[0].trim()}"; write "export { name } from "./file";"`);
  }
  for (const re of index.matchAll(reExport)) {
    const file = join(asmDir, re[2].endsWith(".ts") ? re[2] : `${re[2]}.ts`);
    const decls = functionDecls(readFileSync(file, "utf8"), where(file));
    for (const spec of re[1].split(",").map((s) => s.trim()).filter(Boolean)) {
      const [local, exported = local] = spec.split(/\s+as\s+/).map((s) => s.trim());
      const d = decls.get(local);
      if (d === undefined) throw new Error(`${where(file)}: no "export function ${local}(" (re-exported by asm/index.ts)`);
      out.push({ ...d, name: exported });
    }
  }
  const seen = new Set();
  for (const e of out) {
    if (seen.has(e.name)) throw new Error(`asm/index.ts: ${e.name} is exported twice`);
    seen.add(e.name);
  }
  return out;
}

/** `export function` declarations of one asm file by name, with their doc comments. */
function functionDecls(src, file) {
  const decls = new Map();
  for (const m of src.matchAll(/^export function (\w+)\s*\(([^)]*)\)\s*:\s*(\w+)/gm)) {
    const [, name, paramText, result] = m;
    const line = src.slice(0, m.index).split("\n").length;
    const at = `${file}:${line}: ${name}`;
    const params = paramText.split(",").map((p) => p.trim()).filter(Boolean).map((p) => {
      const pm = /^(\w+)\s*:\s*(\w+)$/.exec(p);
      if (pm === null) throw new Error(`${at}: cannot read the parameter "${p}" (want "name: type", no default)`);
      return { name: pm[1], type: pm[2] };
    });
    for (const t of [...params.map((p) => p.type), result]) {
      if (!(t in TS_TYPE)) throw new Error(`${at}: the type ${t} cannot cross the JS boundary (use one of ${Object.keys(TS_TYPE).join(", ")})`);
    }
    const doc = docBefore(src, m.index);
    if (doc === null) throw new Error(`${at}: an exported kernel needs a /** doc comment */ (it goes into WasmExports)`);
    decls.set(name, { name, params, result, doc, file });
  }
  return decls;
}

/** The comment right above position `at` (a /** block or a run of // lines, no blank line between), or null. */
function docBefore(src, at) {
  const before = src.slice(0, at).replace(/[ \t]*$/, "");
  if (!before.endsWith("\n")) return null;
  const above = before.slice(0, -1);
  if (above.endsWith("*/")) {
    const start = above.lastIndexOf("/**");
    if (start < 0 || !/(^|\n)[ \t]*$/.test(above.slice(0, start))) return null;
    return above.slice(start + 3, -2).split("\n")
      .map((l) => l.replace(/^\s*\*? ?/, "").trimEnd())
      .filter((l, i, all) => l !== "" || (i > 0 && i < all.length - 1));
  }
  const lines = [];
  for (const l of above.split("\n").reverse()) {
    const lm = /^\s*\/\/ ?(.*)$/.exec(l);
    if (lm === null || lm[1].startsWith("@ts-")) break;
    lines.unshift(lm[1].trimEnd());
  }
  return lines.length > 0 ? lines : null;
}

/** The source with comments blanked out (index.ts's header mentions "export function" in prose). */
function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");
}

/** wasm-exports.generated.ts for `exports` (readAsmExports). */
function exportsModule(exports) {
  const lines = [
    "// Generated by scripts/build-wasm.mjs from asm/index.ts and the files it re-exports: do not edit.",
    "// To add a kernel: an `export function` with a /** doc comment */ in asm/, one line in asm/index.ts,",
    "// `npm run build:wasm`, and its wrapper in src/kernels/ops/.",
    "",
    "/**",
    " * The kernels' WebAssembly module's exports (asm/index.ts). Byte offsets into `memory` and sizes",
    " * (element counts) are plain numbers; an `acc` is 0 (overwrite) or 1 (accumulate). Letters as in asm/.",
    " */",
    "export interface WasmExports {",
    "  /** The module's linear memory: the arena's buffers (src/kernels/arena.ts) live in it. */",
    "  readonly memory: WebAssembly.Memory;",
  ];
  for (const e of exports) {
    const asmSig = `${e.name}(${e.params.map((p) => `${p.name}: ${p.type}`).join(", ")}): ${e.result}`;
    const doc = [...e.doc, "", `asm: \`${asmSig}\` (${e.file})`];
    lines.push("  /**", ...doc.map((l) => (l === "" ? "   *" : `   * ${l.replaceAll("*/", "*\\/")}`)), "   */");
    const sig = `  ${e.name}(${e.params.map((p) => `${p.name}: ${TS_TYPE[p.type]}`).join(", ")}): ${TS_TYPE[e.result]};`;
    lines.push(sig);
  }
  lines.push(
    "}",
    "",
    "/** Each exported function's parameter count (the tests check the module against it). */",
    "export const WASM_EXPORT_ARITY = {",
    ...exports.map((e) => `  ${e.name}: ${e.params.length},`),
    '} as const satisfies Record<Exclude<keyof WasmExports, "memory">, number>;',
    "",
  );
  return lines.join("\n");
}

/**
 * Throws unless the compiled module exports exactly `exports` (names and parameter counts) and a memory;
 * `initialPages`: the size of the memory it imports (memoryPages).
 */
function checkModule(bytes, exports, initialPages) {
  const module = new WebAssembly.Module(bytes);
  const memory = new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared: true });
  const inst = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const declared = new Map(exports.map((e) => [e.name, e.params.length]));
  const problems = [];
  for (const { name, kind } of WebAssembly.Module.exports(module)) {
    if (kind === "memory" && name === "memory") continue;
    if (kind !== "function") problems.push(`exports a ${kind} ${name} (only functions and "memory" are supported)`);
    else if (!declared.has(name)) problems.push(`exports ${name}, which readAsmExports did not find`);
    else if (inst[name].length !== declared.get(name)) {
      problems.push(`${name} takes ${inst[name].length} parameters, asm/ declares ${declared.get(name)}`);
    }
  }
  for (const name of declared.keys()) if (typeof inst[name] !== "function") problems.push(`does not export ${name}`);
  if (!(inst.memory instanceof WebAssembly.Memory)) problems.push('does not export its memory as "memory"');
  if (problems.length > 0) throw new Error(`the compiled module ${problems.join("; ")}`);
}

/** Writes `text` to `path` through a temporary file (a reader never sees half a file). */
function writeAtomic(path, text) {
  writeFileSync(path + ".tmp", text);
  renameSync(path + ".tmp", path);
}

/**
 * A patch that turns `base` into `target`: records of a literal run and a copy from base,
 *
 *   uleb(literal length) literal bytes [uleb(offset in base) uleb(copy length)]
 *
 * (the last record may stop after its literal). Greedy: at each position of target, the longest run of
 * base that starts with the same 8 bytes, if there is one. Two builds of one source share all but the
 * functions that changed, so the patch is a few percent of the module (src/kernels/wasm-patch.ts applies it).
 */
export function diffBytes(base, target) {
  const W = 8;
  const MAX_CANDIDATES = 64; // positions tried per 8-byte key (runs of zeros have thousands)
  const key = (bytes, i) => Buffer.from(bytes.buffer, bytes.byteOffset + i, W).toString("latin1");
  const where = new Map();
  for (let i = 0; i + W <= base.length; i++) {
    const k = key(base, i);
    const list = where.get(k);
    if (list === undefined) where.set(k, [i]);
    else if (list.length < MAX_CANDIDATES) list.push(i);
  }
  const out = [];
  const uleb = (v) => {
    do {
      out.push((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
      v = Math.floor(v / 128);
    } while (v > 0);
  };
  let literalStart = 0;
  let t = 0;
  while (t < target.length) {
    let best = 0;
    let bestAt = 0;
    if (t + W <= target.length) {
      for (const b of where.get(key(target, t)) ?? []) {
        let n = W;
        while (b + n < base.length && t + n < target.length && base[b + n] === target[t + n]) n++;
        if (n > best) [best, bestAt] = [n, b];
      }
    }
    if (best === 0) {
      t++;
      continue;
    }
    uleb(t - literalStart);
    for (let i = literalStart; i < t; i++) out.push(target[i]);
    uleb(bestAt);
    uleb(best);
    t += best;
    literalStart = t;
  }
  if (literalStart < target.length) {
    uleb(target.length - literalStart);
    for (let i = literalStart; i < target.length; i++) out.push(target[i]);
  }
  return Uint8Array.from(out);
}

/** The two builds: same sources, relaxed SIMD enabled or not (asm/lanes.ts reads ASC_FEATURE_RELAXED_SIMD). */
const BUILDS = [
  { variant: "simd", file: "makemore.wasm", features: "simd" },
  { variant: "relaxed", file: "makemore-relaxed.wasm", features: "simd,relaxed-simd" },
];

/** The maximum of the module's memory, in 64 KiB pages: 4 GiB, all a wasm32 memory can address. */
const MAX_PAGES = 65536;

/** The initial size in pages of the memory the module imports, read from its text form (asc's .wat). */
function memoryPages(wat) {
  const m = /\(import "env" "memory" \(memory \$0 (\d+) (\d+) shared\)\)/.exec(wat);
  if (m === null || Number(m[2]) !== MAX_PAGES) throw new Error(`the module does not import a shared memory of at most ${MAX_PAGES} pages as env.memory`);
  return Number(m[1]);
}

/** Compiles asm/ into build/<file> with the given features; returns the bytes, or exits on an error. */
async function compile(asc, { file, features }) {
  const out = join(root, "build", file);
  const { error, stderr } = await asc.main([
    join(root, "asm", "index.ts"),
    "--outFile", out,
    "--textFile", out.replace(/\.wasm$/, ".wat"),
    "--enable", `${features},threads`,
    "--runtime", "stub",
    "--optimizeLevel", "3",
    "--shrinkLevel", "0",
    "--noAssert",
    // The memory is imported, shared, so that a second instance in a worker can run part of a matrix
    // product on the same buffers (src/kernels/threads.ts); where shared memory is not available the
    // loader flips the one byte that says "shared" (src/kernels/wasm_memory.ts): both builds run
    // either way. --zeroFilledMemory: the memory is new when the first instance starts, so the zeros
    // of the static data (the packing scratch, asm/pack.ts) need no data segment, and a second instance
    // copies only the kernels' constant tables over themselves, never over a scratch area in use.
    // No --initialMemory: asc sizes it to the static data; the arena (src/kernels/arena.ts) grows the
    // memory as buffers are allocated.
    "--importMemory", "--sharedMemory", "--maximumMemory", String(MAX_PAGES), "--zeroFilledMemory",
  ]);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: AssemblyScript compilation of build/${file} failed: ${error.message}`);
    process.exit(1);
  }
  return { bytes: readFileSync(out), pages: memoryPages(readFileSync(out.replace(/\.wasm$/, ".wat"), "utf8")) };
}

async function main() {
  const { default: asc } = await import("assemblyscript/asc"); // not on import: the tests read readAsmExports
  mkdirSync(join(root, "build"), { recursive: true });
  const [{ bytes, pages }, { bytes: relaxed }] = [await compile(asc, BUILDS[0]), await compile(asc, BUILDS[1])];
  // Where this Node has no relaxed SIMD (Node 20 without --experimental-wasm-relaxed-simd) the relaxed
  // module cannot be compiled here; it is checked by the tests on a Node that has it.
  const relaxedChecked = WebAssembly.validate(relaxed);
  let exports;
  try {
    exports = readAsmExports();
    checkModule(bytes, exports, pages);
    if (relaxedChecked) checkModule(relaxed, exports, pages);
    if (Buffer.compare(bytes, relaxed) === 0) throw new Error("the relaxed SIMD build is the plain one: is madd (asm/lanes.ts) still used?");
  } catch (e) {
    console.error(`build-wasm: ${e.message}`);
    process.exit(1);
  }
  const patch = diffBytes(bytes, relaxed);
  const dir = join(root, "src", "kernels");
  writeAtomic(
    join(dir, "wasm-bytes.generated.ts"),
    "// Generated by scripts/build-wasm.mjs from asm/: do not edit. The kernels' WebAssembly module, base64, and\n" +
      "// its relaxed SIMD build as a patch against it (src/kernels/wasm-patch.ts) and that build's length.\n" +
      `export const WASM_BASE64 =\n  "${bytes.toString("base64")}";\n` +
      `export const WASM_RELAXED_PATCH_BASE64 =\n  "${Buffer.from(patch).toString("base64")}";\n` +
      `export const WASM_RELAXED_LENGTH = ${relaxed.length};\n`,
  );
  writeAtomic(join(dir, "wasm-exports.generated.ts"), exportsModule(exports));
  console.log(
    `build-wasm: build/makemore.wasm (${bytes.length} bytes, ${exports.length} functions), ` +
      `build/makemore-relaxed.wasm (${relaxed.length} bytes, a ${patch.length}-byte patch` +
      `${relaxedChecked ? "" : "; not checked: this Node has no relaxed SIMD"}) -> ` +
      "src/kernels/wasm-bytes.generated.ts, src/kernels/wasm-exports.generated.ts",
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
