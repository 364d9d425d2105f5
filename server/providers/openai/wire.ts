/**
 * OpenAI wire format <-> ChatEvents. Requests go out as the client sent them (minus Faro's own
 * fields, with the target's model); answers and SSE chunks come back as events.
 */
import type { ChatCompletionRequest, CompletionRequest } from "../../gateway/schema";
import type { ChatEvent, FinishReason, TokenLogprob, Usage } from "../types";

export function requestBody(req: ChatCompletionRequest | CompletionRequest, model: string, stream: boolean): string {
  // Faro's own fields (priority, keep_alive) stay here. Left out by destructuring, not `delete`,
  // which would turn the body into a slow dictionary object on every request; the literal starts
  // with model and stream, not with the spread (server/objects.ts: a new hidden class per body).
  const { priority: _priority, keep_alive: _keepAlive, stream_options: options, model: _model, stream: _stream, ...rest } = req;
  // Ask for usage on streams so the log and cost are right; the client sees it only if it asked.
  const body = stream ? { model, stream, ...rest, stream_options: { ...options, include_usage: true } } : { model, stream, ...rest };
  return JSON.stringify(body);
}

interface WireToolCall {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}
interface WireChoice {
  index?: number;
  /** Legacy completions: the choice's text (whole, or this chunk's). */
  text?: string | null;
  message?: { content?: string | null; reasoning_content?: string | null; refusal?: string | null; tool_calls?: WireToolCall[] };
  delta?: { content?: string | null; reasoning_content?: string | null; refusal?: string | null; tool_calls?: WireToolCall[] };
  finish_reason?: string | null;
  /**
   * Present when the request asked for logprobs: the content tokens (chunks carry their own); a
   * legacy completion's are parallel arrays instead.
   */
  logprobs?: ({ content?: TokenLogprob[] | null } & WireLegacyLogprobs) | null;
}
interface WireLegacyLogprobs {
  tokens?: string[];
  token_logprobs?: Array<number | null>;
  top_logprobs?: Array<Record<string, number> | null> | null;
  text_offset?: number[];
}

export interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
}
export interface WireCompletion {
  choices?: WireChoice[];
  usage?: WireUsage | null;
  error?: { message?: string; type?: string; code?: string | null; param?: string | null };
}

export function finishReason(raw: string | null | undefined): FinishReason {
  if (raw === "length") return "length";
  if (raw === "tool_calls" || raw === "function_call") return "tool_calls";
  // OpenAI and Azure cut a filtered answer short: the client must not take it for a whole one.
  if (raw === "content_filter") return "content_filter";
  return "stop";
}

export function usageOf(u: WireUsage | null | undefined): Usage {
  const prompt = u?.prompt_tokens ?? 0;
  const completion = u?.completion_tokens ?? 0;
  const cached = u?.prompt_tokens_details?.cached_tokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: u?.total_tokens ?? prompt + completion,
    ...(typeof cached === "number" ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
  };
}

/** A whole chat.completion as events. */
export function* completionEvents(body: WireCompletion): Generator<ChatEvent> {
  for (const [i, c] of (body.choices ?? []).entries()) {
    const index = c.index ?? i;
    const m = c.message ?? {};
    if (m.reasoning_content) yield { type: "reasoning", index, text: m.reasoning_content };
    if (m.content) yield text(index, m.content, c.logprobs);
    if (m.refusal) yield { type: "refusal", index, text: m.refusal };
    if (m.tool_calls?.length) {
      const calls = m.tool_calls.map((t) => ({ id: t.id ?? "", name: t.function?.name ?? "", arguments: t.function?.arguments ?? "" }));
      yield { type: "tool_calls", index, calls };
    }
    yield { type: "choice_end", index, finishReason: finishReason(c.finish_reason) };
  }
  yield body.usage ? { type: "usage", usage: usageOf(body.usage) } : { type: "usage", usage: usageOf(null), unreported: true };
}

function text(index: number, content: string, logprobs: WireChoice["logprobs"]): ChatEvent {
  const tokens = logprobs?.content ?? legacyTokens(logprobs);
  return tokens?.length ? { type: "text", index, text: content, logprobs: tokens } : { type: "text", index, text: content };
}

/** One chat.completion.chunk as events (usage is reported by the caller once, at the end). */
export function* chunkEvents(chunk: WireCompletion): Generator<ChatEvent> {
  for (const [i, c] of (chunk.choices ?? []).entries()) {
    const index = c.index ?? i;
    const d = c.delta ?? {};
    if (d.reasoning_content) yield { type: "reasoning", index, text: d.reasoning_content };
    if (d.content) yield text(index, d.content, c.logprobs);
    if (d.refusal) yield { type: "refusal", index, text: d.refusal };
    for (const [k, t] of (d.tool_calls ?? []).entries()) {
      yield { type: "tool_call_delta", index, callIndex: t.index ?? k, id: t.id, name: t.function?.name, arguments: t.function?.arguments ?? "" };
    }
    if (c.finish_reason) yield { type: "choice_end", index, finishReason: finishReason(c.finish_reason) };
  }
}

/** A whole legacy text_completion as events. */
export function* textCompletionEvents(body: WireCompletion): Generator<ChatEvent> {
  for (const [i, c] of (body.choices ?? []).entries()) {
    const index = c.index ?? i;
    if (c.text) yield text(index, c.text, c.logprobs);
    yield { type: "choice_end", index, finishReason: finishReason(c.finish_reason) };
  }
  yield body.usage ? { type: "usage", usage: usageOf(body.usage) } : { type: "usage", usage: usageOf(null), unreported: true };
}

/** One legacy text_completion chunk as events. */
export function* textChunkEvents(chunk: WireCompletion): Generator<ChatEvent> {
  for (const [i, c] of (chunk.choices ?? []).entries()) {
    const index = c.index ?? i;
    if (c.text) yield text(index, c.text, c.logprobs);
    if (c.finish_reason) yield { type: "choice_end", index, finishReason: finishReason(c.finish_reason) };
  }
}

/** Legacy logprobs (parallel arrays, alternatives as token -> logprob maps) as chat's tokens. */
function legacyTokens(l: WireLegacyLogprobs | null | undefined): TokenLogprob[] | undefined {
  if (!l?.tokens?.length) return undefined;
  const bytes = (t: string) => [...Buffer.from(t, "utf8")];
  return l.tokens.map((token, i) => ({
    token,
    logprob: l.token_logprobs?.[i] ?? 0,
    bytes: bytes(token),
    top_logprobs: Object.entries(l.top_logprobs?.[i] ?? {}).map(([t, logprob]) => ({ token: t, logprob, bytes: bytes(t) })),
    ...(l.text_offset?.[i] !== undefined ? { text_offset: l.text_offset[i] } : {}),
  }));
}
