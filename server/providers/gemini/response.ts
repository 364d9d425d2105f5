/**
 * Gemini answers -> ChatEvents: a whole GenerateContentResponse or the chunks of a stream.
 * A blocked prompt (promptFeedback.blockReason) or answer (finishReason SAFETY, RECITATION,
 * BLOCKLIST, PROHIBITED_CONTENT, ...) is a 400 `content_filtered` error that names the reason
 * and the harm categories Gemini flagged; Google's RetryInfo becomes retryAfterMs.
 */
import type { ChatEvent, FinishReason, ToolCall, Usage } from "../types";
import type { UpstreamResponse } from "../httpClient";
import { UpstreamError, retryAfterMs } from "../upstream";
import { toolCallId } from "./request";

export interface SafetyRating {
  category?: string;
  probability?: string;
  blocked?: boolean;
}

export interface WirePart {
  text?: string;
  thought?: boolean;
  functionCall?: { id?: string; name: string; args?: Record<string, unknown> };
  thoughtSignature?: string;
}

export interface WireCandidate {
  content?: { parts?: WirePart[] };
  finishReason?: string;
  finishMessage?: string;
  index?: number;
  safetyRatings?: SafetyRating[];
}

export interface WireUsage {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
  /** Part of promptTokenCount served from the context cache. */
  cachedContentTokenCount?: number;
}

export interface WireError {
  code?: number;
  message?: string;
  status?: string;
  details?: Array<{ "@type"?: string; retryDelay?: string }>;
}

export interface WireResponse {
  candidates?: WireCandidate[];
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string; safetyRatings?: SafetyRating[] };
  usageMetadata?: WireUsage;
  error?: WireError;
}

/** Makes the id of the callIndex-th tool call of answer `index` when Gemini sends none. */
export type CallIds = (index: number, callIndex: number) => string;

const BLOCKED = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION"]);
const BROKEN_CALL = new Set(["MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS"]);

/** An HTTP error answer as the provider's UpstreamError, with its status and reason phrase. */
export function errorOf(provider: string, res: Pick<UpstreamResponse, "status" | "statusText" | "headers">, text: string): UpstreamError {
  const { status, statusText, headers } = res;
  let error: WireError | undefined;
  try {
    const body = JSON.parse(text) as WireResponse | WireResponse[];
    error = (Array.isArray(body) ? body[0] : body)?.error;
  } catch {
    // Not JSON (a proxy's HTML page, say): the raw text is the detail.
  }
  const wait = retryAfterMs(headers) ?? retryDelayMs(error);
  return new UpstreamError({ provider, status, statusText, answered: true, detail: error?.message ?? text.slice(0, 500), code: error?.status?.toLowerCase() ?? null, retryAfterMs: wait });
}

/** google.rpc.RetryInfo's retryDelay ("1.5s") in milliseconds. */
function retryDelayMs(error: WireError | undefined): number | null {
  const delay = error?.details?.find((d) => d["@type"]?.endsWith("google.rpc.RetryInfo"))?.retryDelay;
  const seconds = delay ? Number(delay.replace(/s$/, "")) : NaN;
  return Number.isFinite(seconds) ? Math.round(seconds * 1000) : null;
}

function flagged(ratings: SafetyRating[] | undefined): string {
  const list = ratings ?? [];
  const hits = list.filter((r) => r.blocked).length ? list.filter((r) => r.blocked) : list.filter((r) => r.probability === "HIGH");
  const names = hits.map((r) => r.category).filter((c): c is string => Boolean(c));
  return names.length ? `: ${names.join(", ")}` : "";
}

/** Throws when Gemini refused the prompt, or errored inside a stream. */
export function checkResponse(provider: string, r: WireResponse): void {
  if (r.error) {
    const status = r.error.code && r.error.code >= 400 ? r.error.code : 502;
    throw new UpstreamError({ provider, status, detail: `${r.error.message ?? "error"} (in the stream)`, code: r.error.status?.toLowerCase() ?? "upstream_stream_error" });
  }
  const block = r.promptFeedback?.blockReason;
  if (block) {
    const why = r.promptFeedback?.blockReasonMessage ? ` ${r.promptFeedback.blockReasonMessage}` : "";
    throw new UpstreamError({ provider, status: 400, detail: `Gemini blocked the prompt (blockReason ${block}${flagged(r.promptFeedback?.safetyRatings)}).${why}`, code: "content_filtered" });
  }
}

