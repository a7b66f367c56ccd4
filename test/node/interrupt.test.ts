// Ctrl-C, SIGTERM and SIGHUP save the run and exit 130, also during the final evaluation; kill -9 at
// any moment of a run that saves every step leaves a directory that loads, and --resume from it ends
// byte-identical to a run never interrupted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../cli/helpers.ts";
import { createRun, loadRun } from "../../src/node/run_dir.ts";
import { TrainingRun } from "../../src/train/run.ts";
import { FILES } from "../../src/train/checkpoint.ts";
import { cliChild } from "./child.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "makemore-int-"));
const args = ["--steps", "3000", "--n-hidden", "16", "--no-progress", "--samples", "0"];
const uninterrupted = (() => {
  const r = createRun({ steps: 3000, model: { nHidden: 16 } });
  r.train();
  r.evaluate(r.settings.training.evalStats); // as train does before its last save (BatchNorm calibrated)
  return Buffer.from(r.checkpoint()["model.safetensors"]);
})();

/** Calls `hook` from inside the named TrainingRun method while `fn` runs. */
async function during<T>(method: "train" | "evaluate", hook: (r: TrainingRun) => void, fn: () => Promise<T>): Promise<T> {
  const proto = TrainingRun.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const original = proto[method]!;
  proto[method] = function (this: TrainingRun, ...a: unknown[]) {
    const out = original.apply(this, a);
    hook(this);
    return out;
  };
  try {
    return await fn();
  } finally {
    proto[method] = original;
  }
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  test(`${signal} while training saves the run and exits 130; --resume ends byte-identical`, async () => {
    const dir = tmp();
    let sent = false;
    const r = await during("train", (run) => {
      if (!sent && run.trainer.step >= 1000) {
        sent = true;
        process.kill(process.pid, signal); // delivered by the event loop, as a real one is
      }
    }, () => run("train", "-o", dir, ...args));
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, new RegExp(`makemore: interrupted at step 1000 of 3000: saved to ${dir}; continue with --resume\\n$`));
    assert.equal(loadRun(dir).trainer.step, 1000);
    assert.equal(process.listenerCount(signal), 0, "the handler is removed afterwards");
    const resumed = await run("train", "-o", dir, "--resume", "--no-progress", "--samples", "0");
    assert.equal(resumed.code, 0, resumed.err);
    assert.ok(readFileSync(join(dir, FILES.model)).equals(uninterrupted));
  });
}

test("Ctrl-C during the final evaluation saves the finished, evaluated run and exits 130", async () => {
  const dir = tmp();
  const r = await during("evaluate", () => process.kill(process.pid, "SIGINT"), () => run("train", "-o", dir, ...args));
  assert.equal(r.code, 130, r.err);
  assert.match(r.err, /interrupted after the last step: the finished run \(step 3000\) is saved to/);
  const config = JSON.parse(readFileSync(join(dir, FILES.config), "utf8"));
  assert.equal(config.stepsDone, 3000);
  assert.equal(config.metrics.step, 3000, "the evaluation's losses are in the save");
  assert.ok(readFileSync(join(dir, FILES.model)).equals(uninterrupted));
});

test("two Ctrl-C within one chunk of steps: the first still saves (the second forces only once the first was seen)", async () => {
  const dir = tmp();
  let sent = false;
  const r = await during("train", (run) => {
    if (!sent && run.trainer.step >= 1000) {
      sent = true;
      process.kill(process.pid, "SIGINT");
      process.kill(process.pid, "SIGINT");
    }
  }, () => run("train", "-o", dir, ...args));
  assert.equal(r.code, 130, r.err);
  assert.match(r.err, /interrupted at step 1000 of 3000: saved to/);
  assert.equal(loadRun(dir).trainer.step, 1000);
});

test("--max-steps -1 trains until Ctrl-C; --resume goes on until the next one; --resume --max-steps N ends it where N steps in one go end", async () => {
  const dir = tmp();
  const bigram = ["--type", "bigram", "--no-progress", "--samples", "0"];
  const interruptAt = (step: number) => {
    let sent = false;
    return (r: TrainingRun) => {
      if (!sent && r.trainer.step >= step) {
        sent = true;
        process.kill(process.pid, "SIGINT");
      }
    };
  };
  const first = await during("train", interruptAt(1000), () => run("train", "-o", dir, "--max-steps", "-1", ...bigram));
  assert.equal(first.code, 130, first.err);
  assert.match(first.err, /training: .*, until interrupted \(Ctrl-C saves the run\)/);
  assert.match(first.err, new RegExp(`makemore: interrupted at step 1000: saved to ${dir}; continue with --resume\\n$`));
  const config = JSON.parse(readFileSync(join(dir, FILES.config), "utf8"));
  assert.equal(config.steps, 2 ** 28, "until interrupted: the most steps a run may have");
  assert.equal(config.stepsDone, 1000);
  const again = await during("train", interruptAt(1500), () => run("train", "-o", dir, "--resume", ...bigram));
  assert.equal(again.code, 130, again.err);
  assert.match(again.err, /interrupted at step 1500: saved/);
  const end = await run("train", "-o", dir, "--resume", "--max-steps", "2000", ...bigram);
  assert.equal(end.code, 0, end.err);
  const whole = tmp();
  assert.equal((await run("train", "-o", whole, "--steps", "2000", ...bigram)).code, 0);
  for (const f of [FILES.model, FILES.state]) assert.ok(readFileSync(join(dir, f)).equals(readFileSync(join(whole, f))), `${f} differs`);
});

