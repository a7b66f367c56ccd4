// The core of causal multi-head self-attention (asm/attention.ts): what makemore.py's
// CausalSelfAttention does between c_attn and c_proj, llm.c's attention_forward / attention_backward
// (Vaswani et al. 2017, "Attention Is All You Need"; the masked softmax of
// https://pytorch.org/docs/stable/generated/torch.nn.functional.softmax.html). The contract, the
// plain-TypeScript reference and the WebAssembly wrappers.
//
//   q, k, v = qkv.split(C, dim=2)                                  // (B,T,3C) -> 3 × (B,T,C)
//   head h takes columns h·hs..(h+1)·hs of each                    // (B,T,C) -> (B,NH,T,hs)
//   scores[b,h,t,s] = q_t·k_s / √hs for s ≤ t, −∞ for s > t        // (B,NH,T,T)
//   att = softmax over s (the row's maximum subtracted first)      // (B,NH,T,T), exactly 0 for s > t
//   out[b,t,h·hs+i] = Σ_s att[b,h,t,s]·v[b,s,h·hs+i]               // (B,NH,T,hs) -> (B,T,C)
//
//   backward, per (b,h), given dout:
//     datt[t,s] = dout_t·v_s                                        // (T,T)
//     dscores[t,s] = att[t,s]·(datt[t,s] − Σ_s' att[t,s']·datt[t,s'])  (the softmax's Jacobian)
//     dq_t = Σ_s dscores[t,s]·k_s / √hs;  dk_s = Σ_t dscores[t,s]·q_t / √hs;  dv_s = Σ_t att[t,s]·dout_t
//
// The reference computes in float64 and rounds each stored value to float32 once; the backward gathers
// the whole gradient of each batch row in float64 before storing it (so `accumulate` adds it with two
// roundings, fl32(dqkv + fl32(grad)), as the other backward kernels do).
//
// Letters: B batch, T time (positions), C channels, NH heads, hs = C/NH the head size; t a query
// position, s a key position.

import type { F32Buf } from "../arena.ts";
import { different, need, type WasmContext } from "../common.ts";

/** The attention kernels of `Kernels`. */
export interface AttentionKernels {
  /**
   * Causal multi-head self-attention forward over qkv (B,T,3C) (q, k, v its three C-column blocks, head
   * h their columns h·hs..(h+1)·hs): att (B,NH,T,T) = softmax over s ≤ t of q_t·k_s/√hs (0 for s > t),
   * saved for the backward; out (B,T,C) = att·v with the heads side by side. NH must divide C.
   */
  attentionForward(out: F32Buf, att: F32Buf, qkv: F32Buf, B: number, T: number, C: number, NH: number): void;
  /**
   * Its backward: dqkv (B,T,3C) (=|+=) the gradient of qkv given dout (B,T,C), per `accumulate` (default
   * false). datt (B,NH,T,T) is scratch the caller provides; on return it holds the gradient of the
   * scaled scores before the softmax (0 for s > t).
   */
  attentionBackward(
    dqkv: F32Buf, datt: F32Buf, dout: F32Buf, qkv: F32Buf, att: F32Buf, B: number, T: number,
    C: number, NH: number, accumulate?: boolean,
  ): void;
}

/** Throws unless NH heads split C channels evenly (and the sizes are integers). */
function checkHeads(op: string, B: number, T: number, C: number, NH: number): void {
  checkSize(op, "B", B);
  checkSize(op, "T", T);
  checkSize(op, "C", C);
  checkSize(op, "NH", NH);
  if (!(NH >= 1) || C % NH !== 0) {
    throw new RangeError(`${op}: NH = ${NH} heads must divide C = ${C} channels; choose a head count that divides C`);
  }
}

function checkSize(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`${op}: ${name} must be a non-negative integer (got ${v})`);
}

function checkForward(own: typeof need, out: F32Buf, att: F32Buf, qkv: F32Buf, B: number, T: number, C: number, NH: number): void {
  const op = "attentionForward";
  checkHeads(op, B, T, C, NH);
  own(out, B * T * C, "out", op);
  own(att, B * NH * T * T, "att", op);
  own(qkv, B * T * 3 * C, "qkv", op);
  different(out, qkv, "out", "qkv", op);
  different(att, qkv, "att", "qkv", op);
  different(out, att, "out", "att", op);
}

function checkBackward(
  own: typeof need, dqkv: F32Buf, datt: F32Buf, dout: F32Buf, qkv: F32Buf, att: F32Buf,
  B: number, T: number, C: number, NH: number,
): void {
  const op = "attentionBackward";
  checkHeads(op, B, T, C, NH);
  own(dqkv, B * T * 3 * C, "dqkv", op);
  own(datt, B * NH * T * T, "datt", op);
  own(dout, B * T * C, "dout", op);
  own(qkv, B * T * 3 * C, "qkv", op);
  own(att, B * NH * T * T, "att", op);
  different(dqkv, datt, "dqkv", "datt", op);
  different(dqkv, dout, "dqkv", "dout", op);
  different(dqkv, qkv, "dqkv", "qkv", op);
  different(dqkv, att, "dqkv", "att", op);
  different(datt, dout, "datt", "dout", op);
  different(datt, qkv, "datt", "qkv", op);
  different(datt, att, "datt", "att", op);
}

// ---- TypeScript reference

const fr = Math.fround;

