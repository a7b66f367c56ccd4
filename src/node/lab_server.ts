// The static server of the browser lab (`makemore lab`): node:http on 127.0.0.1 only, serving the files of
// the built lab (dist/web, scripts/build-web.mjs) and nothing else — a request's path is decoded,
// normalized and must name a regular file inside that folder (no `..`, no symlink out, no directory
// listing: `/` is index.html). GET and HEAD only. Every response carries the cross-origin isolation headers
// (COOP same-origin, COEP require-corp), which a page needs for shared memory between threads, and
// `X-Content-Type-Options: nosniff`.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { extname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { MakemoreError } from "../errors.ts";

/** The built lab: dist/web from the package root (the same path from src/node/ and from dist/node/). */
export const LAB_DIR = fileURLToPath(new URL("../../dist/web/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

const HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-cache",
};

/** The file a request path names inside `root`, or null (outside it, not a file, not decodable). */
export function resolveLabPath(root: string, urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split("?")[0].split("#")[0]);
  } catch {
    return null;
  }
  if (path.includes("\0") || path.includes("\\")) return null;
  if (path === "/" || path === "") path = "/index.html";
  else if (path.endsWith("/") || path.endsWith("/.")) return null; // a directory's path (`/index.html/` names no file)
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.some((p) => p === "..")) return null;
  const realRoot = realpathSync(root);
  const file = join(realRoot, ...parts);
  if (!existsSync(file)) return null;
  const real = realpathSync(file);
  if (!real.startsWith(realRoot + sep) || !statSync(real).isFile()) return null;
  return real;
}

function respond(root: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { ...HEADERS, Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" });
    res.end("method not allowed\n");
    return;
  }
  const file = resolveLabPath(root, req.url ?? "/");
  if (file === null) {
    res.writeHead(404, { ...HEADERS, "Content-Type": "text/plain; charset=utf-8" });
    res.end("not found\n");
    return;
  }
  const body = readFileSync(file);
  res.writeHead(200, { ...HEADERS, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Content-Length": body.length });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** Starts the lab's server on 127.0.0.1:`port` (0: any free port); resolves with it and its URL. */
export async function startLabServer({ port = 0, root = LAB_DIR }: { port?: number; root?: string } = {}): Promise<{ server: Server; url: string }> {
  if (!existsSync(join(root, "index.html"))) {
    throw new MakemoreError(`the lab is not built (no ${join(root, "index.html")}): run npm run build`);
  }
  const server = createServer((req, res) => {
    try {
      respond(root, req, res);
    } catch {
      if (!res.headersSent) res.writeHead(500, { ...HEADERS, "Content-Type": "text/plain; charset=utf-8" });
      res.end("error\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "EADDRINUSE" ? new MakemoreError(`--port ${port} is in use: choose another (or 0 for any free port)`) : e),
    );
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const actual = typeof address === "object" && address !== null ? address.port : port;
  return { server, url: `http://127.0.0.1:${actual}/` };
}
