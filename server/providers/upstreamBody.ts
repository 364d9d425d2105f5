/**
 * Reading a remote provider's answer: the whole body as JSON, or SSE events whose data is JSON.
 * Every failure becomes an UpstreamError naming the provider: the request's deadline (408; send()
 * aborts the exchange, which errors the body), a connection cut mid-answer (502), data that is
 * not JSON or not in the family's wire format (502). A request cancelled by its client rethrows
 * as it is.
 */
import { FaroError, messageOf } from "../errors";
import { send, timeoutError, type UpstreamBody, type UpstreamResponse } from "./httpClient";
import { SseParser } from "./sseParser";
import type { ChatEvent, RequestContext } from "./types";
import { UpstreamError, type Target } from "./upstream";

/** One call to a provider: who answers, and the deadline it runs under. */
export interface Exchange {
  provider: string;
  signal: AbortSignal;
  timeoutMs: number | null;
  /** When the request was sent (Date.now()). */
  startedAt: number;
}

export const exchange = (target: Target, ctx: RequestContext): Exchange => ({
  provider: target.provider,
  signal: ctx.signal,
  timeoutMs: target.timeoutMs,
  startedAt: Date.now(),
});

export async function readText(res: UpstreamBody, x: Exchange): Promise<string> {
  try {
    return await res.text();
  } catch (err) {
    throw bodyFailure(err, x);
  }
}

/**
 * A GET whose answer is JSON (a provider's model list): a status of 400 or more becomes the
 * family's own error, built by `errorOf` from the response and its text.
 */
export async function getJson<T extends object>(
  target: Target,
  ctx: RequestContext,
  url: string,
  headers: Record<string, string>,
  errorOf: (res: UpstreamResponse, text: string) => Error,
): Promise<T> {
  const x = exchange(target, ctx);
  const res = await send({ provider: target.provider, url, method: "GET", headers, signal: ctx.signal, timeoutMs: target.timeoutMs });
  const text = await readText(res.body, x);
  if (res.status >= 400) throw errorOf(res, text);
  return parseJson<T>(text, x);
}

/** A provider's JSON answer or event, which is always an object: anything else is a 502 naming it. */
export function parseJson<T extends object>(text: string, x: Exchange): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UpstreamError({ provider: x.provider, status: 502, detail: `sent something that is not JSON: ${text.slice(0, 120)}`, code: "upstream_bad_response" });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UpstreamError({ provider: x.provider, status: 502, detail: `sent JSON that is not an object: ${text.slice(0, 120)}`, code: "upstream_bad_response" });
  }
  return value as T;
}

/**
 * The events a family's translator reads from one provider answer or stream event, read whole.
 * Translators take the provider's wire format on trust: one that trips over a value of the wrong
 * type (a TypeError on a missing or mistyped field) means the provider sent something malformed,
 * which is its 502, with the translator's error as the cause in Faro's log.
 */
export function readAnswer<A>(translate: (answer: A) => Iterable<ChatEvent>, answer: A, x: Exchange): ChatEvent[] {
  let events: ChatEvent[];
  try {
    events = Array.from(translate(answer));
  } catch (err) {
    if (err instanceof FaroError) throw err;
    throw new UpstreamError({ provider: x.provider, status: 502, detail: `sent an answer Faro could not read (${messageOf(err)})`, code: "upstream_bad_response", cause: err });
  }
  // What a translator copied through unread (a text, a tool's name, a count) must have its type.
  for (const e of events) {
    const bad = malformedField(e);
    if (bad) throw new UpstreamError({ provider: x.provider, status: 502, detail: `sent an answer whose ${bad} is missing or of the wrong type`, code: "upstream_bad_response" });
  }
  return events;
}

/** OpenAI's limit on `n`: a choice index past it is not one any provider sends. */
const MAX_CHOICES = 128;
const isIndex = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) < MAX_CHOICES;
const isCount = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;
/** A tool call delta's id and name come with its first piece only; some servers send null after. */
const isOptionalText = (v: unknown): boolean => v === undefined || v === null || typeof v === "string";

