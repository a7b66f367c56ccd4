// The `makemore` command line: one file per command under src/cli/, wired here.

import { Command, CommanderError } from "commander";
import { registerData } from "./data.ts";
import { registerDiagnose } from "./diagnose.ts";
import { registerEval } from "./eval.ts";
import { registerGradcheck } from "./gradcheck.ts";
import { registerLab } from "./lab.ts";
import { registerLrFind } from "./lr_find.ts";
import { registerSample } from "./sample.ts";
import { registerTrain } from "./train.ts";
import { reportError, stdio, type Output } from "./options.ts";

export const VERSION = "0.1.0";

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], io: Output = stdio): Promise<number> {
  const program = new Command("makemore")
    .description("makemore-ts: learns from a file of words and makes more words like them")
    .version(VERSION)
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) => write(`makemore: ${s.replace(/^error: /, "")}`),
    });
  registerData(program, io);
  registerTrain(program, io);
  registerSample(program, io);
  registerEval(program, io);
  registerGradcheck(program, io);
  registerDiagnose(program, io);
  registerLrFind(program, io);
  registerLab(program, io);
  for (const cmd of program.commands) cmd.exitOverride();
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
      return 2;
    }
    return reportError(e, io);
  }
}
