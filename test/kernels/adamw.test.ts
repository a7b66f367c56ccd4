// The AdamW kernel (src/kernels/ops/adamw.ts, asm/adamw.ts) against exact rational arithmetic (BigInt):
// the two fused multiply-adds of each element, m' = fma(a1, g, fl(b1·m)) and v' = fma(fl(a2·g), g,
// fl(b2·v)), must round ONCE. Cases built so that a·b + c rounded to float64 and then to float32 (twice)
// differs from the single rounding: the sum landing on a float32 halfway point from either side, with c
// much larger than a·b, with a·b much larger than c, in float32's subnormal range (where the halfway
// points are not where a normal float32's are) and at the overflow threshold. Then both backends bit for
// bit against exact arithmetic and each other over random vectors (gradients 1e-12..1e3 of both signs,
// zeros, second moments near eps²) for five steps of makemore's AdamW (betas 0.9/0.99, eps 1e-8, lr 5e-4,
// weight decay 0.01, t = 1..5); against the loop of src/train/adamw.ts (AdamW.step); non-finite inputs;
// lengths that are not a multiple of 4; the argument checks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { adamwScalars, createTsKernels, wasmKernels, Arena, type AdamWScalars, type Kernels } from "../../src/kernels/index.ts";
import { fusedMulAddF32 } from "../../src/kernels/ops/adamw.ts";
import { parameter } from "../../src/nn/layer.ts";
import { fma32 } from "../../src/random/float32.ts";
import { AdamW, powInt } from "../../src/train/adamw.ts";
import { ADAMW_DEFAULTS } from "../../src/train/optimizer.ts";
import { exactFma } from "./exact_fma.ts";
import { bufOf, makeRandom } from "./helpers.ts";

const wasm = wasmKernels();
const arena = wasm.arena;
const ts = createTsKernels(arena);
const BACKENDS: readonly Kernels[] = [wasm, ts];
const fr = Math.fround;
const FLT_MAX = fr(3.4028234663852886e38);

/** The update of one element as the formula reads, with the given fma: [p, m, v]. */
function update(s: AdamWScalars, p: number, g: number, m: number, v: number, fma: typeof exactFma): [number, number, number] {
  const pi = fr(s.decay * p);
  const mi = fma(s.a1, g, fr(s.b1 * m));
  const vi = fma(fr(s.a2 * g), g, fr(s.b2 * v));
  const denom = fr(fr(fr(Math.sqrt(vi)) / s.bc2Sqrt) + s.eps);
  return [fr(pi + fr(fr(s.negStepSize * mi) / denom)), mi, vi];
}

/** makemore's AdamW scalars at step t, through adamwScalars with src/train/adamw.ts's powInt. */
function scalarsAt(t: number, lr = 5e-4): AdamWScalars {
  const { beta1, beta2 } = ADAMW_DEFAULTS;
  return adamwScalars(lr, ADAMW_DEFAULTS, 1 - powInt(beta1, t), 1 - powInt(beta2, t));
}

/** The same with b1 = b2 = 1, so that m and v are the c of the fmas unchanged. */
function scalarsC(a1: number, a2: number): AdamWScalars {
  return { ...scalarsAt(3), b1: 1, b2: 1, a1, a2 };
}

// ---- constructed double-rounding cases

interface Elem {
  g: number;
  m: number;
  v: number;
}

/**
 * a·b ≫ c, for any a and b: a·b lies d from a float32 halfway point M, 0 < |d| < 2^(e-31) (e its
 * binade), and c = −d + η, η = ±2^(e-54), so a·b + c = M + η rounds in float64 onto M. About one random
 * gradient in 128 qualifies; `prod(g)` is the fma's a·b for gradient g.
 */
function bigP(rand: () => number, prod: (g: number) => number, count: number, maxExp: number): { g: number; c: number }[] {
  const out: { g: number; c: number }[] = [];
  for (let tries = 0; out.length < count && tries < 400000; tries++) {
    const g = fr(rand() * 2 ** Math.round(maxExp * rand()));
    const p = prod(g);
    if (p === 0) continue;
    const e = Math.floor(Math.log2(Math.abs(p)));
    if (Math.abs(e) > 100) continue;
    const h = 2 ** (e - 24); //                                   half a float32 spacing at |p|
    const M = Math.sign(p) * (Math.floor(Math.abs(p) / (2 * h)) * 2 * h + h); // the halfway point of |p|'s cell
    const d = p - M;
    if (d === 0 || Math.abs(d) >= 2 ** (e - 31)) continue;
    const c = -d + (rand() < 0 ? -1 : 1) * 2 ** (e - 54);
    if (fr(c) === c) out.push({ g, c });
  }
  return out;
}