test("a signal before the first step saves nothing: a run --force would replace stays as it was", async () => {
  const dir = tmp();
  assert.equal((await run("train", "-o", dir, "--steps", "20", "--n-hidden", "8", "--samples", "0", "--no-progress")).code, 0);
  const before = readFileSync(join(dir, FILES.config));
  const create = TrainingRun.create;
  TrainingRun.create = (...a: Parameters<typeof create>) => {
    process.kill(process.pid, "SIGTERM");
    return create(...a);
  };
  try {
    const r = await run("train", "-o", dir, "--force", ...args);
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, /makemore: interrupted before the first step: nothing saved\n$/);
  } finally {
    TrainingRun.create = create;
  }
  assert.ok(readFileSync(join(dir, FILES.config)).equals(before), "the old run is untouched");
  assert.ok(!readdirSync(dir).includes(".lock"));
});

test("a real SIGTERM to a training process: saved, exit 130", async () => {
  const dir = tmp();
  const c = cliChild(["train", "-o", dir, "--steps", "1000000", "--n-hidden", "16", "--no-progress", "--checkpoint-every", "500"]);
  await waitFor(() => stepsSaved(dir) > 0); // training, not starting up
  c.child.kill("SIGTERM");
  assert.equal(await c.exited, 130, c.err());
  assert.match(c.err(), /interrupted at step \d+ of 1000000: saved to/);
  assert.ok(loadRun(dir).trainer.step > 0);
});

test("kill -9 at random instants of a run saving every step: each time the directory loads, and --resume ends byte-identical", async () => {
  const dir = tmp();
  let seed = 12345; // a fixed stream of kill times (no Math.random): 40–400 ms after the first save
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let lastStep = 0;
  for (let kill = 0; kill < 4; kill++) {
    const c = cliChild(["train", "-o", dir, ...args, "--checkpoint-every", "1", ...(kill ? ["--resume"] : [])]);
    await waitFor(() => stepsSaved(dir) > lastStep); // this process is saving
    await new Promise((r) => setTimeout(r, 40 + 360 * next()));
    c.child.kill("SIGKILL");
    await c.exited;
    const loaded = loadRun(dir); // finishes or drops the save the kill interrupted
    assert.ok(loaded.trainer.step >= lastStep, `step ${loaded.trainer.step} went back from ${lastStep}`);
    lastStep = loaded.trainer.step;
    assert.deepEqual(readdirSync(dir).filter((n) => n !== ".lock").sort(), [FILES.config, FILES.metrics, FILES.model, FILES.state, "diagnostics.jsonl"].sort(), "litter removed");
  }
  assert.ok(lastStep > 0 && lastStep < 3000, `killed mid-run (step ${lastStep})`);
  const resumed = await run("train", "-o", dir, "--resume", "--no-progress", "--samples", "0");
  assert.equal(resumed.code, 0, resumed.err);
  assert.ok(readFileSync(join(dir, FILES.model)).equals(uninterrupted));
});

test("readers beside a trainer that saves every step always load a whole save", async () => {
  const dir = tmp();
  const c = cliChild(["train", "-o", dir, ...args, "--checkpoint-every", "1"]);
  try {
    await waitFor(() => stepsSaved(dir) > 0);
    let last = 0;
    for (let loads = 0; loads < 40; loads++) {
      const r = loadRun(dir, { modelOnly: true }); // throws on a mix of two saves or a file renamed away
      assert.ok(r.trainer.step >= last);
      last = r.trainer.step;
    }
    assert.ok(last > 0);
  } finally {
    c.child.kill("SIGKILL");
    await c.exited;
  }
});

/** stepsDone of the config.json in place (0 if none), read without tidying the directory. */
function stepsSaved(dir: string): number {
  try {
    return JSON.parse(readFileSync(join(dir, FILES.config), "utf8")).stepsDone;
  } catch {
    return 0;
  }
}

async function waitFor(cond: () => boolean, ms = 20000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}
