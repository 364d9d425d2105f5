/**
 * OpenAI sampling semantics in node-llama-cpp terms, shared by chat and text completion:
 * no top-k or min-p unless the request asks (llama.cpp's extras), no classic repeat penalty, a random seed when none is given, and generation that
 * ends at the context's end instead of shifting the context.
 */
import { randomInt } from "node:crypto";
import { FaroError } from "../errors";
import type { LlamaModel, Token, TokenBias } from "node-llama-cpp";
import type { SamplingParams } from "./types";

export function samplingOptions(p: SamplingParams, seedOffset: number, tokenBias?: TokenBias) {
  const penalize = p.presencePenalty !== 0 || p.frequencyPenalty !== 0;
  return {
    temperature: p.temperature,
    topP: p.topP,
    topK: p.topK, // 0 unless asked: OpenAI has no top-k, and node-llama-cpp's default is 40
    ...(p.minP > 0 ? { minP: p.minP } : {}),
    // Without a seed llama.cpp samples with a fixed default one; OpenAI varies per request.
    seed: p.seed === null ? randomInt(2 ** 31) : uint32(p.seed + seedOffset),
    customStopTriggers: p.stop.length ? p.stop : undefined,
    // penalty 1 switches off llama.cpp's classic repeat penalty, which OpenAI does not have.
    repeatPenalty: penalize ? { penalty: 1, presencePenalty: p.presencePenalty, frequencyPenalty: p.frequencyPenalty } : (false as const),
    ...(tokenBias ? { tokenBias } : {}),
  };
}

/**
 * llama.cpp takes a uint32 seed, treats every negative one alike (seeds -1, -2 and 0 gave the
 * same answers) and 0xFFFFFFFF as "pick one at random"; OpenAI's are int64. Wrapping below
 * 0xFFFFFFFF keeps smaller seeds as they were and the others distinct and reproducible.
 */
function uint32(seed: number): number {
  const range = 2 ** 32 - 1;
  const m = seed % range;
  return m < 0 ? m + range : m;
}

/**
 * OpenAI's logit_bias for a local model: token ids of this model's vocabulary, values added to
 * the logits (-100 bans a token outright). Ids outside the vocabulary are a 400.
 */
export async function tokenBiasFor(model: LlamaModel, bias: Record<number, number> | null): Promise<TokenBias | undefined> {
  if (!bias) return undefined;
  const { TokenBias } = await import("node-llama-cpp");
  const tokens = vocabularySize(model);
  const result = new TokenBias(model.tokenizer);
  for (const [key, value] of Object.entries(bias)) {
    const id = Number(key);
    if (!Number.isInteger(id) || id < 0 || id >= tokens) {
      throw new FaroError(`logit_bias names token ${key}, but this model's vocabulary has ${tokens} tokens.`, { status: 400, type: "invalid_request_error", code: "invalid_value", param: "logit_bias" });
    }
    result.set(id as Token, value <= -100 ? "never" : { logit: value });
  }
  return result;
}

/** A prompt given as token ids, checked against this model's vocabulary (an unknown id is a 400). */
export function checkedPromptTokens(model: LlamaModel, ids: readonly number[]): Token[] {
  const size = vocabularySize(model);
  const bad = ids.findIndex((id) => id >= size);
  if (bad >= 0) {
    throw new FaroError(`Token id ${ids[bad]} at 'prompt[${bad}]' is not in this model's vocabulary, which has ${size} tokens.`, {
      status: 400,
      type: "invalid_request_error",
      code: "invalid_value",
      param: "prompt",
    });
  }
  return ids as Token[];
}

function vocabularySize(model: LlamaModel): number {
  return (model.fileInfo.metadata.tokenizer as { ggml?: { tokens?: readonly string[] } } | undefined)?.ggml?.tokens?.length ?? 0;
}

/**
 * The context shift size for LlamaCompletion and LlamaChat: the least they take. Before
 * generating they leave this much of the context free, and their default (a tenth of it) made
 * LlamaCompletion drop the start of a longer prompt and LlamaChat a longer conversation's first
 * turns, silently. Nothing needs to be shifted out: tokenBudget holds the prompt and max_tokens
 * inside the context, and a prompt that does not fit is a 400.
 */
export const CONTEXT_SHIFT_SIZE = 1;

/**
 * The token budget: the request's max_tokens, or up to the end of the context when it set none.
 * A max_tokens past the end of the context is a 400, as at OpenAI, rather than a silent cut.
 */
export function tokenBudget(contextSize: number, promptTokens: number, p: Pick<SamplingParams, "maxTokens" | "maxTokensParam">, param: "messages" | "prompt" = "messages"): number {
  const room = contextSize - promptTokens;
  if (room < 1) {
    throw new FaroError(
      `This model's maximum context length is ${contextSize} tokens. However, your ${param} resulted in ${promptTokens} tokens.`,
      { status: 400, type: "invalid_request_error", code: "context_length_exceeded", param },
    );
  }
  if (p.maxTokens !== null && p.maxTokens > room) {
    throw new FaroError(
      `This model's maximum context length is ${contextSize} tokens. However, you requested ${promptTokens + p.maxTokens} tokens ` +
        `(${promptTokens} in the ${param}, ${p.maxTokens} in the completion). Please reduce the length of the ${param} or ${p.maxTokensParam}.`,
      { status: 400, type: "invalid_request_error", code: "context_length_exceeded", param: p.maxTokensParam },
    );
  }
  return p.maxTokens ?? room;
}
