// SHA-256 as lowercase hex, for the words a run was trained on and the files of its saves: Node's own
// (native) hash where the runtime hands it over synchronously (Node ≥ 20.16: process.getBuiltinModule),
// @noble/hashes elsewhere (a browser, an older Node). names.txt's 228 KB: about 0.3 ms against 10. The
// same digest either way; a string is hashed as its UTF-8 bytes (a lone surrogate as U+FFFD, both ways).

import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

interface NodeCrypto {
  createHash(algorithm: "sha256"): { update(data: Uint8Array | string): { digest(encoding: "hex"): string } };
}

let nodeCrypto: NodeCrypto | null | undefined;

function nativeCrypto(): NodeCrypto | null {
  if (nodeCrypto === undefined) {
    const p = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
    nodeCrypto = typeof p?.versions?.node === "string" ? ((p.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined) ?? null) : null;
  }
  return nodeCrypto;
}

/** sha256 of `data` (bytes, or a string's UTF-8) in the portable implementation: what a browser computes. */
export function sha256HexPortable(data: Uint8Array | string): string {
  return bytesToHex(sha256(typeof data === "string" ? utf8ToBytes(data) : data));
}

/** sha256 of `data` (bytes, or a string's UTF-8), lowercase hex. */
export function sha256Hex(data: Uint8Array | string): string {
  const c = nativeCrypto();
  return c !== null ? c.createHash("sha256").update(data).digest("hex") : sha256HexPortable(data);
}
