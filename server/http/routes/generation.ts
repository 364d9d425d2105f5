/**
 * Answers a generation (chat or legacy completion) from provider events: one JSON object, or
 * an SSE stream written as events arrive. The first event is awaited before any header goes
 * out, so errors found before the first token (bad parameters, queue full, context too long,
 * load failure) still get their proper status.
 */
import type { Usage } from "../../providers/types";
import type { ChatEvent } from "../../providers/types";
import { ChoiceCollector, type ApiFinishReason, type CompletionMeta } from "../../gateway/openaiShape";
import { clientGone } from "../clientGone";
import { merged } from "../../objects";
import { sendJson } from "../respond";
import type { HttpContext } from "../router";
import { SSE_DONE, startSse } from "../sse";
import { formatCost } from "../../gateway/pricing/cost";
import { requestCost } from "../../gateway/requestRecord";

type Piece = Extract<ChatEvent, { type: "text" | "reasoning" | "refusal" | "tool_calls" | "tool_call_delta" }>;

/** How one API shapes its objects (chat.completion vs text_completion). */
export interface Shape {
  whole(collector: ChoiceCollector, meta: CompletionMeta, usage: Usage): unknown;
  /** The chunk that opens a choice in a stream (chat sends the role), if any. */
  open(meta: CompletionMeta, index: number, includeUsage: boolean): unknown | null;
  piece(meta: CompletionMeta, e: Piece, includeUsage: boolean): unknown;
  close(meta: CompletionMeta, index: number, finishReason: ApiFinishReason, includeUsage: boolean): unknown;
  usage(meta: CompletionMeta, usage: Usage): unknown;
}

export interface Answer {
  ctx: HttpContext;
  meta: CompletionMeta;
  events: AsyncIterable<ChatEvent>;
  stream: boolean;
  includeUsage: boolean;
  shape: Shape;
  /** Routing headers (x-faro-provider, retries, fallback index). */
  headers: Record<string, string>;
}

export async function answer({ ctx, meta, events, stream, includeUsage, shape, headers }: Answer): Promise<void> {
  const it = events[Symbol.asyncIterator]();
  // The gateway stamps when it first called a provider; the time since is the provider's.
  const providerStart = ctx.record.upstreamStartedAt ?? performance.now();
  const first = await it.next();
  if (!stream) return whole(ctx, meta, first, it, providerStart, shape, headers);

  const sse = (ctx.sse = startSse(ctx.res, merged(ctx.baseHeaders, headers, { "x-faro-overhead-ms": (providerStart - ctx.record.startedAt).toFixed(2) })));
  const write = (obj: unknown) => sse.send(obj);
  const opened = new Set<number>();
  const open = (index: number) => {
    if (opened.has(index)) return;
    opened.add(index);
    const chunk = shape.open(meta, index, includeUsage);
    if (chunk) write(chunk);
  };
  open(0);
  for (let r = first; !r.done; r = await it.next()) {
    const e = r.value;
    if (e.type === "usage") {
      if (includeUsage) write(shape.usage(meta, e.usage));
      continue;
    }
    open(e.index);
    if (e.type === "choice_end") {
      if (e.finishReason === "abort") return aborted(it);
      write(shape.close(meta, e.index, e.finishReason, includeUsage));
    } else write(shape.piece(meta, e, includeUsage));
  }
  // Headers left long ago: the cost rides in an SSE comment, which OpenAI clients skip. It goes
  // through the writer, after the events it still holds, so that it comes just before [DONE].
  const usd = requestCost(ctx.record);
  const cost = usd === null ? "" : `: x-faro-cost-usd ${formatCost(usd)}\n\n`;
  sse.end(cost + SSE_DONE);
}

async function whole(
  ctx: HttpContext,
  meta: CompletionMeta,
  first: IteratorResult<ChatEvent>,
  it: AsyncIterator<ChatEvent>,
  providerStart: number,
  shape: Shape,
  headers: Record<string, string>,
): Promise<void> {
  const collector = new ChoiceCollector();
  let usage: Usage | null = null;
  for (let r = first; !r.done; r = await it.next()) {
    const e = r.value;
    if (e.type === "usage") usage = e.usage;
    else if (e.type === "choice_end" && e.finishReason === "abort") return aborted(it);
    else collector.add(e);
  }
  if (!usage) throw new Error("provider stream ended without usage");
  const providerMs = performance.now() - providerStart;
  const overhead = (performance.now() - ctx.record.startedAt - providerMs).toFixed(2);
  const usd = requestCost(ctx.record);
  const added: Record<string, string> = usd === null ? { "x-faro-overhead-ms": overhead } : { "x-faro-cost-usd": formatCost(usd), "x-faro-overhead-ms": overhead };
  sendJson(ctx.res, 200, shape.whole(collector, meta, usage), merged(ctx.baseHeaders, headers, added));
}

/** Reads what is left (the usage, for the log) and reports the disconnect. */
async function aborted(it: AsyncIterator<ChatEvent>): Promise<never> {
  while (!(await it.next()).done);
  throw clientGone();
}
