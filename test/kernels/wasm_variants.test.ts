// The two builds of the kernels' module (src/kernels/wasm.ts): "simd" (a multiply then an add) and
// "relaxed" (relaxed SIMD, the matrix products' multiply-adds fused). The relaxed one ships as a patch
// against the plain one (wasm-patch.ts) and must come out byte for byte as built; the loader picks
// relaxed exactly where the runtime has relaxed SIMD, and MAKEMORE_WASM forces one or is a ConfigError;
// every inner loop of the matrix products really fuses in the relaxed build (the exact once-rounded
// c + a·b, where the plain build rounds twice); both builds pass the matmul and attention suites.
// Tests that need relaxed SIMD are skipped where the runtime has none (Node 20 without its flag).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../../src/errors.ts";
import { createWasmKernels, type Kernels } from "../../src/kernels/index.ts";
import {
  chooseWasmForRun, chooseWasmVariant, instantiateWasm, relaxedSimdSupported, wasmBytes, wasmVariant, WASM_VARIANTS, type WasmVariant,
} from "../../src/kernels/wasm.ts";
import { applyPatch } from "../../src/kernels/wasm-patch.ts";
import { exactFma } from "./exact_fma.ts";
import { makeRandom } from "./helpers.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fr = Math.fround;
const nodeMajor = Number(process.versions.node.split(".")[0]);
const relaxed = relaxedSimdSupported();
const NO_RELAXED = relaxed ? false : "this runtime has no relaxed SIMD";

/** scripts/build-wasm.mjs's patch encoder (importing the script does not build). */
async function diffBytes(): Promise<(base: Uint8Array, target: Uint8Array) => Uint8Array> {
  const script = new URL("../../scripts/build-wasm.mjs", import.meta.url).href;
  return ((await import(script)) as { diffBytes(base: Uint8Array, target: Uint8Array): Uint8Array }).diffBytes;
}

/** Runs `code` (an ES module that may import src/ .ts files) in a child Node with `env` and `flags`. */
function child(code: string, env: Record<string, string | undefined>, flags: string[] = []) {
  const inherited = process.execArgv.filter((a) => a.includes("relaxed-simd")); // Node 20's flag, if given
  const r = spawnSync(process.execPath, [...inherited, ...flags, "--import", "tsx", "--input-type=module", "-e", code], {
    cwd: root,
    env: { ...process.env, MAKEMORE_WASM: undefined, ...env },
    encoding: "utf8",
  });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

test("both builds are embedded as built: the plain one in base64, the relaxed one patched from it", () => {
  assert.deepEqual(wasmBytes("simd"), new Uint8Array(readFileSync(`${root}build/makemore.wasm`)));
  assert.deepEqual(wasmBytes("relaxed"), new Uint8Array(readFileSync(`${root}build/makemore-relaxed.wasm`)));
  assert.notDeepEqual(wasmBytes("relaxed"), wasmBytes("simd"));
});

test("the patch format: diffBytes then applyPatch gives back the target, whatever it shares with the base", async () => {
  const diff = await diffBytes();
  const rand = makeRandom(7);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor((rand() + 1) * 128));
  const base = bytes(5000);
  const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
  const targets: [string, Uint8Array][] = [
    ["the base itself", base],
    ["empty", new Uint8Array(0)],
    ["nothing shared", bytes(300)],
    ["shorter than one 8-byte key", base.subarray(10, 15)],
    ["edits, a deletion, an insertion, moved and repeated runs", cat(
      base.subarray(0, 1000), bytes(3), base.subarray(1003, 2000), base.subarray(2500, 4000), bytes(40),
      base.subarray(100, 900), base.subarray(100, 900), base.subarray(4000), bytes(1),
    )],
  ];
  for (const [what, target] of targets) {
    const patch = diff(base, target);
    assert.deepEqual(applyPatch(base, patch, target.length), target, what);
    if (what === "the base itself") assert.ok(patch.length < 10, `${what}: one copy (${patch.length} bytes)`);
  }
  const patch = diff(wasmBytes("simd"), wasmBytes("relaxed"));
  assert.ok(patch.length < wasmBytes("relaxed").length / 8, `the modules' patch is ${patch.length} bytes`);
  const target = targets[4][1];
  const good = diff(base, target);
  assert.throws(() => applyPatch(base, good.subarray(0, good.length - 1), target.length), /wasm patch: literal of \d+ bytes runs past the end/);
  assert.throws(() => applyPatch(base, Uint8Array.of(0, 0x80), 0), /wasm patch: truncated number/);
  assert.throws(() => applyPatch(base, good, target.length - 1), /wasm patch: .*past the end/);
  assert.throws(() => applyPatch(base.subarray(0, 3000), good, target.length), /wasm patch: copy .* past the end/);
});

