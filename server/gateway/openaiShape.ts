/**
 * OpenAI's response objects built from provider events, field for field as the API sends
 * them: chat.completion / chat.completion.chunk, text_completion (legacy), and embeddings.
 */
import type { ChatCompletion, ChatCompletionChunk } from "openai/resources/chat/completions";
import type { Completion } from "openai/resources/completions";
import type { ChatEvent, ToolCall, Usage } from "../providers/types";

export type ApiFinishReason = "stop" | "length" | "tool_calls";

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

interface ChoiceState {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  finishReason: ApiFinishReason | null;
}

/** Collects events into choices for a non-streaming answer. */
export class ChoiceCollector {
  private readonly choices: ChoiceState[] = [];

  add(e: Exclude<ChatEvent, { type: "usage" }>): void {
    const c = (this.choices[e.index] ??= { text: "", reasoning: "", toolCalls: [], finishReason: null });
    if (e.type === "text") c.text += e.text;
    else if (e.type === "reasoning") c.reasoning += e.text;
    else if (e.type === "tool_calls") c.toolCalls.push(...e.calls);
    else if (e.type === "tool_call_delta") {
      const call = (c.toolCalls[e.callIndex] ??= { id: "", name: "", arguments: "" });
      if (e.id) call.id = e.id;
      if (e.name) call.name += e.name;
      call.arguments += e.arguments;
    } else if (e.finishReason !== "abort") c.finishReason = e.finishReason;
  }

  chatCompletion(meta: CompletionMeta, usage: Usage): ChatCompletion {
    const choices = this.choices.map((c, index) => ({
      index,
      message: {
        role: "assistant" as const,
        content: c.toolCalls.length && !c.text ? null : c.text,
        refusal: null,
        ...(c.reasoning ? { reasoning_content: c.reasoning } : {}),
        ...(c.toolCalls.length ? { tool_calls: c.toolCalls.map(toolCallObject) } : {}),
      },
      logprobs: null,
      finish_reason: c.finishReason ?? "stop",
    }));
    return { id: meta.id, object: "chat.completion", created: meta.created, model: meta.model, choices, usage };
  }

  textCompletion(meta: CompletionMeta, usage: Usage): Completion {
    const choices = this.choices.map((c, index) => ({ index, text: c.text, logprobs: null, finish_reason: (c.finishReason ?? "stop") as "stop" | "length" }));
    return { id: meta.id, object: "text_completion", created: meta.created, model: meta.model, choices, usage };
  }
}

const toolCallObject = (c: ToolCall) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } });

type Delta = ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };

export function chatChunk(meta: CompletionMeta, index: number, delta: Delta, finishReason: ApiFinishReason | null, includeUsage: boolean): ChatCompletionChunk {
  return {
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    choices: [{ index, delta, logprobs: null, finish_reason: finishReason }],
    // With stream_options.include_usage every chunk carries `usage: null` until the last one.
    ...(includeUsage ? { usage: null } : {}),
  };
}

/** The delta for one event of a chat stream. */
export function chatDelta(e: Exclude<ChatEvent, { type: "usage" | "choice_end" }>): Delta {
  if (e.type === "text") return { content: e.text };
  if (e.type === "reasoning") return { reasoning_content: e.text };
  if (e.type === "tool_call_delta") {
    const fn = { ...(e.name ? { name: e.name } : {}), arguments: e.arguments };
    return { tool_calls: [{ index: e.callIndex, ...(e.id ? { id: e.id, type: "function" as const } : {}), function: fn }] };
  }
  return { tool_calls: e.calls.map((c, i) => ({ index: i, ...toolCallObject(c) })) };
}

export function textChunk(meta: CompletionMeta, index: number, text: string, finishReason: ApiFinishReason | null, includeUsage: boolean) {
  return {
    id: meta.id,
    object: "text_completion" as const,
    created: meta.created,
    model: meta.model,
    choices: [{ index, text, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  };
}

export function usageChunk(meta: CompletionMeta, object: "chat.completion.chunk" | "text_completion", usage: Usage) {
  return { id: meta.id, object, created: meta.created, model: meta.model, choices: [], usage };
}