/**
 * Scalars and gradients whose products are just off a power of two, for c ≫ a·b: with x = u·2^-23,
 * a1 = (1 + x)·2^α and a2 = (1 + 2x)·2^-8; a gradient g = ±(1 − x)·2^γ makes a1·g = ±2^(α+γ)·(1 − x²)
 * and, fl(a2·g) being ±(1 + x)·2^(γ-8), fl(a2·g)·g = 2^(2γ-8)·(1 − x²): within 2^-30 of a power of two
 * for u < 2^8. A c that is a float32 with spacing twice that power, c = ±K·2^(j+1), then puts a·b + c
 * in float64 on the halfway point c ± 2^j.
 */
function nearPowers(u: number, alpha: number): { s: AdamWScalars; g: (gamma: number) => number } {
  const x = u * 2 ** -23;
  const s = scalarsC(fr((1 + x) * 2 ** alpha), fr((1 + 2 * x) * 2 ** -8));
  const g = (gamma: number) => fr((1 - x) * 2 ** gamma);
  for (const gamma of [-60, 0, 50]) assert.equal(fr(s.a2 * g(gamma)), fr((1 + x) * 2 ** (gamma - 8)), "the construction");
  return { s, g };
}

/** Where fl32(fl64(a·b + c)) differs from the single rounding (a real double-rounding case). */
function twice(a: number, b: number, c: number): boolean {
  return fr(a * b + c) !== exactFma(a, b, c);
}

interface CaseSet {
  what: string;
  s: AdamWScalars;
  elems: Elem[];
  /** How many of the m and of the v fmas must be double-rounding cases. */
  minM: number;
  minV: number;
}

function caseSets(): CaseSet[] {
  const rand = makeRandom(7);
  const sign = () => (rand() < 0 ? -1 : 1);
  const sets: CaseSet[] = [];
  // a·b ≫ c with makemore's a2 = fl(0.01) (b1 = b2 = 1: m and v are the fmas' c). Not with its
  // a1 = fl(0.1): the bits of fl(0.1)·g repeat 0.1's pattern (0011…), never 6 zeros or ones in a row
  // where a halfway point needs them, so a1 here is another value.
  {
    const s = scalarsC(fr(0.123456789), scalarsAt(1).a2);
    const elems: Elem[] = [];
    const filler = () => fr(rand() * 1e-3);
    for (const { g, c } of bigP(rand, (g) => s.a1 * g, 300, 60)) elems.push({ g, m: c, v: Math.abs(filler()) });
    for (const { g, c } of bigP(rand, (g) => fr(s.a2 * g) * g, 300, 40)) elems.push({ g, m: filler(), v: c });
    sets.push({ what: "a·b ≫ c, makemore's a2", s, elems, minM: 100, minV: 100 });
  }
  // c ≫ a·b, both fmas of every element (v's c positive, as a second moment is)
  for (const u of [1, 5, 200]) {
    const { s, g } = nearPowers(u, 0);
    const elems: Elem[] = [];
    for (let i = 0; i < 200; i++) {
      const gamma = Math.round(50 * rand()); // a1·g = ±2^γ·(1 − x²), fl(a2·g)·g = 2^(2γ-8)·(1 − x²)
      const K = () => 2 ** 23 + 1 + Math.floor((2 ** 23 - 2) * Math.abs(rand()));
      elems.push({ g: sign() * g(gamma), m: sign() * K() * 2 ** (gamma + 1), v: K() * 2 ** (2 * gamma - 7) });
    }
    sets.push({ what: `c ≫ a·b, u = ${u}`, s, elems, minM: 60, minV: 60 });
  }
  // Subnormal results: a·b = 2^-150·(1 − x²) next to c = ±k·2^-149 rounds in float64 onto a halfway
  // point between two float32 subnormals (m: α = -30, γ = -120; v: γ = -71)
  for (const u of [1, 3, 100]) {
    const { s, g } = nearPowers(u, -30);
    const ks = [1, 2, 3, 0x7fffff, 0x7ffffe, 0x400001]; // 0x7fffff: the halfway point below 2^-126
    for (let i = 0; i < 40; i++) ks.push(1 + Math.floor(Math.abs(rand()) * 0x7fffff));
    const elems: Elem[] = [];
    for (const k of ks) {
      for (const cs of [1, -1]) {
        for (const gs of [1, -1]) {
          elems.push({ g: gs * g(-120), m: cs * k * 2 ** -149, v: 0 });
          elems.push({ g: gs * g(-71), m: 0, v: cs * k * 2 ** -149 });
        }
      }
    }
    sets.push({ what: `subnormal halfway points, u = ${u}`, s, elems, minM: 60, minV: 60 });
  }
  // The overflow threshold: a·b = 2^103·(1 − 2^-46) next to c = ±FLT_MAX rounds in float64 onto
  // FLT_MAX + 2^103, halfway to 2^128 (Infinity): the single rounding is FLT_MAX.
  {
    const { s, g } = nearPowers(1, 50);
    const elems: Elem[] = [];
    for (const gs of [1, -1]) {
      for (const cs of [1, -1]) {
        elems.push({ g: gs * g(53), m: cs * FLT_MAX, v: 0 });
        elems.push({ g: gs * fr((1 + 2 ** -23) * 2 ** 53), m: cs * FLT_MAX, v: 0 }); // not halfway
      }
    }
    sets.push({ what: "the overflow threshold", s, elems, minM: 4, minV: 0 });
  }
  return sets;
}

