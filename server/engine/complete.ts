/**
 * Text completion (POST /v1/completions) on one context sequence with LlamaCompletion, with the
 * log probabilities of its tokens when asked for (logprobs.ts).
 */
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import type { LoadedModel } from "./loadedModel";
import { CONTEXT_TOKENS, LogprobRecorder } from "./logprobs";
import { samplingOptions, tokenBiasFor, tokenBudget } from "./sampling";
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
  const completion = new LlamaCompletion({ contextSequence: recorder ? recorder.wrap(sequence) : sequence, autoDisposeSequence: false });
  // OpenAI's text_offset counts from the start of the prompt, in characters.
  const promptChars = [...req.prompt].length;
  try {
    const promptTokens = loaded.model.tokenize(req.prompt);
    const promptTokenCount = promptTokens.length;
    const maxTokens = tokenBudget(sequence.contextSize, promptTokenCount, req.maxTokens, "prompt");
    const tokenBias = await tokenBiasFor(loaded.model, req.logitBias);
    const outputBefore = sequence.tokenMeter.usedOutputTokens;
    for (let index = 0; index < req.n && !signal.aborted; index++) {
      recorder?.reset(promptTokens);
      let offset = promptChars;
      // Offsets follow the text's characters: a lone byte ("bytes:\\xNN") adds the character it
      // completes or the U+FFFD the text shows, never the length of its spelling.
      const chars = new TextDecoder();
      // LlamaCompletion reports a chunk's tokens right before its text, which it detokenizes without
      // the prompt: SentencePiece would drop the first token's leading space ("answer" for " answer").
      let chunkTokens: Token[] = [];
      let before = promptTokens.slice(-CONTEXT_TOKENS);
      const { metadata } = await completion.generateCompletionWithMeta(req.prompt, {
        signal,
        stopOnAbortSignal: true,
        maxTokens,
        ...samplingOptions(req, index, tokenBias),
        onToken: (tokens) => (chunkTokens = tokens),
        onTextChunk: () => {
          const text = loaded.model.detokenize(chunkTokens, false, before);
          before = [...before, ...chunkTokens].slice(-CONTEXT_TOKENS);
          if (!recorder) return emit({ type: "text", index, text });
          const logprobs = recorder.take(chunkTokens).map((lp) => {
            const entry = { ...lp, text_offset: offset };
            offset += [...chars.decode(Uint8Array.from(lp.bytes), { stream: true })].length;
            return entry;
          });
          emit({ type: "text", index, text, logprobs });
        },
      });
      const finishReason = signal.aborted || metadata.stopReason === "abort" ? "abort" : metadata.stopReason === "maxTokens" ? "length" : "stop";
      emit({ type: "choice_end", index, finishReason });
    }
    const completionTokens = sequence.tokenMeter.usedOutputTokens - outputBefore;
    emit({ type: "usage", usage: { prompt_tokens: promptTokenCount, completion_tokens: completionTokens, total_tokens: promptTokenCount + completionTokens } });
  } finally {
    completion.dispose({ disposeSequence: false });
  }
}
