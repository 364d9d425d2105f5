/**
 * The Anthropic family: the Messages API (POST {base}/messages) with `x-api-key` and
 * `anthropic-version: 2023-06-01`. Streams are translated event by event as they arrive.
 * Anthropic has no embeddings API, so there is no `embed`.
 */
import type { ChatCompletionRequest } from "../../gateway/schema";
import { send } from "../httpClient";
import type { ChatEvent, RequestContext } from "../types";
import { endedEarly, exchange, getJson, parseJson, readAnswer, readText, sseJson } from "../upstreamBody";
import type { ProviderModel, Target, Upstream } from "../upstream";
import { toMessagesBody } from "./request";
import { MessageStream, errorOf, messageEvents, type WireMessage, type WireStreamEvent } from "./response";

export const ANTHROPIC_BASE_URL = "https://api.anthropic.com/v1";
export const ANTHROPIC_VERSION = "2023-06-01";

export class AnthropicUpstream implements Upstream {
  readonly family = "anthropic";

  async *chat(target: Target, req: ChatCompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent> {
    const body = toMessagesBody(req, target.model); // a 400 here comes before anything is sent
    const x = exchange(target, ctx);
    const res = await send({
      provider: target.provider,
      url: `${(target.baseUrl ?? ANTHROPIC_BASE_URL).replace(/\/$/, "")}/messages`,
      headers: headers(target, body.stream === true),
      body: JSON.stringify(body),
      signal: ctx.signal,
      timeoutMs: target.timeoutMs,
    });
    if (res.status >= 400) throw errorOf(target.provider, res, await readText(res.body, x));
    if (!body.stream) {
      const message = parseJson<WireMessage>(await readText(res.body, x), x);
      for (const e of readAnswer((m) => messageEvents(target.provider, m), message, x)) yield e;
      return;
    }
    const stream = new MessageStream(target.provider);
    const read = (data: WireStreamEvent) => stream.on(data);
    // Read to the end of the body (not just message_stop) so the connection can be reused.
    for await (const { data } of sseJson<WireStreamEvent>(res.body, x)) if (!stream.done) for (const e of readAnswer(read, data, x)) yield e;
    if (!stream.done) throw endedEarly(x, "message_stop");
    yield* readAnswer(() => [stream.usageEvent()], null, x);
  }

  async listModels(target: Target, ctx: RequestContext): Promise<ProviderModel[]> {
    const url = `${(target.baseUrl ?? ANTHROPIC_BASE_URL).replace(/\/$/, "")}/models?limit=1000`;
    const data = (await getJson<{ data?: Array<{ id?: unknown; created_at?: unknown }> }>(target, ctx, url, headers(target, false), (res, text) => errorOf(target.provider, res, text))).data ?? [];
    return data.flatMap((m) =>
      typeof m.id === "string" ? [{ id: m.id, object: "model" as const, created: Math.floor((Date.parse(String(m.created_at)) || 0) / 1000), owned_by: "anthropic" }] : [],
    );
  }
}

export function headers(target: Target, stream: boolean): Record<string, string> {
  const h: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    "anthropic-version": ANTHROPIC_VERSION,
    ...target.headers,
  };
  if (target.apiKey) h["x-api-key"] = target.apiKey;
  return h;
}
