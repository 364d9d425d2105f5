/**
 * OpenAI's response objects built from provider events, field for field as the API sends
 * them: chat.completion / chat.completion.chunk, text_completion (legacy), and embeddings.
 */
import type { ChatCompletion, ChatCompletionChunk } from "openai/resources/chat/completions";
import type { Completion, CompletionChoice } from "openai/resources/completions";
import type { ChatEvent, ToolCall, Usage } from "../providers/types";
import type { TokenLogprob } from "../engine/types";

export type ApiFinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

interface ChoiceState {
  text: string;
  reasoning: string;
  refusal: string;
  toolCalls: ToolCall[];
  finishReason: ApiFinishReason | null;
  /** Set once a text piece came with log probabilities (the request asked for them). */
  logprobs: TokenLogprob[] | null;
}

/** Collects events into choices for a non-streaming answer. */
export class ChoiceCollector {
  private readonly choices: ChoiceState[] = [];

  add(e: Exclude<ChatEvent, { type: "usage" }>): void {
    const c = (this.choices[e.index] ??= { text: "", reasoning: "", refusal: "", toolCalls: [], finishReason: null, logprobs: null });
    if (e.type === "text") {
      c.text += e.text;
      if (e.logprobs) (c.logprobs ??= []).push(...e.logprobs);
    }
    else if (e.type === "reasoning") c.reasoning += e.text;
    else if (e.type === "refusal") c.refusal += e.text;
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
        content: (c.toolCalls.length || c.refusal) && !c.text ? null : c.text,
        refusal: c.refusal || null,
        ...(c.reasoning ? { reasoning_content: c.reasoning } : {}),
        ...(c.toolCalls.length ? { tool_calls: c.toolCalls.map(toolCallObject) } : {}),
      },
      logprobs: c.logprobs ? chatLogprobs(c.logprobs) : null,
      finish_reason: c.finishReason ?? "stop",
    }));
    return { id: meta.id, object: "chat.completion", created: meta.created, model: meta.model, choices, usage };
  }

  textCompletion(meta: CompletionMeta, usage: Usage): Completion {
    const choices = this.choices.map((c, index) => ({
      index,
      text: c.text,
      logprobs: c.logprobs ? completionLogprobs(c.logprobs) : null,
      finish_reason: (c.finishReason ?? "stop") as "stop" | "length" | "content_filter",
    }));
    return { id: meta.id, object: "text_completion", created: meta.created, model: meta.model, choices, usage };
  }
}

/** Chat's `choices[].logprobs`: the content tokens, each with its top alternatives. */
export function chatLogprobs(tokens: readonly TokenLogprob[]): ChatCompletion.Choice.Logprobs {
  return { content: tokens.map(({ token, logprob, bytes, top_logprobs }) => ({ token, logprob, bytes, top_logprobs })), refusal: null };
}

/** Legacy completions' `choices[].logprobs`: parallel arrays, alternatives as token -> logprob maps. */
export function completionLogprobs(tokens: readonly TokenLogprob[]): CompletionChoice.Logprobs {
  return {
    tokens: tokens.map((t) => t.token),
    token_logprobs: tokens.map((t) => t.logprob),
    top_logprobs: tokens.map((t) => Object.fromEntries(t.top_logprobs.map((a) => [a.token, a.logprob]))),
    text_offset: tokens.map((t) => t.text_offset ?? 0),
  };
}

type Piece = Exclude<ChatEvent, { type: "usage" | "choice_end" }>;

/** The logprobs a streamed chat piece carries (its own tokens'); null for pieces without. */
export const chatPieceLogprobs = (e: Piece) => (e.type === "text" && e.logprobs ? chatLogprobs(e.logprobs) : null);

/** The same for a legacy completion chunk. */
export const textPieceLogprobs = (e: Piece) => (e.type === "text" && e.logprobs ? completionLogprobs(e.logprobs) : null);

const toolCallObject = (c: ToolCall) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } });

type Delta = ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };

export function chatChunk(
  meta: CompletionMeta,
  index: number,
  delta: Delta,
  finishReason: ApiFinishReason | null,
  includeUsage: boolean,
  logprobs: ChatCompletion.Choice.Logprobs | null = null,
): ChatCompletionChunk {
  return {
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    choices: [{ index, delta, logprobs, finish_reason: finishReason }],
    // With stream_options.include_usage every chunk carries `usage: null` until the last one.
    ...(includeUsage ? { usage: null } : {}),
  };
}

/** The delta for one event of a chat stream. */
export function chatDelta(e: Exclude<ChatEvent, { type: "usage" | "choice_end" }>): Delta {
  if (e.type === "text") return { content: e.text };
  if (e.type === "reasoning") return { reasoning_content: e.text };
  if (e.type === "refusal") return { refusal: e.text };
  if (e.type === "tool_call_delta") {
    const fn = e.name ? { name: e.name, arguments: e.arguments } : { arguments: e.arguments };
    return { tool_calls: [{ index: e.callIndex, ...(e.id ? { id: e.id, type: "function" as const } : {}), function: fn }] };
  }
  return { tool_calls: e.calls.map((c, i) => ({ index: i, ...toolCallObject(c) })) };
}

export function textChunk(
  meta: CompletionMeta,
  index: number,
  text: string,
  finishReason: ApiFinishReason | null,
  includeUsage: boolean,
  logprobs: CompletionChoice.Logprobs | null = null,
) {
  return {
    id: meta.id,
    object: "text_completion" as const,
    created: meta.created,
    model: meta.model,
    choices: [{ index, text, logprobs, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  };
}

export function usageChunk(meta: CompletionMeta, object: "chat.completion.chunk" | "text_completion", usage: Usage) {
  return { id: meta.id, object, created: meta.created, model: meta.model, choices: [], usage };
}