const CASES = caseSets();

/** Fails unless got and want are the same float32 (NaN matches any NaN; +0 and −0 differ). */
function same(got: number, want: number, what: string): void {
  if (!(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)))) assert.fail(`${what}: got ${got}, want ${want}`);
}

// ---- tests

test("the constructed cases are real double-rounding cases; the reference's fma rounds them once", () => {
  for (const { what, s, elems, minM, minV } of CASES) {
    let nm = 0, nv = 0;
    for (const { g, m, v } of elems) {
      const cm = fr(s.b1 * m), av = fr(s.a2 * g), cv = fr(s.b2 * v);
      if (twice(s.a1, g, cm)) nm++;
      if (twice(av, g, cv)) nv++;
      same(fusedMulAddF32(s.a1, g, cm), exactFma(s.a1, g, cm), `${what}: fma(${s.a1}, ${g}, ${cm})`);
      same(fusedMulAddF32(av, g, cv), exactFma(av, g, cv), `${what}: fma(${av}, ${g}, ${cv})`);
    }
    assert.ok(nm >= minM && nv >= minV, `${what}: ${nm} m and ${nv} v double-rounding cases (want ${minM}, ${minV})`);
  }
  // and random triples of all magnitudes, signs and cancellations; the oracle itself where one float64
  // operation rounds correctly (a product of two float32s, a sum of two: 53 ≥ 2·24 + 2)
  const rand = makeRandom(8);
  const r = () => fr(rand() * 2 ** Math.round(60 * rand()));
  for (let i = 0; i < 20000; i++) {
    const a = r(), b = r();
    same(exactFma(a, b, 0), fr(a * b), `exactFma(${a}, ${b}, 0)`);
    same(exactFma(1, a, b), fr(a + b), `exactFma(1, ${a}, ${b})`);
  }
  for (let i = 0; i < 20000; i++) {
    const a = r(), b = r(), c = i % 3 === 0 ? fr(-a * b * (1 + rand() * 2 ** -20)) : r();
    same(fusedMulAddF32(a, b, c), exactFma(a, b, c), `fma(${a}, ${b}, ${c})`);
  }
});