/** The first field of an event that does not have its type, named as the provider would see it; null if none. */
function malformedField(e: ChatEvent): string | null {
  if (e.type === "usage") {
    const u = e.usage;
    if (!isCount(u.prompt_tokens) || !isCount(u.completion_tokens) || !isCount(u.total_tokens)) return "token counts";
    return u.prompt_tokens_details === undefined || isCount(u.prompt_tokens_details.cached_tokens) ? null : "cached token count";
  }
  if (!isIndex(e.index)) return "choice index";
  switch (e.type) {
    case "text":
      return typeof e.text !== "string" ? "text" : e.logprobs !== undefined && !Array.isArray(e.logprobs) ? "logprobs" : null;
    case "reasoning":
    case "refusal":
      return typeof e.text === "string" ? null : e.type;
    case "tool_calls":
      return Array.isArray(e.calls) && e.calls.every((c) => typeof c.id === "string" && typeof c.name === "string" && typeof c.arguments === "string") ? null : "tool call";
    case "tool_call_delta":
      return isIndex(e.callIndex) && typeof e.arguments === "string" && isOptionalText(e.id) && isOptionalText(e.name) ? null : "tool call";
    case "choice_end":
      return typeof e.finishReason === "string" ? null : "finish reason";
  }
}

/**
 * The vectors of an embeddings answer, one per input, each a list of numbers; anything else (a
 * missing vector, a string where numbers belong) is the provider's bad answer, a 502, rather
 * than vectors paired with the wrong inputs.
 */
export function checkedVectors(vectors: readonly unknown[], inputs: number, x: Exchange): number[][] {
  const ok = vectors.length === inputs && vectors.every((v) => Array.isArray(v) && v.every((n) => typeof n === "number"));
  if (!ok) throw new UpstreamError({ provider: x.provider, status: 502, detail: `sent ${vectors.length} embeddings for ${inputs} inputs, or vectors that are not lists of numbers`, code: "upstream_bad_response" });
  return vectors as number[][];
}

/**
 * SSE events with their data parsed as JSON, in order; `[DONE]` markers are skipped. The body's
 * chunks are read in batches and parsed here, in one async step per batch rather than one per
 * layer per event: this is the streaming hot path (first token, and every chunk after it).
 */
export async function* sseJson<T extends object>(res: UpstreamBody, x: Exchange): AsyncIterable<{ event: string | null; data: T }> {
  const parser = new SseParser();
  try {
    for (;;) {
      let chunks: Buffer[] | null;
      try {
        chunks = await res.chunks();
      } catch (err) {
        throw bodyFailure(err, x);
      }
      if (chunks === null) {
        for (const m of parser.end()) if (m.data !== "[DONE]") yield { event: m.event, data: parseJson<T>(m.data, x) };
        return;
      }
      for (const chunk of chunks) for (const m of parser.feed(chunk)) if (m.data !== "[DONE]") yield { event: m.event, data: parseJson<T>(m.data, x) };
    }
  } finally {
    res.release();
  }
}

/** What a failure while reading the body means: the caller's cancel, the deadline, or a cut. */
export function bodyFailure(err: unknown, x: Exchange): unknown {
  if (err instanceof FaroError || x.signal.aborted) return err;
  // send()'s timer fires at the deadline (a loop tick may make it look a millisecond early).
  if (x.timeoutMs !== null && Date.now() - x.startedAt >= x.timeoutMs - 2) return timeoutError(x.provider, x.timeoutMs);
  const why = err instanceof Error ? err.message : String(err);
  return new UpstreamError({ provider: x.provider, status: 502, detail: `the connection broke off mid-answer (${why})`, code: "upstream_stream_cut", cause: err });
}

/** A stream that ended cleanly but before the provider's last event. */
export const endedEarly = (x: Exchange, expected: string) =>
  new UpstreamError({ provider: x.provider, status: 502, detail: `the stream ended before ${expected}`, code: "upstream_stream_cut" });
