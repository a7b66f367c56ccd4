// `makemore lab [--port N] [--open]`: serves the browser lab (web/, built into dist/web) on 127.0.0.1 and
// prints its URL; runs until Ctrl-C. Training happens in the browser, in a Web Worker: the server only
// hands out the page's static files (src/node/lab_server.ts).

import { spawn } from "node:child_process";
import type { Command } from "commander";
import { startLabServer } from "../node/lab_server.ts";
import { InvalidArgumentError } from "commander";
import type { Output } from "./options.ts";

/** A TCP port: an integer 0–65535 (0: any free port). */
function portFlag(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n > 65535) throw new InvalidArgumentError("must be a port number, 0 to 65535 (0: any free port).");
  return n;
}

interface LabFlags {
  port: number;
  open?: boolean;
}

/** Opens `url` in the desktop's browser; a machine without one only misses the convenience. */
function openBrowser(url: string, io: Output): void {
  const cmd = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  try {
    const child = spawn(cmd, [url], { detached: true, stdio: "ignore" });
    child.on("error", () => io.err(`makemore: note: could not open a browser (${cmd}): open ${url} yourself`));
    child.unref();
  } catch {
    io.err(`makemore: note: could not open a browser (${cmd}): open ${url} yourself`);
  }
}

export function registerLab(program: Command, io: Output): void {
  program
    .command("lab")
    .description("the browser lab: train a model in your browser and watch inside it live (serves it on 127.0.0.1)")
    .option("--port <n>", "port to listen on (0: any free port)", portFlag, 8080)
    .option("--open", "open the lab in the default browser")
    .action(async (flags: LabFlags) => {
      const { server, url } = await startLabServer({ port: flags.port });
      io.out(`makemore lab: ${url}  (Ctrl-C stops it)`);
      if (flags.open) openBrowser(url, io);
      await new Promise<void>((resolve) => {
        const stop = () => server.close(() => resolve());
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        server.once("close", () => resolve());
      });
    });
}
