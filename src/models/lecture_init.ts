// Initialization presets of the lecture model: the stages makemore part 3 walks through, and part 4's exercise 4
// (the `lecture` preset), each drawing from one Generator in the lectures' order — C, W1, b1, W2, b2,
// then bngain, bnbias — so the same seed gives PyTorch's weights bit for bit.
//
// Scalars follow PyTorch: `float32_tensor * python_float` rounds the scalar to float32 first, and
// `randn(...) * (5/3) / fan_in**0.5` is two operations, each rounded.

import { ConfigError } from "../errors.ts";
import type { Generator } from "../random/generator.ts";
import type { LectureMLP } from "./lecture.ts";

export const INIT_PRESETS = ["lecture", "naive", "scaled-output", "kaiming", "batchnorm"] as const;
export type InitPreset = (typeof INIT_PRESETS)[number];

export const INIT_DESCRIPTIONS: Record<InitPreset, string> = {
  lecture: "part 4 exercise 4: C, W1·(5/3)/√fan_in, b1·0.1, W2·0.1, b2·0.1, bngain 1+0.1·randn, bnbias 0.1·randn",
  naive: "plain randn everywhere: confidently wrong logits (the hockey stick) and a saturated tanh",
  "scaled-output": "W2·0.01 and b2 = 0: logits near zero, initial loss near −ln(1/V)",
  kaiming: "also W1·(5/3)/√fan_in and b1·0.01: tanh no longer saturated",
  batchnorm: "kaiming's weights with BatchNorm before tanh (gain 1, bias 0): makemore part 3's last stage",
};

const f = Math.fround;

export function isInitPreset(s: string): s is InitPreset {
  return (INIT_PRESETS as readonly string[]).includes(s);
}

/** Fills the model's parameters from `g` as the preset says. */
export function initialize(model: LectureMLP, preset: InitPreset, g: Generator): void {
  if (!isInitPreset(preset)) throw new ConfigError(`unknown init preset "${preset}": use one of ${INIT_PRESETS.join(", ")}`);
  const fanIn = model.config.nEmbd * model.config.blockSize;
  const draw = (name: string, scale: (x: number) => number) => {
    const p = model.parameter(name).data.view;
    g.randnInto(p);
    for (let i = 0; i < p.length; i++) p[i] = scale(p[i]);
  };
  const times = (s: number) => {
    const s32 = f(s);
    return (x: number) => f(x * s32);
  };
  const kaimingW1 = (x: number) => f(f(x * f(5 / 3)) / f(Math.sqrt(fanIn)));
  const identity = (x: number) => x;
  const zeroTimes = (x: number) => f(x * 0);

  if (preset === "batchnorm" && !model.bn) {
    throw new ConfigError('the "batchnorm" init needs a BatchNorm layer: drop --no-batchnorm (or use --init kaiming)');
  }
  const stage = preset === "batchnorm" ? "kaiming" : preset;
  draw("C", identity);
  switch (stage) {
    case "naive":
      draw("W1", identity);
      draw("b1", identity);
      draw("W2", identity);
      draw("b2", identity);
      break;
    case "scaled-output":
      draw("W1", identity);
      draw("b1", identity);
      draw("W2", times(0.01));
      draw("b2", zeroTimes);
      break;
    case "kaiming":
      draw("W1", kaimingW1);
      draw("b1", times(0.01));
      draw("W2", times(0.01));
      draw("b2", zeroTimes);
      break;
    case "lecture":
      draw("W1", kaimingW1);
      draw("b1", times(0.1));
      draw("W2", times(0.1));
      draw("b2", times(0.1));
      break;
  }
  if (model.bn) {
    if (stage === "lecture") {
      const t = f(0.1);
      draw("bngain", (x) => f(f(x * t) + 1));
      draw("bnbias", (x) => f(x * t));
    } else {
      model.bn.gain.data.view.fill(1);
      model.bn.bias.data.view.fill(0);
    }
  }
}
