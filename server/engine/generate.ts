/**
 * One chat generation on one context sequence with node-llama-cpp's stateless LlamaChat:
 * OpenAI sampling semantics, prompt/completion token counts, abort on client disconnect.
 */
import { randomInt } from "node:crypto";
import type { LlamaChatResponse, LlamaContextSequence } from "node-llama-cpp";
import { FaroError } from "../errors";
import type { LoadedModel } from "./loadedModel";
import type { FinishReason, GenerateEvent, GenerateRequest } from "./types";

export async function generate(
  { model, chatWrapper }: LoadedModel,
  sequence: LlamaContextSequence,
  req: GenerateRequest,
  signal: AbortSignal,
  emit: (e: GenerateEvent) => void,
): Promise<void> {
  const { LlamaChat } = await import("node-llama-cpp");
  const chat = new LlamaChat({ contextSequence: sequence, chatWrapper, autoDisposeSequence: false });
  try {
    const promptTokens = chat.chatWrapper
      .generateContextState({ chatHistory: req.history })
      .contextText.tokenize(model.tokenizer).length;
    const room = sequence.contextSize - promptTokens;
    if (room < 1) {
      throw new FaroError(
        `This model's maximum context length is ${sequence.contextSize} tokens. However, your messages resulted in ${promptTokens} tokens.`,
        { status: 400, type: "invalid_request_error", code: "context_length_exceeded", param: "messages" },
      );
    }
    // OpenAI stops at the end of the context; node-llama-cpp would shift the context and go on.
    const maxTokens = Math.min(req.maxTokens ?? room, room);
    // The sequence's meter counts every sampled token, including one held back by a stop check.
    const outputBefore = sequence.tokenMeter.usedOutputTokens;
    const penalize = req.presencePenalty !== 0 || req.frequencyPenalty !== 0;
    const response: LlamaChatResponse = await chat.generateResponse(req.history, {
      signal,
      stopOnAbortSignal: true,
      maxTokens,
      temperature: req.temperature,
      topP: req.topP,
      topK: 0, // OpenAI has no top-k; node-llama-cpp defaults to 40
      // Without a seed llama.cpp samples with a fixed default one; OpenAI varies per request.
      seed: req.seed ?? randomInt(2 ** 31),
      customStopTriggers: req.stop.length ? req.stop : undefined,
      // penalty 1 switches off llama.cpp's classic repeat penalty, which OpenAI does not have.
      repeatPenalty: penalize
        ? { penalty: 1, presencePenalty: req.presencePenalty, frequencyPenalty: req.frequencyPenalty }
        : false,
      onTextChunk: (text) => emit({ type: "text", text }),
    });
    const completionTokens = sequence.tokenMeter.usedOutputTokens - outputBefore;
    emit({ type: "done", finishReason: finishReason(response, signal), promptTokens, completionTokens });
  } finally {
    chat.dispose({ disposeSequence: false });
  }
}

function finishReason(response: LlamaChatResponse, signal: AbortSignal): FinishReason {
  if (signal.aborted || response.metadata.stopReason === "abort") return "abort";
  return response.metadata.stopReason === "maxTokens" ? "length" : "stop";
}
