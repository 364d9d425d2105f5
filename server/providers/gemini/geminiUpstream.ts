/**
 * The Gemini family (Google AI Studio, generativelanguage v1beta): generateContent,
 * streamGenerateContent?alt=sse and batchEmbedContents, with the key in `x-goog-api-key`
 * (never in the URL, where it could reach a log).
 */
import type { ChatCompletionRequest, EmbeddingRequest } from "../../gateway/schema";
import { send } from "../httpClient";
import type { ChatEvent, Embeddings, RequestContext } from "../types";
import { checkedVectors, endedEarly, exchange, getJson, parseJson, readAnswer, readText, sseJson, type Exchange } from "../upstreamBody";
import { urlComponent, type ProviderModel, type Target, type Upstream } from "../upstream";
import { toGenerateContentBody } from "./request";
import { GenerateStream, errorOf, responseEvents, type CallIds, type WireResponse } from "./response";

export const GEMINI_BASE_URL = "https://generativelanguage.googleapis.com/v1beta";

export class GeminiUpstream implements Upstream {
  readonly family = "gemini";

  async *chat(target: Target, req: ChatCompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent> {
    const body = toGenerateContentBody(req); // a 400 here comes before anything is sent
    const stream = req.stream === true;
    const ids: CallIds = (index, k) => `call_${ctx.requestId}_${index}_${k}`;
    const method = stream ? "streamGenerateContent?alt=sse" : "generateContent";
    const { res, x } = await post(target, ctx, method, JSON.stringify(body), stream);
    if (!stream) {
      const response = parseJson<WireResponse>(await readText(res, x), x);
      for (const e of readAnswer((r) => responseEvents(target.provider, r, ids), response, x)) yield e;
      return;
    }
    const state = new GenerateStream(target.provider, ids, req.n ?? 1);
    const read = (data: WireResponse) => state.on(data);
    for await (const { data } of sseJson<WireResponse>(res, x)) for (const e of readAnswer(read, data, x)) yield e;
    if (!state.done) throw endedEarly(x, "every answer's finishReason");
    yield* readAnswer(() => [state.usageEvent()], null, x);
  }

  async embed(target: Target, req: EmbeddingRequest, ctx: RequestContext): Promise<Embeddings> {
    const texts = typeof req.input === "string" ? [req.input] : req.input;
    const model = `models/${modelName(target)}`;
    const requests = texts.map((text) => ({ model, content: { parts: [{ text }] }, ...(req.dimensions ? { outputDimensionality: req.dimensions } : {}) }));
    const { res, x } = await post(target, ctx, "batchEmbedContents", JSON.stringify({ requests }), false);
    const body = parseJson<{ embeddings?: unknown }>(await readText(res, x), x);
    const items: unknown[] = Array.isArray(body.embeddings) ? body.embeddings : [];
    // Gemini reports no token count for embeddings.
    return { vectors: checkedVectors(items.map((e) => (e as { values?: unknown } | null)?.values), texts.length, x), promptTokens: 0 };
  }

  async listModels(target: Target, ctx: RequestContext): Promise<ProviderModel[]> {
    const url = `${(target.baseUrl ?? GEMINI_BASE_URL).replace(/\/$/, "")}/models?pageSize=1000`;
    const models = (await getJson<{ models?: Array<{ name?: unknown }> }>(target, ctx, url, keyHeaders(target, false), (res, text) => errorOf(target.provider, res, text))).models ?? [];
    return models.flatMap((m) => (typeof m.name === "string" ? [{ id: m.name.replace(/^models\//, ""), object: "model" as const, created: 0, owned_by: "google" }] : []));
  }
}

const modelName = (target: Target) => target.model.replace(/^models\//, "");

function keyHeaders(target: Target, stream: boolean): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: stream ? "text/event-stream" : "application/json", ...target.headers };
  if (target.apiKey) headers["x-goog-api-key"] = target.apiKey;
  return headers;
}

/** Sends to models/{model}:{method}; an HTTP error is thrown as the provider's UpstreamError. */
async function post(target: Target, ctx: RequestContext, method: string, body: string, stream: boolean) {
  const x: Exchange = exchange(target, ctx);
  const base = (target.baseUrl ?? GEMINI_BASE_URL).replace(/\/$/, "");
  const headers = keyHeaders(target, stream);
  const url = `${base}/models/${urlComponent(modelName(target), "model")}:${method}`;
  const res = await send({ provider: target.provider, url, headers, body, signal: ctx.signal, timeoutMs: target.timeoutMs });
  if (res.status >= 400) throw errorOf(target.provider, res, await readText(res.body, x));
  return { res: res.body, x };
}
