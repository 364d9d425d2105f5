/**
 * Log probabilities of generated tokens for local models. LlamaChat and LlamaCompletion decode
 * through `sequence.evaluate`; they are handed a view of the sequence whose `evaluate` runs
 * node-llama-cpp's `evaluateWithMetadata` instead, with the same options (sampling, grammar,
 * token bias, penalties), so every feature and the context's continuous batching stay as they
 * are. Each sampled token's probabilities are recorded, and the text chunks those classes
 * report (which carry their tokens) pick their entries up in order; markup tokens (`<think>`,
 * stop triggers, EOS) belong to no chunk and are passed over.
 *
 * Which distribution: node-llama-cpp reports probabilities after its sampler chain. At
 * temperature 0 that is the model's own distribution (after logit_bias, penalties and any
 * response_format grammar). At a temperature T > 0 the chain divides the logits by T, which
 * this module undoes (p ∝ p_T^T), so the numbers are the model's distribution as OpenAI reports
 * it, not the tempered one; with top_p < 1, top_k or min_p they are renormalised over the tokens
 * those keep.
 */
import type { LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import { withEvaluate } from "./sequenceView";
import type { TokenLogprob, TopLogprob } from "./types";

interface Step {
  token: Token;
  /** ln p of this step's tokens under the model's distribution: the sampled one, and the top alternatives. */
  logprob: number;
  top: [Token, number][];
}

/** Tokens kept before a piece when detokenizing it, so SentencePiece keeps its leading space. */
export const CONTEXT_TOKENS = 4;
/** How far ahead of the last matched step a chunk's token is looked for. */
const LOOKAHEAD = 64;

export class LogprobRecorder {
  private steps: Step[] = [];
  private cursor = 0;
  /** Tokens before the first step (a completion's prompt), for detokenizing it. */
  private context: Token[] = [];
  private readonly byteTokens: readonly string[];

  /**
   * @param top alternatives per token (OpenAI's top_logprobs, 0..20)
   * @param temperature the request's temperature, to undo the chain's scaling
   */
  constructor(
    private readonly model: LlamaModel,
    private readonly top: number,
    private readonly temperature: number,
  ) {
    this.byteTokens = (model.fileInfo.metadata.tokenizer as { ggml?: { tokens?: readonly string[] } } | undefined)?.ggml?.tokens ?? [];
  }

  /** `sequence` as LlamaChat/LlamaCompletion use it, with `evaluate` recording probabilities. */
  wrap(sequence: LlamaContextSequence): LlamaContextSequence {
    return withEvaluate(sequence, (tokens, options) => this.evaluate(sequence, tokens, options));
  }

  /** Starts a new answer (OpenAI's `n`) after `context`: earlier steps are dropped. */
  reset(context: readonly Token[] = []): void {
    this.steps = [];
    this.cursor = 0;
    this.context = context.slice(-CONTEXT_TOKENS);
  }

  /** The entries for a chunk's tokens, in order; a token no step sampled (replaced by the caller) has none. */
  take(tokens: readonly Token[]): TokenLogprob[] {
    const out: TokenLogprob[] = [];
    for (const token of tokens) {
      const end = Math.min(this.steps.length, this.cursor + LOOKAHEAD);
      let j = this.cursor;
      while (j < end && this.steps[j]!.token !== token) j++;
      if (j === end) continue;
      const step = this.steps[j]!;
      const before = [...this.context, ...this.steps.slice(Math.max(0, j - CONTEXT_TOKENS), j).map((s) => s.token)].slice(-CONTEXT_TOKENS);
      this.cursor = j + 1;
      out.push({
        // The chosen token as the answer's text has it (a special token adds no text there).
        ...this.piece(step.token, step.logprob, before, false),
        top_logprobs: step.top.map(([t, lp]) => this.piece(t, lp, before)),
      });
    }
    return out;
  }

  private piece(token: Token, logprob: number, before: Token[], specialTokens = true): TopLogprob {
    const text = this.model.detokenize([token], specialTokens, before);
    // A byte-fallback token alone is part of a UTF-8 character: report its byte, as OpenAI does.
    const byte = /^<0x([0-9A-F]{2})>$/.exec(this.byteTokens[token] ?? "");
    if (byte && text.includes("\uFFFD")) {
      const value = parseInt(byte[1]!, 16);
      return { token: `bytes:\\x${byte[1]!.toLowerCase()}`, logprob, bytes: [value] };
    }
    return { token: text, logprob, bytes: [...Buffer.from(text, "utf8")] };
  }

  private async *evaluate(
    sequence: LlamaContextSequence,
    tokens: Token[],
    options: Parameters<LlamaContextSequence["evaluate"]>[1],
  ): AsyncGenerator<Token, void, void | Token | Token[]> {
    // The full distribution is needed for alternatives, and to renormalise after undoing a temperature.
    const full = this.top > 0 || (this.temperature > 0 && this.temperature !== 1);
    const inner = sequence.evaluateWithMetadata(tokens, full ? { probabilities: true, confidence: true } : { confidence: true }, options);
    try {
      let r = await inner.next();
      while (!r.done) {
        const out = r.value as { token: Token; confidence: number; probabilities?: Map<Token, number> };
        this.steps.push(this.step(out.token, out.confidence, out.probabilities));
        r = await inner.next(yield out.token);
      }
    } finally {
      await inner.return();
    }
  }

  private step(token: Token, confidence: number, probabilities: Map<Token, number> | undefined): Step {
    if (!probabilities) return { token, logprob: Math.log(confidence), top: [] };
    // Back to the model's logits (up to a constant): ln p_T = l/T - c, so l = T ln p_T + c'.
    const scale = this.temperature > 0 ? this.temperature : 1;
    let max = -Infinity;
    for (const p of probabilities.values()) if (p > 0) max = Math.max(max, scale * Math.log(p));
    let sum = 0;
    for (const p of probabilities.values()) if (p > 0) sum += Math.exp(scale * Math.log(p) - max);
    const norm = max + Math.log(sum);
    const logprob = (p: number | undefined) => (p && p > 0 ? scale * Math.log(p) - norm : -Infinity);
    const top: [Token, number][] = [];
    for (const [t, p] of probabilities) {
      if (top.length >= this.top || !(p > 0)) break;
      top.push([t, logprob(p)]);
    }
    return { token, logprob: logprob(probabilities.get(token)), top };
  }
}