test("adamw, both backends: the constructed cases' m and v round once (exact arithmetic), and p follows", () => {
  for (const { what, s, elems } of CASES) {
    for (const k of BACKENDS) {
      const mark = arena.mark();
      const n = elems.length;
      const p0 = elems.map((_, i) => fr(0.5 + (i % 13) / 16));
      const p = bufOf(p0), g = bufOf(elems.map((e) => e.g)), m = bufOf(elems.map((e) => e.m)), v = bufOf(elems.map((e) => e.v));
      k.adamw(p, g, m, v, n, s);
      for (let i = 0; i < n; i++) {
        const e = elems[i];
        const [wp, wm, wv] = update(s, p0[i], e.g, e.m, e.v, exactFma);
        const at = `${what} [${k.name}] element ${i} (g ${e.g}, m ${e.m}, v ${e.v})`;
        same(m.view[i], wm, `${at}: m`);
        same(v.view[i], wv, `${at}: v`);
        same(p.view[i], wp, `${at}: p`);
      }
      arena.release(mark);
    }
  }
});

/** Random AdamW inputs: gradients ±1e-12..1e3 and zeros; moments (for t > 1) of all sizes, v near eps². */
function randomInputs(n: number, seed: number, fresh: boolean): { p: number[]; g: number[]; m: number[]; v: number[] } {
  const rand = makeRandom(seed);
  const mag = (lo: number, hi: number) => 10 ** (lo + (hi - lo) * (rand() + 1) / 2);
  const p: number[] = [], g: number[] = [], m: number[] = [], v: number[] = [];
  for (let i = 0; i < n; i++) {
    p.push(fr(rand() * (i % 5 === 0 ? 0.02 : 2)));
    g.push(i % 17 === 0 ? 0 : fr(Math.sign(rand()) * mag(-12, 3)));
    m.push(fresh ? 0 : fr(Math.sign(rand()) * mag(-14, 2)));
    // v where √v/bc2Sqrt is about eps (1e-18·bc2), tiny, and large
    v.push(fresh ? 0 : fr(i % 4 === 0 ? mag(-19, -17) : i % 4 === 1 ? mag(-30, -20) : mag(-20, 6)));
  }
  return { p, g, m, v };
}

test("adamw: wasm = TS reference = exact arithmetic, bit for bit, 5 steps of makemore's AdamW on random vectors", () => {
  for (const fresh of [true, false]) {
    const n = 20011; // not a multiple of 4
    const mark = arena.mark();
    const x = randomInputs(n, fresh ? 9 : 10, fresh);
    const bufs = BACKENDS.map(() => ({ p: bufOf(x.p), m: bufOf(x.m), v: bufOf(x.v) }));
    const want = { p: Float32Array.from(x.p), m: Float32Array.from(x.m), v: Float32Array.from(x.v) };
    const rand = makeRandom(11);
    for (let t = 1; t <= 5; t++) {
      const s = scalarsAt(t);
      // a new gradient each step: the random one, scaled and with some signs flipped
      const g = bufOf(x.g.map((gi) => fr(gi * (1 + rand() / 2) * (rand() < -0.8 ? -1 : 1))));
      for (let i = 0; i < n; i++) {
        [want.p[i], want.m[i], want.v[i]] = update(s, want.p[i], g.view[i], want.m[i], want.v[i], exactFma);
      }
      BACKENDS.forEach((k, b) => {
        const { p, m, v } = bufs[b];
        k.adamw(p, g, m, v, n, s);
        for (let i = 0; i < n; i++) {
          const at = `[${k.name}] step ${t}, element ${i} (g ${g.view[i]})`;
          same(m.view[i], want.m[i], `${at}: m`);
          same(v.view[i], want.v[i], `${at}: v`);
          same(p.view[i], want.p[i], `${at}: p`);
        }
      });
    }
    arena.release(mark);
  }
});

test("adamw: wasm = TS reference bit for bit at the transformer's size (204,544) and ±1, 5 steps", () => {
  for (const n of [204544, 204543, 204545]) {
    const mark = arena.mark();
    const x = randomInputs(n, n, false);
    const [pw, mw, vw, pt, mt, vt] = [x.p, x.m, x.v, x.p, x.m, x.v].map((values) => bufOf(values));
    const g = bufOf(x.g);
    for (let t = 1; t <= 5; t++) {
      const s = scalarsAt(t);
      wasm.adamw(pw, g, mw, vw, n, s);
      ts.adamw(pt, g, mt, vt, n, s);
      for (const [w, r, what] of [[pw, pt, "p"], [mw, mt, "m"], [vw, vt, "v"]] as const) {
        const a = new Uint32Array(w.view.buffer, w.ptr, n), b = new Uint32Array(r.view.buffer, r.ptr, n);
        for (let i = 0; i < n; i++) if (a[i] !== b[i]) assert.fail(`n ${n}, step ${t}: ${what}[${i}] wasm ${w.view[i]}, ts ${r.view[i]}`);
      }
    }
    arena.release(mark);
  }
});