// float64 scratch, grown on demand, never per call: one row of scores (T), one batch row's gradient (T·3C)
let rowBuf = new Float64Array(0);
let gradBuf = new Float64Array(0);

/** The TS backend's attention. */
export const tsAttention: AttentionKernels = {
  /** att = causal softmax(q·kᵀ/√hs), out = att·v   // (B,T,3C) -> (B,NH,T,T), (B,T,C) */
  attentionForward(out, att, qkv, B, T, C, NH) {
    checkForward(need, out, att, qkv, B, T, C, NH);
    if (rowBuf.length < T) rowBuf = new Float64Array(T);
    const pre = rowBuf;
    const x = qkv.view, a = att.view, o = out.view;
    const hs = C / NH, C3 = 3 * C, scale = 1 / Math.sqrt(hs);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < NH; h++) {
        for (let t = 0; t < T; t++) {
          const q = (b * T + t) * C3 + h * hs; // q_t of head h
          const row = ((b * NH + h) * T + t) * T;
          let max = -Infinity;
          for (let s = 0; s <= t; s++) {
            const k = (b * T + s) * C3 + C + h * hs; // k_s of head h
            let dot = 0;
            for (let i = 0; i < hs; i++) dot += x[q + i] * x[k + i];
            pre[s] = dot * scale;
            if (pre[s] > max) max = pre[s];
          }
          let sum = 0;
          for (let s = 0; s <= t; s++) {
            pre[s] = Math.exp(pre[s] - max);
            sum += pre[s];
          }
          for (let s = 0; s < T; s++) a[row + s] = s <= t ? pre[s] / sum : 0;
          const y = (b * T + t) * C + h * hs;
          for (let i = 0; i < hs; i++) {
            let acc = 0;
            for (let s = 0; s <= t; s++) acc += a[row + s] * x[(b * T + s) * C3 + 2 * C + h * hs + i];
            o[y + i] = acc;
          }
        }
      }
    }
  },

  /** dqkv (=|+=) d(qkv) given dout; datt ends up holding d(scores)   // (B,T,C) -> (B,T,3C) */
  attentionBackward(dqkv, datt, dout, qkv, att, B, T, C, NH, accumulate = false) {
    checkBackward(need, dqkv, datt, dout, qkv, att, B, T, C, NH);
    const hs = C / NH, C3 = 3 * C, scale = 1 / Math.sqrt(hs);
    if (rowBuf.length < T) rowBuf = new Float64Array(T);
    if (gradBuf.length < T * C3) gradBuf = new Float64Array(T * C3);
    const drow = rowBuf, g = gradBuf;
    const x = qkv.view, a = att.view, da = datt.view, d = dout.view, dx = dqkv.view;
    for (let b = 0; b < B; b++) {
      g.fill(0, 0, T * C3); // the gradient of qkv[b], (T,3C)
      for (let h = 0; h < NH; h++) {
        for (let t = 0; t < T; t++) {
          const row = ((b * NH + h) * T + t) * T;
          const dy = (b * T + t) * C + h * hs; // dout_t of head h
          const q = t * C3 + h * hs; // q_t's columns in a (T,3C) row block
          // datt[t,s] = dout_t·v_s; dv_s += att[t,s]·dout_t
          let dot = 0; // Σ_s att[t,s]·datt[t,s]
          for (let s = 0; s <= t; s++) {
            const v = s * C3 + 2 * C + h * hs;
            let acc = 0;
            for (let i = 0; i < hs; i++) {
              acc += d[dy + i] * x[b * T * C3 + v + i];
              g[v + i] += a[row + s] * d[dy + i];
            }
            drow[s] = acc;
            dot += a[row + s] * acc;
          }
          // dscores[t,s] = att[t,s]·(datt[t,s] − dot); dq_t += dscores·k_s/√hs; dk_s += dscores·q_t/√hs
          for (let s = 0; s <= t; s++) {
            const ds = a[row + s] * (drow[s] - dot);
            da[row + s] = ds;
            const k = s * C3 + C + h * hs;
            for (let i = 0; i < hs; i++) {
              g[q + i] += ds * scale * x[b * T * C3 + k + i];
              g[k + i] += ds * scale * x[b * T * C3 + q + i];
            }
          }
          for (let s = t + 1; s < T; s++) da[row + s] = 0;
        }
      }
      const base = b * T * C3;
      for (let i = 0; i < T * C3; i++) dx[base + i] = accumulate ? dx[base + i] + fr(g[i]) : g[i];
    }
  },
};

// ---- WebAssembly

/** The wasm backend's attention over `ctx`'s module and arena. */
export function wasmAttention(ctx: WasmContext): AttentionKernels {
  const w = ctx.w;
  const own: typeof need = (buf, n, what, op) => ctx.own(buf, n, what, op);
  return {
    attentionForward(out, att, qkv, B, T, C, NH) {
      checkForward(own, out, att, qkv, B, T, C, NH);
      w.attentionForwardF32(out.ptr, att.ptr, qkv.ptr, B, T, C, NH);
    },

    attentionBackward(dqkv, datt, dout, qkv, att, B, T, C, NH, accumulate = false) {
      checkBackward(own, dqkv, datt, dout, qkv, att, B, T, C, NH);
      w.attentionBackwardF32(dqkv.ptr, datt.ptr, dout.ptr, qkv.ptr, att.ptr, B, T, C, NH, accumulate ? 1 : 0);
    },
  };
}
