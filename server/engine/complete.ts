/**
 * Text completion (POST /v1/completions) of a text or token-id prompt on one context sequence
 * with LlamaCompletion, with the log probabilities of its tokens when asked for (logprobs.ts),
 * and exactly max_tokens at most (tokenLimit.ts).
 */
import type { LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import type { LoadedModel } from "./loadedModel";
import { CONTEXT_TOKENS, LogprobRecorder } from "./logprobs";
import { CONTEXT_SHIFT_SIZE, checkedPromptTokens, samplingOptions, tokenBiasFor, tokenBudget } from "./sampling";
import { TokenLimit } from "./tokenLimit";
import type { CompleteRequest, GenerateEvent } from "./types";

export async function complete(
  loaded: LoadedModel,
  sequence: LlamaContextSequence,
  req: CompleteRequest,
  signal: AbortSignal,
  emit: (e: GenerateEvent) => void,
): Promise<void> {
  const { LlamaCompletion } = await import("node-llama-cpp");
  const recorder = req.logprobs === null ? null : new LogprobRecorder(loaded.model, req.logprobs, req.temperature);
  const promptTokens = promptInput(loaded.model, req.prompt);
  // What the model is fed, and so what usage and the context check count: the prompt after the beginning token.
  const promptTokenCount = promptTokens.length + (beginningToken(loaded.model) === null ? 0 : 1);
  const maxTokens = tokenBudget(sequence.contextSize, promptTokenCount, req, "prompt");
  const end = loaded.model.tokens.eos;
  // Without an end-of-sequence token nothing can end a generation early: the model cannot stop either.
  const limit = end === null ? null : new TokenLimit(maxTokens, end);
  const viewed = recorder ? recorder.wrap(sequence) : sequence;
  const completion = new LlamaCompletion({ contextSequence: limit ? limit.wrap(viewed) : viewed, autoDisposeSequence: false });
  // OpenAI's text_offset counts from the start of the prompt, in characters.
  const promptChars = [...(typeof req.prompt === "string" ? req.prompt : loaded.model.detokenize(promptTokens))].length;
  try {
    const tokenBias = await tokenBiasFor(loaded.model, req.logitBias);
    const outputBefore = sequence.tokenMeter.usedOutputTokens;
    for (let index = 0; index < req.n && !signal.aborted; index++) {
      recorder?.reset(promptTokens);
      limit?.reset();
      let offset = promptChars;
      // Offsets follow the text's characters: a lone byte ("bytes:\\xNN") adds the character it
      // completes or the U+FFFD the text shows, never the length of its spelling.
      const chars = new TextDecoder();
      // LlamaCompletion reports a chunk's tokens right before its text, which it detokenizes without
      // the prompt: SentencePiece would drop the first token's leading space ("answer" for " answer").
      let chunkTokens: Token[] = [];
      let before = promptTokens.slice(-CONTEXT_TOKENS);
      let released = 0;
      const emitChunk = (tokens: Token[]) => {
        const text = loaded.model.detokenize(tokens, false, before);
        before = [...before, ...tokens].slice(-CONTEXT_TOKENS);
        released += tokens.filter((t) => !loaded.model.isEogToken(t)).length;
        if (!recorder) return emit({ type: "text", index, text });
        const logprobs = recorder.take(tokens).map((lp) => {
          const entry = { ...lp, text_offset: offset };
          offset += [...chars.decode(Uint8Array.from(lp.bytes), { stream: true })].length;
          return entry;
        });
        emit({ type: "text", index, text, logprobs });
      };
      const { metadata } = await completion.generateCompletionWithMeta(promptTokens, {
        signal,
        stopOnAbortSignal: true,
        maxTokens,
        contextShiftSize: CONTEXT_SHIFT_SIZE,
        ...samplingOptions(req, index, tokenBias),
        onToken: (tokens) => (chunkTokens = tokens),
        onTextChunk: () => emitChunk(chunkTokens),
      });
      const length = limit?.reached || metadata.stopReason === "maxTokens";
      // Cut inside a character, LlamaCompletion keeps that character's bytes to itself; they were
      // generated (and counted), so they are part of the answer, as OpenAI sends them.
      const held = length && limit ? limit.sampled.slice(released) : [];
      if (held.length) emitChunk(held);
      const finishReason = signal.aborted || metadata.stopReason === "abort" ? "abort" : length ? "length" : "stop";
      emit({ type: "choice_end", index, finishReason });
    }
    const completionTokens = sequence.tokenMeter.usedOutputTokens - outputBefore;
    emit({ type: "usage", usage: { prompt_tokens: promptTokenCount, completion_tokens: completionTokens, total_tokens: promptTokenCount + completionTokens } });
  } finally {
    completion.dispose({ disposeSequence: false });
  }
}

/**
 * The prompt's tokens as LlamaCompletion feeds them after its beginning token: text tokenized as
 * it does (after a BOS, without the first word's leading space: "hello world" is h,e,l,l,o,▁world,
 * not ▁hello,▁world), token ids as they are (they are the model's own vocabulary's). Given these
 * tokens, LlamaCompletion only puts its beginning token in front.
 */
function promptInput(model: LlamaModel, prompt: string | number[]): Token[] {
  if (typeof prompt !== "string") return checkedPromptTokens(model, prompt);
  return model.tokenize(prompt, false, beginningToken(model) === null ? undefined : "trimLeadingSpace");
}

/**
 * The token LlamaCompletion puts before every prompt, or null: node-llama-cpp's
 * resolveBeginningTokenToPrepend (utils/tokenizerUtils.js, not exported), after llama.cpp's
 * llama_tokenize_internal.
 */
function beginningToken(model: LlamaModel): Token | null {
  switch (model.vocabularyType) {
    case "rwkv":
    case "ugm":
      return null;
    case "wpm":
      return model.tokens.bos;
    default:
      return model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
  }
}
