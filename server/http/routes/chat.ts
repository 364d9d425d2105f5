/**
 * POST /v1/chat/completions: validates the body, runs it through the gateway and answers as
 * OpenAI does, either one `chat.completion` or an SSE stream of `chat.completion.chunk`s.
 */
import { badRequest } from "../../errors";
import type { Gateway } from "../../gateway/gateway";
import { chunkObject, completionObject, usageChunk, type CompletionMeta } from "../../gateway/openaiShape";
import { chatCompletionRequestSchema, parseBody } from "../../gateway/schema";
import type { ChatEvent } from "../../providers/types";
import { readJson } from "../body";
import { clientGone } from "../clientGone";
import { msSince, sendJson } from "../respond";
import type { HttpContext, Route } from "../router";
import { SSE_DONE, sseEvent, startSse } from "../sse";

export function chatRoutes(gateway: Gateway, bodyLimit: number): Route[] {
  return [
    {
      method: "POST",
      path: "/v1/chat/completions",
      idPrefix: "chatcmpl-",
      handler: async (ctx) => {
        const req = parseBody(chatCompletionRequestSchema, await readJson(ctx.req, bodyLimit));
        ctx.record.stream = req.stream === true;
        const { model, events } = await gateway.chat(req, ctx.record, {
          signal: ctx.signal,
          requestId: ctx.record.id,
          priority: priorityHeader(ctx.req.headers["x-faro-priority"]),
        });
        const meta: CompletionMeta = { id: ctx.record.id, created: Math.floor(ctx.record.createdAt / 1000), model: model.id };
        const it = events[Symbol.asyncIterator]();
        const providerStart = performance.now();
        // The first event is awaited before any header goes out, so errors found before the
        // first token (bad parameters, context too long, load failure) still get a proper status.
        const first = await it.next();
        if (req.stream) await stream(ctx, meta, first, it, providerStart, req.stream_options?.include_usage === true);
        else await complete(ctx, meta, first, it, providerStart);
      },
    },
  ];
}

async function complete(
  ctx: HttpContext,
  meta: CompletionMeta,
  first: IteratorResult<ChatEvent>,
  it: AsyncIterator<ChatEvent>,
  providerStart: number,
): Promise<void> {
  let text = "";
  for (let r = first; !r.done; r = await it.next()) {
    const e = r.value;
    if (e.type === "text") {
      text += e.text;
      continue;
    }
    if (e.finishReason === "abort") throw clientGone();
    const providerMs = performance.now() - providerStart;
    const overhead = (performance.now() - ctx.record.startedAt - providerMs).toFixed(2);
    sendJson(ctx.res, 200, completionObject(meta, text, e.finishReason, e.usage), {
      ...ctx.baseHeaders,
      "x-faro-overhead-ms": overhead,
    });
    return;
  }
  throw new Error("provider stream ended without a final event");
}

async function stream(
  ctx: HttpContext,
  meta: CompletionMeta,
  first: IteratorResult<ChatEvent>,
  it: AsyncIterator<ChatEvent>,
  providerStart: number,
  includeUsage: boolean,
): Promise<void> {
  const overhead = (providerStart - ctx.record.startedAt).toFixed(2);
  startSse(ctx.res, { ...ctx.baseHeaders, "x-faro-overhead-ms": overhead });
  const { res } = ctx;
  res.write(sseEvent(chunkObject(meta, { role: "assistant", content: "" }, null, includeUsage)));
  for (let r = first; !r.done; r = await it.next()) {
    const e = r.value;
    if (e.type === "text") {
      if (e.text) res.write(sseEvent(chunkObject(meta, { content: e.text }, null, includeUsage)));
      continue;
    }
    if (e.finishReason === "abort") throw clientGone();
    res.write(sseEvent(chunkObject(meta, {}, e.finishReason, includeUsage)));
    if (includeUsage) res.write(sseEvent(usageChunk(meta, e.usage)));
    res.end(SSE_DONE);
    return;
  }
  throw new Error("provider stream ended without a final event");
}

function priorityHeader(value: string | string[] | undefined): 0 | 1 | 2 | null {
  if (value === undefined) return null;
  if (value === "0" || value === "1" || value === "2") return Number(value) as 0 | 1 | 2;
  throw badRequest(`Invalid x-faro-priority header '${String(value)}': use 0 (urgent), 1 (normal) or 2 (background).`, "x-faro-priority", "invalid_value");
}