test("chooseWasmVariant: detection when unset or auto, relaxed only where it runs, else ConfigError", () => {
  for (const requested of [undefined, "", "auto", " AUTO "]) {
    assert.equal(chooseWasmVariant(requested, true), "relaxed", `${requested}`);
    assert.equal(chooseWasmVariant(requested, false), "simd", `${requested}`);
  }
  assert.equal(chooseWasmVariant("simd", true), "simd");
  assert.equal(chooseWasmVariant("simd", false), "simd");
  assert.equal(chooseWasmVariant("relaxed", true), "relaxed");
  assert.throws(() => chooseWasmVariant("relaxed", false), (e) =>
    e instanceof ConfigError && /MAKEMORE_WASM=relaxed: this runtime has no WebAssembly relaxed SIMD/.test(e.message));
  assert.throws(() => chooseWasmVariant("fma", true), (e) =>
    e instanceof ConfigError && /MAKEMORE_WASM=fma: want simd, relaxed or auto/.test(e.message));
});

test("the loader, unless told, picks relaxed exactly where the runtime has relaxed SIMD (Node ≥ 22; Node 20 only with its flag)", () => {
  const flagged = process.execArgv.some((a) => a.includes("relaxed-simd")); // (NODE_OPTIONS may not hold it)
  if (nodeMajor >= 22) assert.equal(relaxed, true, `Node ${process.version} has relaxed SIMD`);
  else if (!flagged) assert.equal(relaxed, false, `Node ${process.version} without the flag has no relaxed SIMD`);
  const print = 'import { wasmVariant, wasmExports } from "./src/kernels/wasm.ts"; wasmExports(); console.log(wasmVariant());';
  assert.equal(child(print, {}).stdout, relaxed ? "relaxed" : "simd");
  assert.equal(child(print, { MAKEMORE_WASM: "auto" }).stdout, relaxed ? "relaxed" : "simd");
  assert.equal(child(print, { MAKEMORE_WASM: "simd" }).stdout, "simd");
  const forced = child(print, { MAKEMORE_WASM: "relaxed" });
  if (relaxed) assert.equal(forced.stdout, "relaxed");
  else assert.match(forced.stderr, /ConfigError: MAKEMORE_WASM=relaxed: this runtime has no WebAssembly relaxed SIMD/);
  const asked = child(
    'import { loadWasm, wasmVariant } from "./src/kernels/wasm.ts"; await loadWasm("simd"); console.log(wasmVariant());' +
      ' await loadWasm("simd"); await loadWasm("relaxed").catch((e) => console.log(e.name, e.message));',
    {},
  );
  assert.deepEqual(asked.stdout.split("\n"), [
    "simd",
    relaxed
      ? "ConfigError the simd build of the kernels is already loaded: cannot load the relaxed build beside it"
      : 'ConfigError loadWasm("relaxed"): this runtime has no WebAssembly relaxed SIMD (Node ≥ 22, or Node 20 with ' +
        "--experimental-wasm-relaxed-simd; Chrome ≥ 114); use simd or auto",
  ], asked.stderr);
  if (nodeMajor < 22) {
    assert.equal(child(print, {}, ["--experimental-wasm-relaxed-simd"]).stdout, "relaxed", "Node 20 with the flag");
  }
  if (process.env.MAKEMORE_WASM === undefined) assert.equal(wasmVariant(), relaxed ? "relaxed" : "simd");
});

