// Runs the CLI (from the sources, through tsx) in a child process, for tests that signal or kill it.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = new URL("../..", import.meta.url).pathname;

let script: string | undefined;

/** `makemore …args` in a child process; stderr is collected into `err()`. */
export function cliChild(args: string[]): { child: ChildProcess; err: () => string; exited: Promise<number | null> } {
  script ??= (() => {
    const path = join(mkdtempSync(join(tmpdir(), "makemore-cli-")), "cli.mts");
    writeFileSync(path, `import { main } from ${JSON.stringify(join(ROOT, "src/cli/main.ts"))};\nprocess.exitCode = await main(process.argv.slice(2));\n`);
    return path;
  })();
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { child, err: () => err, exited };
}
