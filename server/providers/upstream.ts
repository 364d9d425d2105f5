/**
 * Remote providers (cloud APIs and OpenAI-compatible servers): a Target says where a request
 * goes and as what; an Upstream family translates OpenAI requests to its wire format and its
 * answers back into ChatEvents. Failures are UpstreamErrors carrying the provider's status, so
 * retries and fallbacks can decide, and every message says which provider failed.
 */
import { FaroError, badRequest, type ErrorType } from "../errors";
import type { ChatCompletionRequest, EmbeddingRequest } from "../gateway/schema";
import type { ChatEvent, Embeddings, RequestContext } from "./types";

export interface Target {
  /** Preset or family id: openai, azure-openai, anthropic, gemini, groq, ollama, ... */
  provider: string;
  /** The model name the provider knows. */
  model: string;
  apiKey: string | null;
  /** Replaces the preset's base URL (Portkey's custom_host). */
  baseUrl: string | null;
  headers: Record<string, string>;
  /**
   * Azure OpenAI: the deployment is in the URL, the version in the query; with api-version `v1`
   * (the /openai/v1 API) there is no version and the deployment is the body's model.
   */
  azure?: { resourceName?: string; deploymentId?: string; apiVersion?: string };
  /** Abort the upstream call after this long (408 to the client). */
  timeoutMs: number | null;
}

/** True for Azure OpenAI's v1 API (api-version `v1`), which is OpenAI's own paths under /openai/v1. */
export const isAzureV1 = (target: Target): boolean => target.provider === "azure-openai" && target.azure?.apiVersion?.trim() === "v1";

/**
 * The model a request body names: the target's, except on Azure's v1 API, where the body's model
 * picks the deployment (Portkey sends the deployment id there).
 */
export const bodyModel = (target: Target): string => (isAzureV1(target) && target.azure?.deploymentId) || target.model;

/**
 * A name from the request or its config (a model, a deployment, an api-version) as one part of a
 * provider's URL, escaped. Text with a lone surrogate has no UTF-8 form to escape
 * (encodeURIComponent throws): it is the client's mistake, so a 400 naming `param`.
 */
export function urlComponent(value: string, param: string): string {
  if (!value.isWellFormed()) throw badRequest(`'${param}' is not well-formed Unicode text (it has a lone surrogate), so it cannot be part of the provider's URL.`, param, "invalid_value");
  return encodeURIComponent(value);
}

export interface Upstream {
  readonly family: string;
  /**
   * Streams the answer. An HTTP error before the first event is thrown as an UpstreamError from
   * the first `next()`, so a fallback can still try another target.
   */
  chat(target: Target, req: ChatCompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent>;
  embed?(target: Target, req: EmbeddingRequest, ctx: RequestContext): Promise<Embeddings>;
  /**
   * Forwards a request the gateway does not translate (audio, images) to `path` under the
   * provider's base URL and returns its answer as is; absent when the family has no such API.
   */
  passthrough?(target: Target, path: string, body: Buffer, contentType: string, ctx: RequestContext): Promise<RawResponse>;
  /** The provider's own model list in OpenAI's shape (GET /v1/models with x-portkey-provider). */
  listModels?(target: Target, ctx: RequestContext): Promise<ProviderModel[]>;
}

/** One entry of GET /v1/models as OpenAI lists it; an OpenAI-compatible provider's own fields pass through. */
export interface ProviderModel {
  id: string;
  object: "model";
  /** Unix seconds; 0 when the provider does not say. */
  created: number;
  owned_by: string;
}

export interface RawResponse {
  status: number;
  /** The provider's reason phrase ("" when it sent none). */
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  body: NodeJS.ReadableStream;
}

export interface UpstreamErrorInit {
  provider: string;
  status: number;
  /**
   * The status is the provider's own HTTP answer. Otherwise it is Faro's verdict on the exchange
   * (unreachable, too slow, cut off, an error event in a stream, an answer it cannot read), and
   * the message does not claim the provider answered it.
   */
  answered?: boolean;
  /** The provider's own message, when it sent one. */
  detail?: string;
  /** The provider's reason phrase for its status, passed on with it ("" or absent: none). */
  statusText?: string;
  code?: string | null;
  type?: ErrorType;
  /** The request field the provider named (OpenAI-compatible providers, whose request is the client's). */
  param?: string | null;
  /** From Retry-After / retry-after-ms, when the provider sent one. */
  retryAfterMs?: number | null;
  cause?: unknown;
}

export class UpstreamError extends FaroError {
  readonly provider: string;
  readonly retryAfterMs: number | null;
  readonly statusText: string | null;

  constructor(init: UpstreamErrorInit) {
    const what = init.detail ? `: ${init.detail}` : "";
    super(init.answered ? `Provider '${init.provider}' answered ${init.status}${what}` : `Provider '${init.provider}'${what || ` failed (${init.status})`}`, {
      status: init.status,
      type: init.type ?? typeForStatus(init.status),
      code: init.code ?? null,
      param: init.param ?? null,
      cause: init.cause,
      // The client's SDK waits as the provider asked when Faro does not retry (or gave up).
      headers: init.retryAfterMs != null ? { "retry-after-ms": String(Math.ceil(init.retryAfterMs)), "retry-after": String(Math.ceil(init.retryAfterMs / 1000)) } : {},
    });
    this.name = "UpstreamError";
    this.provider = init.provider;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.statusText = init.statusText || null;
  }
}

export function typeForStatus(status: number): ErrorType {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/**
 * Retry-After as seconds or an HTTP date, or retry-after-ms (OpenAI) / x-ms-retry-after-ms
 * (Azure); null when absent or unreadable.
 */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | null {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const ms = Number(headers[name]);
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  const raw = headers["retry-after"];
  if (typeof raw !== "string") return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - now) : null;
}