test("a run goes on under the build it was trained with, where the runtime has it, and says when it cannot", () => {
  // the run's own build, whatever detection would pick
  assert.deepEqual(chooseWasmForRun("simd", undefined, true), { variant: "simd", note: null });
  assert.deepEqual(chooseWasmForRun("relaxed", "auto", true), { variant: "relaxed", note: null });
  assert.deepEqual(chooseWasmForRun("simd", "simd", true), { variant: "simd", note: null });
  const cases: [Parameters<typeof chooseWasmForRun>, WasmVariant, RegExp][] = [
    [["relaxed", undefined, false], "simd", /relaxed-SIMD build .*; this runtime has no relaxed SIMD \(Node ≥ 22 and Chrome ≥ 114 have it\): it goes on with that/],
    [["relaxed", "simd", true], "simd", /relaxed-SIMD build .*; MAKEMORE_WASM=simd asks for the plain SIMD build/],
    [["simd", "relaxed", true], "relaxed", /plain SIMD build .*; MAKEMORE_WASM=relaxed asks for the relaxed-SIMD build/],
    [["simd", undefined, true, "relaxed"], "relaxed", /plain SIMD build .*; the relaxed-SIMD build of the kernels \(fused multiply-add\) is already loaded here/],
    [["ts", undefined, true], "relaxed", /TypeScript reference kernels; the relaxed-SIMD build .* is what runs here/],
  ];
  for (const [args, variant, note] of cases) {
    const got = chooseWasmForRun(...args);
    assert.equal(got.variant, variant, JSON.stringify(args));
    assert.match(got.note ?? "", note, JSON.stringify(args));
    assert.match(got.note ?? "", /differ in the last bits/);
  }
  assert.throws(() => chooseWasmForRun("simd", "relaxed", false), (e) => e instanceof ConfigError && /MAKEMORE_WASM=relaxed: this runtime has no/.test(e.message));
});

test("the relaxed build exports what the plain one does", { skip: NO_RELAXED }, () => {
  const names = (v: WasmVariant) =>
    WebAssembly.Module.exports(new WebAssembly.Module(wasmBytes(v))).map((e) => `${e.kind} ${e.name}`).sort();
  assert.deepEqual(names("relaxed"), names("simd"));
});

/** The kernels of one build on a fresh instance (its own memory and arena). */
function kernelsOf(variant: WasmVariant): Kernels {
  return createWasmKernels(instantiateWasm(variant));
}

// c + a·b with a = b = 1 + 2⁻¹²: a·b = 1 + 2⁻¹¹ + 2⁻²⁴ needs 25 bits, so it rounds (to even, 1 + 2⁻¹¹)
// when rounded on its own; with c = −1 the fused result keeps the 2⁻²⁴ and the unfused one loses it.
const A1 = 1 + 2 ** -12;
const C1 = -1;
const FUSED = exactFma(A1, A1, C1);
const UNFUSED = fr(fr(A1 * A1) + C1);

test("the fused and unfused values of the probe differ (the premise of the next test)", () => {
  assert.equal(FUSED, 2 ** -11 + 2 ** -24);
  assert.equal(UNFUSED, 2 ** -11);
});

// (M, N) that reach each inner loop of asm/gemm.ts: 4-row blocks of 8, 4 and 1..3 columns; 1-row blocks
// of 16, 4 and 1..3 columns; and B wider than one panel with enough rows to be packed (N > 256, M ≥ 16).
const PATHS: [number, number][] = [[4, 8], [4, 4], [4, 3], [1, 16], [1, 4], [1, 2], [5, 29], [16, 300]];

