/** Text completion (POST /v1/completions) on one context sequence with LlamaCompletion. */
import type { LlamaContextSequence } from "node-llama-cpp";
import type { LoadedModel } from "./loadedModel";
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
  const completion = new LlamaCompletion({ contextSequence: sequence, autoDisposeSequence: false });
  try {
    const promptTokens = loaded.model.tokenize(req.prompt).length;
    const maxTokens = tokenBudget(sequence.contextSize, promptTokens, req.maxTokens);
    const tokenBias = await tokenBiasFor(loaded.model, req.logitBias);
    const outputBefore = sequence.tokenMeter.usedOutputTokens;
    for (let index = 0; index < req.n && !signal.aborted; index++) {
      const { metadata } = await completion.generateCompletionWithMeta(req.prompt, {
        signal,
        stopOnAbortSignal: true,
        maxTokens,
        ...samplingOptions(req, index, tokenBias),
        onTextChunk: (text) => emit({ type: "text", index, text }),
      });
      const finishReason = signal.aborted || metadata.stopReason === "abort" ? "abort" : metadata.stopReason === "maxTokens" ? "length" : "stop";
      emit({ type: "choice_end", index, finishReason });
    }
    const completionTokens = sequence.tokenMeter.usedOutputTokens - outputBefore;
    emit({ type: "usage", usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } });
  } finally {
    completion.dispose({ disposeSequence: false });
  }
}