test("adamw + adamwScalars = the loop of src/train/adamw.ts (AdamW.step, fma32), bit for bit, changing lr", () => {
  const mark = arena.mark();
  const shapes = [[27, 64], [64, 192], [192], [64]];
  const params = shapes.map((shape, j) => parameter(ts, `w${j}`, shape));
  const opt = new AdamW({ ...ADAMW_DEFAULTS }, params, ts);
  const state = opt.state();
  const mine = params.map((P) => ({ p: arena.f32(P.data.length), m: arena.f32(P.data.length), v: arena.f32(P.data.length) }));
  const rand = makeRandom(12);
  params.forEach((P, j) => {
    const x = randomInputs(P.data.length, 100 + j, true);
    P.data.view.set(x.p);
    mine[j].p.view.set(x.p);
  });
  for (let t = 1; t <= 5; t++) {
    const lr = t === 3 ? 1e-3 : 5e-4 * (1 - t / 10);
    params.forEach((P, j) => {
      const x = randomInputs(P.data.length, 10 * t + j, true);
      P.grad.view.set(x.g.map((gi) => fr(gi * (1 + rand() / 4))));
    });
    opt.step(lr);
    const s = adamwScalars(lr, ADAMW_DEFAULTS, 1 - powInt(0.9, t), 1 - powInt(0.99, t));
    params.forEach((P, j) => {
      const { p, m, v } = mine[j];
      wasm.adamw(p, P.grad, m, v, P.data.length, s);
      assert.deepEqual(p.view, P.data.view, `step ${t}: ${P.name}`);
      assert.deepEqual(m.view, state[2 * j].data.view, `step ${t}: exp_avg of ${P.name}`);
      assert.deepEqual(v.view, state[2 * j + 1].data.view, `step ${t}: exp_avg_sq of ${P.name}`);
    });
  }
  arena.release(mark);
});

test("adamw: infinities, NaN and huge values come out as the TS loop's (fma32) in both backends", () => {
  const specials = [Infinity, -Infinity, NaN, 3e38, -3e38, 1e20, -1e20, 1e-45, -1e-45, 0, -0, 1];
  const elems: Elem[] = [];
  for (const g of specials) for (const m of specials) for (const v of [0, 1, 1e30, Infinity, NaN]) elems.push({ g, m, v });
  const s = scalarsAt(2);
  for (const k of BACKENDS) {
    const mark = arena.mark();
    const n = elems.length;
    const p0 = elems.map((_, i) => (i % 7 === 0 ? Infinity : fr(i / 100 - 3)));
    const p = bufOf(p0), g = bufOf(elems.map((e) => e.g)), m = bufOf(elems.map((e) => e.m)), v = bufOf(elems.map((e) => e.v));
    k.adamw(p, g, m, v, n, s);
    for (let i = 0; i < n; i++) {
      const e = elems[i];
      const [wp, wm, wv] = update(s, p0[i], fr(e.g), fr(e.m), fr(e.v), fma32);
      const at = `[${k.name}] g ${e.g}, m ${e.m}, v ${e.v}, p ${p0[i]}`;
      same(m.view[i], wm, `${at}: m`);
      same(v.view[i], wv, `${at}: v`);
      same(p.view[i], wp, `${at}: p`);
    }
    arena.release(mark);
  }
});

