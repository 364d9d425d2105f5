/**
 * POST /v1/chat/completions and POST /v1/completions: validate the body, run it through the
 * gateway, answer as OpenAI does (JSON or SSE).
 */
import { badRequest } from "../../errors";
import type { z } from "zod";
import type { Gateway, Generation } from "../../gateway/gateway";
import { chatChunk, chatDelta, chatPieceLogprobs, textChunk, textPieceLogprobs, usageChunk, type CompletionMeta } from "../../gateway/openaiShape";
import { chatCompletionRequestSchema, completionRequestSchema, parseBody } from "../../gateway/schema";
import type { RequestContext } from "../../providers/types";
import type { Trail } from "../../gateway/routing/executor";
import { routingHints, type RoutingHints } from "../../gateway/routing/headers";
import { cacheHeaders, type CachedGeneration, type ResponseCache } from "../../gateway/cache/responseCache";
import { merged } from "../../objects";
import { readJson } from "../body";
import type { HttpContext, Route } from "../router";
import { answer, type Shape } from "./generation";

/** Chat answers in OpenAI's shapes; /v1/prompts/{id}/completions answers the same way. */
export const chatShape: Shape = {
  whole: (c, meta, usage) => c.chatCompletion(meta, usage),
  open: (meta, index, u) => chatChunk(meta, index, { role: "assistant", content: "" }, null, u),
  piece: (meta, e, u) => chatChunk(meta, e.index, chatDelta(e), null, u, chatPieceLogprobs(e)),
  close: (meta, index, reason, u) => chatChunk(meta, index, {}, reason, u),
  usage: (meta, usage) => usageChunk(meta, "chat.completion.chunk", usage),
};

const textShape: Shape = {
  whole: (c, meta, usage) => c.textCompletion(meta, usage),
  open: () => null,
  piece: (meta, e, u) => textChunk(meta, e.index, e.type === "text" ? e.text : "", null, u, textPieceLogprobs(e)),
  close: (meta, index, reason, u) => textChunk(meta, index, "", reason, u),
  usage: (meta, usage) => usageChunk(meta, "text_completion", usage),
};

export function chatRoutes(gateway: Gateway, bodyLimit: number, faroApiKey: string | null, cache: ResponseCache | null = null): Route[] {
  const route = <R extends { model: string; stream?: boolean | null; stream_options?: { include_usage?: boolean } | null }>(
    kind: "chat" | "completion",
    path: string,
    idPrefix: string,
    schema: z.ZodType<R>,
    shape: Shape,
    run: (req: R, ctx: HttpContext, hints: RoutingHints) => Promise<Generation>,
  ): Route => ({
    method: "POST",
    path,
    idPrefix,
    handler: async (ctx) => {
      const req = parseBody(schema, await readJson(ctx.req, bodyLimit));
      ctx.record.stream = req.stream === true;
      const hints = withBodyMetadata(routingHints(ctx.req.headers, gateway.routing.configs, faroApiKey), req, ctx);
      const live = () => run(req, ctx, hints);
      const gen: CachedGeneration = cache
        ? await cache.generate(kind, req, ctx.req.headers, ctx.record, hints, ctx.signal, live)
        : merged(await live(), { cache: "disabled" as const, similarity: null });
      const headers = merged(routeHeaders(gen.provider, gen.trail, hints), cacheHeaders(gen));
      const includeUsage = req.stream_options?.include_usage === true;
      await answer({ ctx, meta: metaOf(ctx, gen.model), events: gen.events, stream: req.stream === true, includeUsage, shape, headers });
    },
  });
  return [
    route("chat", "/v1/chat/completions", "chatcmpl-", chatCompletionRequestSchema, chatShape, (req, ctx, hints) => gateway.chat(req, ctx.record, requestContext(ctx), hints)),
    route("completion", "/v1/completions", "cmpl-", completionRequestSchema, textShape, (req, ctx, hints) => gateway.complete(req, ctx.record, requestContext(ctx), hints)),
  ];
}

/**
 * The request log's tags: the body's `metadata` (OpenAI's chat field) merged under
 * x-portkey-metadata, which wins on a clash; conditional routing sees the merged tags too.
 */
function withBodyMetadata(hints: RoutingHints, body: object, ctx: HttpContext): RoutingHints {
  const tags = (body as { metadata?: Record<string, string> | null }).metadata;
  // Validated for chat; legacy completions have no such field, so only an object counts there.
  const metadata = tags && typeof tags === "object" && !Array.isArray(tags) ? { ...tags, ...hints.metadata } : hints.metadata;
  if (Object.keys(metadata).length > 0) ctx.record.metadata = metadata;
  return metadata === hints.metadata ? hints : { ...hints, metadata };
}

export function requestContext(ctx: HttpContext): RequestContext {
  return { signal: ctx.signal, requestId: ctx.record.id, priority: priorityHeader(ctx.req.headers["x-faro-priority"]) };
}

function metaOf(ctx: HttpContext, model: string): CompletionMeta {
  return { id: ctx.record.id, created: Math.floor(ctx.record.createdAt / 1000), model };
}

function priorityHeader(value: string | string[] | undefined): 0 | 1 | 2 | null {
  if (value === undefined) return null;
  if (value === "0" || value === "1" || value === "2") return Number(value) as 0 | 1 | 2;
  throw badRequest(`Invalid x-faro-priority header '${String(value)}': use 0 (urgent), 1 (normal) or 2 (background).`, "x-faro-priority", "invalid_value");
}

/** Which target answered, how many retries it took: Faro's headers and Portkey's. */
export function routeHeaders(provider: string, trail: Trail, hints: RoutingHints): Record<string, string> {
  return {
    "x-faro-provider": provider,
    "x-faro-retry-count": String(trail.retries),
    "x-faro-fallback-index": String(trail.optionIndex),
    "x-portkey-last-used-option-index": trail.optionPath,
    "x-portkey-retry-attempt-count": String(trail.retries),
    ...(hints.traceId ? { "x-portkey-trace-id": hints.traceId } : {}),
  };
}