for (const variant of WASM_VARIANTS) {
  const want = variant === "relaxed" ? FUSED : UNFUSED;
  test(`${variant}: every inner loop of the matrix products gives ${variant === "relaxed" ? "the once-rounded" : "the twice-rounded"} c + a·b`, {
    skip: variant === "relaxed" ? NO_RELAXED : false,
  }, () => {
    const k = kernelsOf(variant);
    const arena = k.arena;
    for (const [M, N] of PATHS) {
      for (const layout of ["NN", "NT", "TN"] as const) {
        const mark = arena.mark();
        const A = arena.f32(M), B = arena.f32(N), C = arena.f32(M * N); // K = 1: A and B are vectors in every layout
        A.view.fill(A1);
        B.view.fill(A1);
        C.view.fill(C1);
        k[`matmul${layout}`](C, A, B, M, 1, N, true);
        for (let e = 0; e < M * N; e++) {
          assert.equal(C.view[e], want, `${variant} matmul${layout} M=${M} N=${N}: C[${Math.floor(e / N)},${e % N}]`);
        }
        arena.release(mark);
      }
    }
  });

  test(`${variant}: the ceiling kernel adds scale·2⁻¹⁰ to each of its 40 lanes per step`, {
    skip: variant === "relaxed" ? NO_RELAXED : false,
  }, () => {
    const w = instantiateWasm(variant);
    // 10 chains × 4 lanes, each c ← c + (scale·2⁻⁵)·2⁻⁵ per step from 0: every sum exact in float32
    assert.equal(w.peakMaddF32(0, 1), 0);
    assert.equal(w.peakMaddF32(1, 1), 40 / 1024);
    assert.equal(w.peakMaddF32(1024, 1), 40);
    assert.equal(w.peakMaddF32(100, -3), (-3 * 40 * 100) / 1024);
  });
}

test("relaxed and simd: attention's products fuse too (the zoo's shape gives other float32 roundings)", { skip: NO_RELAXED }, () => {
  const [B, T, C, NH] = [4, 16, 64, 4];
  const outs = WASM_VARIANTS.map((v) => {
    const k = kernelsOf(v);
    const qkv = k.arena.f32(B * T * 3 * C), out = k.arena.f32(B * T * C), att = k.arena.f32(B * NH * T * T);
    const rand = makeRandom(11);
    for (let i = 0; i < qkv.length; i++) qkv.view[i] = rand();
    k.attentionForward(out, att, qkv, B, T, C, NH);
    return [...out.view];
  });
  let differ = 0, maxRel = 0;
  for (let i = 0; i < outs[0].length; i++) {
    if (outs[0][i] !== outs[1][i]) differ++;
    maxRel = Math.max(maxRel, Math.abs(outs[0][i] - outs[1][i]) / Math.max(Math.abs(outs[0][i]), 1e-3));
  }
  assert.ok(differ > 0, "the relaxed build's attention output is the plain build's to the bit");
  assert.ok(maxRel < 1e-4, `builds differ by ${maxRel} relative`); // the tight bounds: the suites below
});

// The matmul and attention suites (float64 oracles, every tail, panel and packing boundary, accumulate)
// run in this process against the build the loader picked; here against the other one.
const other: WasmVariant = process.env.MAKEMORE_WASM === "simd" || !relaxed ? "relaxed" : "simd";
test(`the matmul, attention and module suites pass with the other build too (${other})`, {
  skip: other === "relaxed" ? NO_RELAXED : false,
}, () => {
  const files = ["matmul", "attention", "wasm"].map((f) => `test/kernels/${f}.test.ts`);
  const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-reporter=dot", ...files], {
    cwd: root,
    env: { ...process.env, MAKEMORE_WASM: other },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `MAKEMORE_WASM=${other}:\n${r.stdout}\n${r.stderr}`);
});
