/**
 * max_tokens held exactly. LlamaCompletion (node-llama-cpp 3.x) checks its limit only after a
 * token whose text is complete: a token that ends inside a UTF-8 character is held back and the
 * next one is sampled regardless, so a cut there gave max_tokens + 1 tokens (and usage to match).
 * This view of the sequence counts the sampled tokens; asked for one past the limit, it answers
 * the model's end-of-generation token instead of sampling, which ends the generation there.
 */
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { withEvaluate } from "./sequenceView";

export class TokenLimit {
  /** The tokens sampled since the last reset, in order. */
  readonly sampled: Token[] = [];
  private stopped = false;

  constructor(
    private readonly limit: number,
    private readonly endToken: Token,
  ) {}

  /** True once generation was ended here: it stopped for max_tokens, whatever node-llama-cpp reports. */
  get reached(): boolean {
    return this.stopped;
  }

  reset(): void {
    this.sampled.length = 0;
    this.stopped = false;
  }

  wrap(sequence: LlamaContextSequence): LlamaContextSequence {
    return withEvaluate(sequence, (tokens, options) => this.evaluate(sequence, tokens, options));
  }

  private async *evaluate(
    sequence: LlamaContextSequence,
    tokens: Token[],
    options: Parameters<LlamaContextSequence["evaluate"]>[1],
  ): AsyncGenerator<Token, void, void | Token | Token[]> {
    if (this.sampled.length >= this.limit) {
      yield* this.end();
      return;
    }
    const inner = sequence.evaluate(tokens, options);
    try {
      let r = await inner.next();
      while (!r.done) {
        this.sampled.push(r.value);
        const reply = yield r.value;
        if (this.sampled.length >= this.limit) {
          yield* this.end();
          return;
        }
        r = await inner.next(reply);
      }
    } finally {
      await inner.return();
    }
  }

  private *end(): Generator<Token, void, unknown> {
    this.stopped = true;
    yield this.endToken;
  }
}
