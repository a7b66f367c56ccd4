// The character vocabulary of the lectures: `chars = sorted(set(''.join(words)))`, `stoi = {s: i+1}`,
// `stoi['.'] = 0`. Characters are Unicode code points sorted by code point, as Python sorts strings.

import { DataError } from "../errors.ts";
import { BOUNDARY } from "./words.ts";

export class Vocabulary {
  /** itos: index → character; index 0 is the boundary token. */
  readonly chars: readonly string[];
  private readonly stoi: Map<string, number>;
  /** stoi by code point (what `encode` looks up: no string made per character). */
  private readonly byCode: Map<number, number>;

  /** A vocabulary from its characters in index order (index 0 must be the boundary token). */
  constructor(chars: readonly string[]) {
    if (chars[0] !== BOUNDARY) throw new DataError(`a vocabulary must start with the boundary token "${BOUNDARY}"`);
    this.chars = [...chars];
    this.stoi = new Map(this.chars.map((c, i) => [c, i]));
    if (this.stoi.size !== this.chars.length) throw new DataError("a vocabulary cannot repeat a character");
    for (const c of this.chars) {
      if ([...c].length !== 1) throw new DataError(`vocabulary entries must be single characters (got ${JSON.stringify(c)})`);
    }
    this.byCode = new Map(this.chars.map((c, i) => [c.codePointAt(0)!, i]));
  }

  /** The lectures' vocabulary of a word list: the boundary token, then the sorted distinct characters. */
  static fromWords(words: readonly string[]): Vocabulary {
    const set = new Set<string>();
    for (const w of words) for (const c of w) set.add(c);
    set.delete(BOUNDARY);
    const sorted = [...set].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new Vocabulary([BOUNDARY, ...sorted]);
  }

  /** Number of tokens, the boundary included (27 for names.txt). */
  get size(): number {
    return this.chars.length;
  }

  /** The index of one character. */
  indexOf(ch: string): number {
    const i = this.stoi.get(ch);
    if (i === undefined) {
      const cp = ch.codePointAt(0) ?? 0;
      throw new DataError(
        `character ${JSON.stringify(ch)} (U+${cp.toString(16).toUpperCase().padStart(4, "0")}) is not in the ` +
          `vocabulary of ${this.size} tokens (${JSON.stringify(this.chars.join(""))})`,
      );
    }
    return i;
  }

  /** A word's character indices (without boundary tokens), code point by code point. */
  encode(word: string): number[] {
    const out: number[] = [];
    for (let i = 0; i < word.length; i++) {
      const cp = word.codePointAt(i)!;
      if (cp > 0xffff) i++; // a surrogate pair: one character
      out.push(this.byCode.get(cp) ?? this.indexOf(String.fromCodePoint(cp)));
    }
    return out;
  }

  /** Indices back to text; the boundary token decodes to ".". */
  decode(ids: Iterable<number>): string {
    let s = "";
    for (const i of ids) {
      const c = this.chars[i];
      if (c === undefined) throw new DataError(`token index ${i} is outside the vocabulary (0..${this.size - 1})`);
      s += c;
    }
    return s;
  }

  toJSON(): string[] {
    return [...this.chars];
  }
}