test("adamw: every length 0..19 and n shorter than the buffers; nothing past n is touched", () => {
  const GUARD = 5;
  for (let n = 0; n < 20; n++) {
    const mark = arena.mark();
    const x = randomInputs(n + GUARD, 200 + n, false);
    const s = scalarsAt(4);
    const out = BACKENDS.map((k) => {
      const p = bufOf(x.p), g = bufOf(x.g), m = bufOf(x.m), v = bufOf(x.v);
      k.adamw(p, g, m, v, n, s);
      for (const [b, orig] of [[p, x.p], [m, x.m], [v, x.v], [g, x.g]] as const) {
        for (let i = n; i < n + GUARD; i++) assert.equal(b.view[i], orig[i], `[${k.name}] n ${n}: wrote element ${i}`);
      }
      return [p, m, v].map((b) => Array.from(b.view));
    });
    assert.deepEqual(out[0], out[1], `n ${n}: wasm vs ts`);
    for (let i = 0; i < n; i++) {
      const [wp, wm, wv] = update(s, x.p[i], x.g[i], x.m[i], x.v[i], exactFma);
      assert.deepEqual([out[0][0][i], out[0][1][i], out[0][2][i]], [wp, wm, wv], `n ${n}, element ${i}`);
    }
    arena.release(mark);
  }
});

test("adamwScalars: float32 values as adamw.ts rounds them, written into `out`; unrounded scalars round alike in both backends", () => {
  const out = { decay: 0, b1: 0, a1: 0, b2: 0, a2: 0, bc2Sqrt: 0, eps: 0, negStepSize: 0 };
  const s = adamwScalars(5e-4, ADAMW_DEFAULTS, 1 - powInt(0.9, 2), 1 - powInt(0.99, 2), out);
  assert.equal(s, out);
  assert.deepEqual(s, {
    decay: fr(1 - 5e-4 * 0.01), b1: fr(0.9), a1: fr(1 - 0.9), b2: fr(0.99), a2: fr(1 - 0.99),
    bc2Sqrt: fr(Math.sqrt(1 - 0.99 * 0.99)), eps: fr(1e-8), negStepSize: fr(-5e-4 / (1 - 0.9 * 0.9)),
  });
  for (const v of Object.values(s)) assert.equal(fr(v), v);
  // doubles that are not float32 values: each backend rounds them to float32 first
  const raw: AdamWScalars = { decay: 1 - 5e-6, b1: 0.9, a1: 0.1, b2: 0.99, a2: 0.01, bc2Sqrt: Math.sqrt(0.0199), eps: 1e-8, negStepSize: -5e-4 / 0.19 };
  const mark = arena.mark();
  const x = randomInputs(1001, 13, false);
  const res = BACKENDS.map((k) => {
    const p = bufOf(x.p), m = bufOf(x.m), v = bufOf(x.v);
    k.adamw(p, bufOf(x.g), m, v, 1001, raw);
    return [p, m, v].map((b) => Array.from(b.view));
  });
  assert.deepEqual(res[0], res[1]);
  arena.release(mark);
});

test("adamw: argument checks", () => {
  const s = scalarsAt(1);
  for (const k of BACKENDS) {
    const mark = arena.mark();
    const [a, b, c] = [arena.f32(8), arena.f32(8), arena.f32(8)], short = arena.f32(7);
    assert.throws(() => k.adamw(short, a, b, c, 8, s), /adamw: p has 7 elements, the sizes given need 8/);
    assert.throws(() => k.adamw(a, short, b, c, 8, s), /adamw: g has 7 elements/);
    assert.throws(() => k.adamw(a, b, short, c, 8, s), /adamw: m has 7 elements/);
    assert.throws(() => k.adamw(a, b, c, short, 8, s), /adamw: v has 7 elements/);
    assert.throws(() => k.adamw(a, b, c, short, -1, s), /need -1/);
    assert.throws(() => k.adamw(a, b, c, short, NaN, s), /need NaN/);
    assert.throws(() => k.adamw(a, a, b, c, 8, s), /adamw: p, g, m and v must be four different buffers/);
    assert.throws(() => k.adamw(a, b, c, c, 8, s), /four different buffers/);
    const before = Array.from(a.view);
    k.adamw(a, b, c, short, 0, s); // n = 0: nothing to do
    assert.deepEqual(Array.from(a.view), before);
    arena.release(mark);
    assert.throws(() => k.adamw(a, b, c, short, 1, s), /adamw: p was released/);
  }
  const other = new Arena();
  const x = other.f32(4);
  const mark = arena.mark();
  const [a, b, c] = [arena.f32(4), arena.f32(4), arena.f32(4)];
  assert.throws(() => wasm.adamw(a, b, c, x, 4, s), /adamw: v is not in the wasm arena/);
  arena.release(mark);
});