/** The finish reason of a candidate that ended, or the error it ended with. */
function finishOf(provider: string, c: WireCandidate, madeCalls: boolean): FinishReason {
  const reason = c.finishReason ?? "STOP";
  const why = c.finishMessage ? ` ${c.finishMessage}` : "";
  if (BLOCKED.has(reason)) {
    throw new UpstreamError({ provider, status: 400, detail: `Gemini blocked the answer (finishReason ${reason}${flagged(c.safetyRatings)}).${why}`, code: "content_filtered" });
  }
  if (BROKEN_CALL.has(reason)) throw new UpstreamError({ provider, status: 502, detail: `Gemini stopped with ${reason}.${why}`, code: reason.toLowerCase() });
  if (reason === "MAX_TOKENS") return "length";
  return madeCalls ? "tool_calls" : "stop";
}

export function usageOf(u: WireUsage | undefined): Usage {
  const prompt = (u?.promptTokenCount ?? 0) + (u?.toolUsePromptTokenCount ?? 0);
  const completion = (u?.candidatesTokenCount ?? 0) + (u?.thoughtsTokenCount ?? 0);
  const cached = u?.cachedContentTokenCount;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, ...(cached !== undefined ? { prompt_tokens_details: { cached_tokens: cached } } : {}) };
}

const callOf = (p: WirePart & { functionCall: NonNullable<WirePart["functionCall"]> }, id: string): ToolCall => ({
  id: toolCallId(p.functionCall.id ?? id, p.thoughtSignature),
  name: p.functionCall.name,
  arguments: JSON.stringify(p.functionCall.args ?? {}),
});

const hasCall = (p: WirePart): p is WirePart & { functionCall: NonNullable<WirePart["functionCall"]> } => p.functionCall !== undefined;

/** A whole answer as events. Every candidate is checked first, so a block throws before any text. */
export function* responseEvents(provider: string, r: WireResponse, ids: CallIds): Generator<ChatEvent> {
  checkResponse(provider, r);
  const candidates = r.candidates ?? [];
  if (candidates.length === 0) throw new UpstreamError({ provider, status: 502, detail: "the answer has no candidates", code: "upstream_bad_response" });
  const ends = candidates.map((c) => finishOf(provider, c, (c.content?.parts ?? []).some(hasCall)));
  for (const [i, c] of candidates.entries()) {
    const index = c.index ?? i;
    const parts = c.content?.parts ?? [];
    for (const p of parts) {
      if (p.text && p.thought) yield { type: "reasoning", index, text: p.text };
      else if (p.text) yield { type: "text", index, text: p.text };
    }
    const calls = parts.filter(hasCall).map((p, k) => callOf(p, ids(index, k)));
    if (calls.length) yield { type: "tool_calls", index, calls };
    yield { type: "choice_end", index, finishReason: ends[i]! };
  }
  yield { type: "usage", usage: usageOf(r.usageMetadata) };
}

/** Follows one stream: feed each chunk to `on`; usage is the last chunk's usageMetadata. */
export class GenerateStream {
  private usage: WireUsage | undefined;
  private readonly calls = new Map<number, number>();
  private readonly ended = new Set<number>();

  /** `answers`: how many candidates were asked for (OpenAI's n). */
  constructor(private readonly provider: string, private readonly ids: CallIds, private readonly answers = 1) {}

  /** Every answer has its finishReason. */
  get done(): boolean {
    return this.ended.size >= this.answers;
  }

  *on(r: WireResponse): Generator<ChatEvent> {
    checkResponse(this.provider, r);
    if (r.usageMetadata) this.usage = r.usageMetadata;
    for (const [i, c] of (r.candidates ?? []).entries()) {
      const index = c.index ?? i;
      for (const p of c.content?.parts ?? []) {
        if (hasCall(p)) {
          const callIndex = this.calls.get(index) ?? 0;
          this.calls.set(index, callIndex + 1);
          const call = callOf(p, this.ids(index, callIndex));
          yield { type: "tool_call_delta", index, callIndex, id: call.id, name: call.name, arguments: call.arguments };
        } else if (p.text) yield { type: p.thought ? "reasoning" : "text", index, text: p.text };
      }
      if (c.finishReason) {
        this.ended.add(index);
        yield { type: "choice_end", index, finishReason: finishOf(this.provider, c, this.calls.has(index)) };
      }
    }
  }

  usageEvent(): ChatEvent {
    return this.usage ? { type: "usage", usage: usageOf(this.usage) } : { type: "usage", usage: usageOf(undefined), unreported: true };
  }
}
