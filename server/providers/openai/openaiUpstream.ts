/**
 * The OpenAI-compatible family: OpenAI, Azure OpenAI and every preset in presets.ts or a custom
 * base URL. Streams are relayed chunk by chunk as they arrive.
 */
import { Readable } from "node:stream";
import { badRequest, type ErrorType } from "../../errors";
import type { ChatCompletionRequest, CompletionRequest, EmbeddingRequest } from "../../gateway/schema";
import { send, type UpstreamResponse } from "../httpClient";
import { checkedVectors, endedEarly, exchange, getJson, parseJson, readAnswer, readText, sseJson } from "../upstreamBody";
import type { ChatEvent, Embeddings, RequestContext } from "../types";
import { UpstreamError, bodyModel, isAzureV1, retryAfterMs, urlComponent, type ProviderModel, type RawResponse, type Target, type Upstream } from "../upstream";
import { PRESETS } from "./presets";
import { chunkEvents, completionEvents, requestBody, textChunkEvents, textCompletionEvents, usageOf, type WireCompletion } from "./wire";

export class OpenAIUpstream implements Upstream {
  readonly family = "openai";

  chat(target: Target, req: ChatCompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent> {
    return generate(target, req, ctx, CHAT);
  }

  /** Legacy /completions, which OpenAI (gpt-3.5-turbo-instruct) and most OpenAI-compatible servers still serve. */
  complete(target: Target, req: CompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent> {
    return generate(target, req, ctx, LEGACY);
  }

  readonly passthrough = passthrough;

  async listModels(target: Target, ctx: RequestContext): Promise<ProviderModel[]> {
    const url = target.provider === "azure-openai" ? azureModelsUrl(target) : endpoint(target, "/models");
    const data = (await getJson<{ data?: Array<Partial<ProviderModel> & { created_at?: unknown }> }>(target, ctx, url, headers(target, false), (res, text) => errorOf(target, res, text))).data ?? [];
    // Azure's entries say created_at where OpenAI's say created.
    const created = (m: { created_at?: unknown }) => (typeof m.created_at === "number" ? m.created_at : 0);
    return data.flatMap((m) => (typeof m.id === "string" ? [{ created: created(m), owned_by: target.provider, ...m, id: m.id, object: "model" as const }] : []));
  }

  async embed(target: Target, req: EmbeddingRequest, ctx: RequestContext): Promise<Embeddings> {
    // Faro converts to base64 itself; the literal starts with its own keys (server/objects.ts).
    const { priority: _p, keep_alive: _k, model: _m, encoding_format: _f, ...body } = req;
    const res = await send({
      provider: target.provider,
      url: endpoint(target, "/embeddings"),
      headers: headers(target, false),
      body: JSON.stringify({ model: bodyModel(target), encoding_format: "float", ...body }),
      signal: ctx.signal,
      timeoutMs: target.timeoutMs,
    });
    const x = exchange(target, ctx);
    const text = await readText(res.body, x);
    if (res.status >= 400) throw errorOf(target, res, text);
    const parsed = parseJson<{ data?: unknown; usage?: { prompt_tokens?: unknown } }>(text, x);
    const items: unknown[] = Array.isArray(parsed.data) ? parsed.data : [];
    const vectors = checkedVectors(items.map((d) => (d as { embedding?: unknown } | null)?.embedding), typeof req.input === "string" ? 1 : req.input.length, x);
    const tokens = parsed.usage?.prompt_tokens;
    return { vectors, promptTokens: typeof tokens === "number" ? tokens : 0 };
  }
}

/** Chat and legacy completions differ only in their path and in how an answer reads as events. */
interface Api {
  path: string;
  whole: (body: WireCompletion) => Iterable<ChatEvent>;
  chunk: (chunk: WireCompletion) => Iterable<ChatEvent>;
}
const CHAT: Api = { path: "/chat/completions", whole: completionEvents, chunk: chunkEvents };
const LEGACY: Api = { path: "/completions", whole: textCompletionEvents, chunk: textChunkEvents };

async function* generate(target: Target, req: ChatCompletionRequest | CompletionRequest, ctx: RequestContext, api: Api): AsyncIterable<ChatEvent> {
  const stream = req.stream === true;
  const x = exchange(target, ctx);
  const res = await send({
    provider: target.provider,
    url: endpoint(target, api.path),
    headers: headers(target, stream),
    body: requestBody(req, bodyModel(target), stream),
    signal: ctx.signal,
    timeoutMs: target.timeoutMs,
  });
  if (res.status >= 400) throw errorOf(target, res, await readText(res.body, x));
  if (!stream) {
    for (const e of readAnswer(api.whole, parseJson<WireCompletion>(await readText(res.body, x), x), x)) yield e;
    return;
  }
  let usage: ChatEvent | null = null;
  const read = (chunk: WireCompletion): Iterable<ChatEvent> => {
    if (chunk.error) throw new UpstreamError({ provider: target.provider, status: 502, detail: `${chunk.error.message ?? "error"} (in the stream)`, code: chunk.error.code ?? "upstream_stream_error" });
    if (chunk.usage) usage = { type: "usage", usage: usageOf(chunk.usage) };
    return api.chunk(chunk);
  };
  for await (const { data: chunk } of sseJson<WireCompletion>(res.body, x)) for (const e of readAnswer(read, chunk, x)) yield e;
  // A cut connection errors the body (thrown above); a body that ended cleanly without
  // [DONE] is accepted.
  // Servers that ignore stream_options.include_usage send no counts: the gateway estimates them.
  yield* readAnswer((u) => [u ?? { type: "usage", usage: usageOf(null), unreported: true }], usage, x);
}

async function passthrough(target: Target, path: string, body: Buffer, contentType: string, ctx: RequestContext): Promise<RawResponse> {
  const res = await send({
    provider: target.provider,
    url: endpoint(target, path),
    headers: { ...headers(target, false), "content-type": contentType, accept: "*/*" },
    body,
    signal: ctx.signal,
    timeoutMs: target.timeoutMs,
  });
  if (res.status >= 400) throw errorOf(target, res, await res.body.text());
  return { status: res.status, statusText: res.statusText, headers: res.headers, body: Readable.from(res.body, { objectMode: false }) };
}

function endpoint(target: Target, path: string): string {
  const preset = PRESETS[target.provider] ?? PRESETS.custom!;
  if (target.provider === "azure-openai") {
    const a = target.azure ?? {};
    const base = azureBase(target);
    // The v1 API is OpenAI's paths under /openai/v1, with no api-version; the body names the deployment.
    if (base && isAzureV1(target)) return `${base}/openai/v1${path}`;
    if (!base || !a.deploymentId) throw badRequest("Azure OpenAI needs resource_name (or custom_host) and deployment_id.", "config", "invalid_config");
    return `${base}/openai/deployments/${urlComponent(a.deploymentId, "deployment_id")}${path}?api-version=${urlComponent(a.apiVersion ?? AZURE_API_VERSION, "api_version")}`;
  }
  const base = target.baseUrl ?? preset.baseUrl;
  if (!base) throw badRequest(`Provider '${target.provider}' needs a base URL (custom_host).`, "config", "invalid_config");
  return base.replace(/\/$/, "") + path;
}

const AZURE_API_VERSION = "2024-10-21";

function azureBase(target: Target): string | null {
  const name = target.azure?.resourceName;
  const base = target.baseUrl ?? (name ? `https://${name}.openai.azure.com` : null);
  return base && base.replace(/\/$/, "");
}

/**
 * Azure's Models - List: the models the resource can use, not under a deployment (what Portkey
 * proxies GET /v1/models to); api-version `v1` is the newer /openai/v1 API, which takes none.
 */
function azureModelsUrl(target: Target): string {
  const base = azureBase(target);
  if (!base) throw badRequest("Listing Azure OpenAI's models needs the resource: send x-portkey-azure-resource-name (or x-portkey-custom-host).", "x-portkey-azure-resource-name", "invalid_config");
  return isAzureV1(target) ? `${base}/openai/v1/models` : `${base}/openai/models?api-version=${urlComponent(target.azure?.apiVersion ?? AZURE_API_VERSION, "api_version")}`;
}

function headers(target: Target, stream: boolean): Record<string, string> {
  const preset = PRESETS[target.provider] ?? PRESETS.custom!;
  const h: Record<string, string> = { "content-type": "application/json", accept: stream ? "text/event-stream" : "application/json", ...target.headers };
  if (target.apiKey && preset.auth === "bearer") h.authorization = `Bearer ${target.apiKey}`;
  if (target.apiKey && preset.auth === "api-key") h["api-key"] = target.apiKey;
  return h;
}

function errorOf(target: Target, res: Pick<UpstreamResponse, "status" | "statusText" | "headers">, text: string): UpstreamError {
  const status = res.status;
  let detail = text.slice(0, 500);
  let code: string | null = null;
  let param: string | null = null;
  let type: ErrorType | undefined;
  try {
    const error = (JSON.parse(text) as WireCompletion).error;
    detail = error?.message ?? detail;
    code = error?.code ?? null;
    param = typeof error?.param === "string" ? error.param : null;
    // A spent quota is a 429 that retrying does not cure: the SDKs tell it by its type.
    if (error?.type === "insufficient_quota") type = "insufficient_quota";
  } catch {
    // Not JSON (a proxy's HTML page, say): the raw text is the detail.
  }
  return new UpstreamError({ provider: target.provider, status, statusText: res.statusText, answered: true, detail, code, param, type, retryAfterMs: retryAfterMs(res.headers) });
}
