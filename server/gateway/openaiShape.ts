/**
 * Builds OpenAI's response objects (chat.completion and chat.completion.chunk) from provider
 * events, field for field as the official API sends them.
 */
import type { ChatCompletion, ChatCompletionChunk } from "openai/resources/chat/completions";
import type { Usage } from "../providers/types";

export type FinishReason = "stop" | "length";

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export function completionObject(meta: CompletionMeta, text: string, finishReason: FinishReason, usage: Usage): ChatCompletion {
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: text, refusal: null },
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
    usage,
  };
}

type ChunkDelta = ChatCompletionChunk.Choice.Delta;

export function chunkObject(
  meta: CompletionMeta,
  delta: ChunkDelta,
  finishReason: FinishReason | null,
  includeUsage: boolean,
): ChatCompletionChunk {
  return {
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    // With stream_options.include_usage every chunk carries `usage: null` until the last one.
    ...(includeUsage ? { usage: null } : {}),
  };
}

export function usageChunk(meta: CompletionMeta, usage: Usage): ChatCompletionChunk {
  return { id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, choices: [], usage };
}
