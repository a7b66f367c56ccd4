// Typed errors: each says what was wrong, where (file, line, flag) and what to do, so the CLI can print
// it as one line without a stack trace. Library code throws these; anything else escaping is a bug.

/** Base class of every error makemore-ts means a user to see. */
export class MakemoreError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A word file that cannot be read or is not a list of words. */
export class DataError extends MakemoreError {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(
      file === undefined ? message : line === undefined ? `${file}: ${message}` : `${file}:${line}: ${message}`,
    );
  }
}

/** A configuration or command-line value that is out of range or inconsistent. */
export class ConfigError extends MakemoreError {
  override readonly exitCode: number = 2;
}

/** A checkpoint or safetensors file that is missing, truncated, malformed or of another config. */
export class CheckpointError extends MakemoreError {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(file === undefined ? message : `${file}: ${message}`);
  }
}

/** A command stopped by Ctrl-C, SIGTERM or SIGHUP after saving what it had; exits 130 as shells do. */
export class InterruptedError extends MakemoreError {
  override readonly exitCode: number = 130;
}

/**
 * Sizes the WebAssembly memory cannot hold (a wasm32 memory holds at most 4 GiB, and an engine may
 * refuse to grow it earlier): the arena's last word when an allocation does not fit. Exit 2, as for
 * the too-large setting it comes from.
 */
export class OutOfMemoryError extends MakemoreError {
  override readonly exitCode: number = 2;
}
