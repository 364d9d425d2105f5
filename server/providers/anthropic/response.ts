/**
 * Anthropic answers -> ChatEvents: a whole Message, or the stream's events one at a time
 * (message_start, content_block_start/delta/stop, message_delta, message_stop, ping, error).
 * Usage counts cache reads and writes as prompt tokens (reads also as cached_tokens); a refusal is a content_filtered error.
 */
import type { ChatEvent, FinishReason, ToolCall, Usage } from "../types";
import type { UpstreamResponse } from "../httpClient";
import { UpstreamError, retryAfterMs } from "../upstream";

export interface WireUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export type WireBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string }
  | { type: "tool_use"; id: string; name: string; input?: unknown }
  | { type: "redacted_thinking" | "server_tool_use" | "web_search_tool_result" };

export interface WireMessage {
  content?: WireBlock[];
  stop_reason?: string | null;
  usage?: WireUsage;
}

export type WireDelta =
  | { type: "text_delta"; text: string }
  | { type: "input_json_delta"; partial_json: string }
  | { type: "thinking_delta"; thinking: string }
  | { type: "signature_delta" | "citations_delta" };

export type WireStreamEvent =
  | { type: "message_start"; message: WireMessage }
  | { type: "content_block_start"; index: number; content_block: WireBlock }
  | { type: "content_block_delta"; index: number; delta: WireDelta }
  | { type: "content_block_stop"; index: number }
  | { type: "message_delta"; delta: { stop_reason?: string | null }; usage?: WireUsage }
  | { type: "message_stop" }
  | { type: "ping" }
  | { type: "error"; error: WireError };

export interface WireError {
  type?: string;
  message?: string;
}

/** Anthropic's error types and the statuses they come with (a stream's error event has no status). */
const STATUS_OF_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** An HTTP error answer as the provider's UpstreamError, with its status and reason phrase. */
export function errorOf(provider: string, res: Pick<UpstreamResponse, "status" | "statusText" | "headers">, text: string): UpstreamError {
  const { status, statusText, headers } = res;
  let error: WireError | undefined;
  try {
    error = (JSON.parse(text) as { error?: WireError }).error;
  } catch {
    // Not JSON (a proxy's HTML page, say): the raw text is the detail.
  }
  return new UpstreamError({ provider, status, statusText, answered: true, detail: error?.message ?? text.slice(0, 500), code: error?.type ?? null, retryAfterMs: retryAfterMs(headers) });
}

export function streamErrorOf(provider: string, error: WireError): UpstreamError {
  const status = STATUS_OF_TYPE[error.type ?? ""] ?? 502;
  return new UpstreamError({ provider, status, detail: `${error.message ?? "error"} (in the stream)`, code: error.type ?? "upstream_stream_error" });
}

function finishReason(provider: string, stop: string | null | undefined): FinishReason {
  if (stop === "max_tokens" || stop === "model_context_window_exceeded") return "length";
  if (stop === "tool_use") return "tool_calls";
  if (stop === "refusal") {
    throw new UpstreamError({ provider, status: 400, detail: "Claude declined to answer (stop_reason 'refusal': its safety classifiers stopped the answer)", code: "content_filtered" });
  }
  return "stop";
}

function usageOf(u: WireUsage): Usage {
  const prompt = (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
  const completion = u.output_tokens ?? 0;
  const cached = u.cache_read_input_tokens;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, ...(cached ? { prompt_tokens_details: { cached_tokens: cached } } : {}) };
}

/** A whole Message as events (one answer: Anthropic has no `n`). */
export function* messageEvents(provider: string, message: WireMessage): Generator<ChatEvent> {
  const calls: ToolCall[] = [];
  for (const block of message.content ?? []) {
    if (block.type === "text") yield { type: "text", index: 0, text: block.text };
    else if (block.type === "thinking") yield { type: "reasoning", index: 0, text: block.thinking };
    else if (block.type === "tool_use") calls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
  }
  if (calls.length) yield { type: "tool_calls", index: 0, calls };
  yield { type: "choice_end", index: 0, finishReason: finishReason(provider, message.stop_reason) };
  yield { type: "usage", usage: usageOf(message.usage ?? {}) };
}

/** Follows one stream: feed each event to `on`; `usage` is complete once `done`. */
export class MessageStream {
  done = false;
  private readonly usage: WireUsage = {};
  /** Content block index -> the tool call it streams. */
  private readonly toolBlocks = new Map<number, number>();
  /** Tool blocks that have streamed some of their input's JSON. */
  private readonly withInput = new Set<number>();

  constructor(private readonly provider: string) {}

  *on(e: WireStreamEvent): Generator<ChatEvent> {
    switch (e.type) {
      case "message_start":
        Object.assign(this.usage, e.message.usage);
        return;
      case "content_block_start": {
        const b = e.content_block;
        if (b.type === "tool_use") {
          const callIndex = this.toolBlocks.size;
          this.toolBlocks.set(e.index, callIndex);
          yield { type: "tool_call_delta", index: 0, callIndex, id: b.id, name: b.name, arguments: "" };
        } else if (b.type === "text" && b.text) yield { type: "text", index: 0, text: b.text };
        return;
      }
      case "content_block_delta": {
        const d = e.delta;
        if (d.type === "text_delta") yield { type: "text", index: 0, text: d.text };
        else if (d.type === "thinking_delta") yield { type: "reasoning", index: 0, text: d.thinking };
        else if (d.type === "input_json_delta") {
          const callIndex = this.toolBlocks.get(e.index);
          if (callIndex !== undefined && d.partial_json) {
            this.withInput.add(e.index);
            yield { type: "tool_call_delta", index: 0, callIndex, arguments: d.partial_json };
          }
        }
        return;
      }
      case "content_block_stop": {
        // Claude streams a call without arguments as one empty input_json_delta: its input is {}, and
        // the arguments say so, as OpenAI's (and this call's non-streamed answer) do, rather than "".
        const callIndex = this.toolBlocks.get(e.index);
        if (callIndex !== undefined && !this.withInput.has(e.index)) yield { type: "tool_call_delta", index: 0, callIndex, arguments: "{}" };
        return;
      }
      case "message_delta":
        // message_delta's counts are cumulative: they replace message_start's.
        for (const [k, v] of Object.entries(e.usage ?? {})) if (v != null) Object.assign(this.usage, { [k]: v });
        yield { type: "choice_end", index: 0, finishReason: finishReason(this.provider, e.delta.stop_reason) };
        return;
      case "message_stop":
        this.done = true;
        return;
      case "error":
        throw streamErrorOf(this.provider, e.error);
      default:
        return; // ping, and event types added later
    }
  }

  usageEvent(): ChatEvent {
    return { type: "usage", usage: usageOf(this.usage) };
  }
}
