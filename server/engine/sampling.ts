/**
 * OpenAI sampling semantics in node-llama-cpp terms, shared by chat and text completion:
 * no top-k, no classic repeat penalty, a random seed when none is given, and generation that
 * ends at the context's end instead of shifting the context.
 */
import { randomInt } from "node:crypto";
import { FaroError } from "../errors";
import type { SamplingParams } from "./types";

export function samplingOptions(p: SamplingParams, seedOffset: number) {
  const penalize = p.presencePenalty !== 0 || p.frequencyPenalty !== 0;
  return {
    temperature: p.temperature,
    topP: p.topP,
    topK: 0, // OpenAI has no top-k; node-llama-cpp defaults to 40
    // Without a seed llama.cpp samples with a fixed default one; OpenAI varies per request.
    seed: p.seed === null ? randomInt(2 ** 31) : p.seed + seedOffset,
    customStopTriggers: p.stop.length ? p.stop : undefined,
    // penalty 1 switches off llama.cpp's classic repeat penalty, which OpenAI does not have.
    repeatPenalty: penalize ? { penalty: 1, presencePenalty: p.presencePenalty, frequencyPenalty: p.frequencyPenalty } : (false as const),
  };
}

/** The token budget: the request's max_tokens, never past the end of the context. */
export function tokenBudget(contextSize: number, promptTokens: number, maxTokens: number | null): number {
  const room = contextSize - promptTokens;
  if (room < 1) {
    throw new FaroError(
      `This model's maximum context length is ${contextSize} tokens. However, your messages resulted in ${promptTokens} tokens.`,
      { status: 400, type: "invalid_request_error", code: "context_length_exceeded", param: "messages" },
    );
  }
  return Math.min(maxTokens ?? room, room);
}
