/**
 * The tokens LlamaChat sampled but never reported. Its stream regulator holds a token back
 * while its text ends inside a UTF-8 character (or may begin a stop trigger); when max_tokens
 * ends the answer there, LlamaChat drops those tokens, though they were generated and usage
 * counts them. This view of the sequence keeps the sampled tokens so the answer can end with them.
 */
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { withEvaluate } from "./sequenceView";

/** How far ahead of the last reported token a chunk's token is looked for (markup reports none). */
const LOOKAHEAD = 64;

export class HeldTokens {
  private sampled: Token[] = [];
  /** Index in `sampled` past the last token a chunk reported. */
  private cursor = 0;

  wrap(sequence: LlamaContextSequence): LlamaContextSequence {
    return withEvaluate(sequence, (tokens, options) => this.evaluate(sequence, tokens, options));
  }

  /** Starts a new answer (OpenAI's `n`). */
  reset(): void {
    this.sampled = [];
    this.cursor = 0;
  }

  /** Marks a chunk's tokens, reported in order, as part of the answer. */
  reported(tokens: readonly Token[]): void {
    for (const token of tokens) {
      const end = Math.min(this.sampled.length, this.cursor + LOOKAHEAD);
      let j = this.cursor;
      while (j < end && this.sampled[j] !== token) j++;
      if (j < end) this.cursor = j + 1;
    }
  }

  /** The tokens sampled after the last reported one. */
  held(): Token[] {
    return this.sampled.slice(this.cursor);
  }

  private async *evaluate(
    sequence: LlamaContextSequence,
    tokens: Token[],
    options: Parameters<LlamaContextSequence["evaluate"]>[1],
  ): AsyncGenerator<Token, void, void | Token | Token[]> {
    const inner = sequence.evaluate(tokens, options);
    try {
      let r = await inner.next();
      while (!r.done) {
        this.sampled.push(r.value);
        r = await inner.next(yield r.value);
      }
    } finally {
      await inner.return();
    }
  }
}
