/**
 * Checks a provider API key with the cheapest authenticated call each family has (listing its
 * models) before the key is kept: `faro/providers/check` and `faro providers check`. A refusal
 * (401/403, Gemini's 400 "API key not valid") is told apart from a provider that could not be
 * reached, so the caller can offer to keep a key it could not check. The key never appears in
 * the result (Gemini takes it in the query string, so no URL is ever quoted).
 */
import { badRequest } from "../errors";
import { isLoopbackHost } from "../http/loopback";
import { registerSecret } from "../logger";
import type { ProviderCheckResult } from "../protocol";
import { familyOf } from "../gateway/targets";
import { ANTHROPIC_BASE_URL } from "./anthropic/anthropicUpstream";
import { GEMINI_BASE_URL } from "./gemini/geminiUpstream";
import { PRESETS } from "./openai/presets";

export interface KeyCheckInput {
  provider: string;
  /** null: a provider that needs no key (Ollama, LM Studio) is only checked for reachability. */
  key: string | null;
  /** Another base URL than the provider's (loopback, the provider's own host or an allowed host). */
  baseUrl?: string | null;
}

export interface KeyCheckOptions {
  /** Hosts besides loopback and the provider's own that a base URL may name (config allowed_hosts). */
  allowedHosts?: readonly string[];
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export async function checkProviderKey(input: KeyCheckInput, opts: KeyCheckOptions = {}): Promise<ProviderCheckResult> {
  const { provider, key } = input;
  const family = familyOf(provider);
  if (!family || family === "local") throw badRequest(`Unknown provider '${provider}'.`, "provider", "unknown_provider");
  registerSecret(key);
  const base = baseUrlFor(provider, family, input.baseUrl ?? null, opts.allowedHosts ?? []).replace(/\/$/, "");
  const preset = PRESETS[provider];
  if (!key && !(family === "openai" && preset?.auth === "none")) throw badRequest(`No API key to check for ${provider}.`, "key", "missing_key");
  const { url, headers } = request(family, base, key ?? "", preset?.auth ?? "bearer");
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, { headers, signal: AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
    return { provider, status: "unreachable", httpStatus: null, message: `Could not reach ${provider} at ${new URL(base).host} to check the key: ${cause}.`, models: [] };
  }
  const body: unknown = await res.json().catch(() => null);
  if (res.ok) {
    const models = modelIds(family, body);
    return { provider, status: "ok", httpStatus: res.status, message: `${provider} accepted the key (${models.length} models available).`, models };
  }
  const said = providerMessage(body);
  if (res.status === 401 || res.status === 403 || (family === "gemini" && res.status === 400 && /API key not valid|API_KEY_INVALID/.test(JSON.stringify(body)))) {
    return { provider, status: "refused", httpStatus: res.status, message: `${provider} refused the key (${res.status}${said ? `: ${said}` : ""}).`, models: [] };
  }
  return { provider, status: "unexpected", httpStatus: res.status, message: `${provider} answered ${res.status}${said ? ` (${said})` : ""}, so the key could not be checked.`, models: [] };
}

function baseUrlFor(provider: string, family: string, given: string | null, allowedHosts: readonly string[]): string {
  const own = family === "anthropic" ? ANTHROPIC_BASE_URL : family === "gemini" ? GEMINI_BASE_URL : (PRESETS[provider]?.baseUrl ?? null);
  if (!given) {
    if (own) return own;
    throw badRequest(`${provider} has no default address: give its base URL.`, "baseUrl", "missing_base_url");
  }
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw badRequest(`'${given}' is not a URL.`, "baseUrl", "invalid_base_url");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw badRequest(`'${given}' is not an http(s) URL.`, "baseUrl", "invalid_base_url");
  const ownHost = own ? new URL(own).hostname : null;
  // The key goes wherever this points: only loopback, the provider's own host or allowed hosts.
  if (!isLoopbackHost(url.hostname) && url.hostname !== ownHost && !allowedHosts.includes(url.hostname)) {
    throw badRequest(`Faro only sends ${provider}'s key to loopback, ${ownHost ?? "the provider's host"} or hosts in allowed_hosts, not ${url.hostname}.`, "baseUrl", "host_not_allowed");
  }
  return given;
}

function request(family: string, base: string, key: string, auth: "bearer" | "api-key" | "none"): { url: string; headers: Record<string, string> } {
  if (family === "anthropic") return { url: `${base}/models?limit=100`, headers: { "x-api-key": key, "anthropic-version": "2023-06-01" } };
  if (family === "gemini") return { url: `${base}/models?key=${encodeURIComponent(key)}&pageSize=100`, headers: {} };
  const headers: Record<string, string> = auth === "api-key" ? { "api-key": key } : auth === "bearer" && key ? { authorization: `Bearer ${key}` } : {};
  return { url: `${base}/models`, headers };
}

function modelIds(family: string, body: unknown): string[] {
  const rec = body as { data?: Array<{ id?: unknown }>; models?: Array<{ name?: unknown }> } | null;
  if (family === "gemini") return (rec?.models ?? []).flatMap((m) => (typeof m.name === "string" ? [m.name.replace(/^models\//, "")] : []));
  return (rec?.data ?? []).flatMap((m) => (typeof m.id === "string" ? [m.id] : []));
}

/** The provider's own words: OpenAI and Anthropic put them in error.message, Gemini too. */
function providerMessage(body: unknown): string | null {
  const err = (body as { error?: { message?: unknown } } | null)?.error;
  return typeof err?.message === "string" ? err.message : null;
}
