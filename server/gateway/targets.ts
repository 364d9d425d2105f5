/**
 * Where a model name or a config target points: model addressing (`default`, user aliases,
 * `provider/model`, plain local ids), provider families, keys, and which custom hosts may be
 * called (loopback, the preset's own host, or hosts the user allowed).
 */
import { isLoopbackHost } from "../http/loopback";
import { badRequest } from "../errors";
import { BoundedCache } from "../boundedCache";
import { merged } from "../objects";
import { PRESETS } from "../providers/openai/presets";
import type { CacheSettings } from "./cache/policy";
import type { GuardrailSettings } from "./guardrails/policy";
import type { KeyStore } from "./keys";
import type { PriceEntry } from "./pricing/priceTable";
import type { TargetConfig } from "./routing/config";
import type { Inherited, Leaf, ResolveLeaf } from "./routing/executor";
import { RefusedTarget, retryPolicy } from "./routing/executor";
import type { RoutingHints } from "./routing/headers";

export interface GatewaySettings {
  /** name -> "provider/model" or a routing config. */
  aliases: Record<string, string | TargetConfig>;
  /** Saved configs usable by id in x-faro-config / x-portkey-config. */
  configs: Record<string, unknown>;
  /** Extra hosts custom_host may point at. */
  allowedHosts: string[];
  /** Token price overrides and additions (config.json `prices`), over the shipped prices.json. */
  prices?: Record<string, PriceEntry>;
  /** PII modes per provider and output checks (config.json `guardrails`); absent: the defaults. */
  guardrails?: GuardrailSettings;
  /** Response cache defaults and limits (config.json `cache`); absent: off, default limits. */
  cache?: CacheSettings;
  /** Request log settings (config.json `log`); --log-bodies / --log-retention-days win. */
  log?: { bodies?: boolean; retention_days?: number };
}

export const EMPTY_SETTINGS: GatewaySettings = { aliases: {}, configs: {}, allowedHosts: [] };

/** Portkey's names for the providers Faro calls otherwise, so Portkey configs work unchanged. */
const PORTKEY_NAMES: Readonly<Record<string, string>> = { google: "gemini", "mistral-ai": "mistral", "together-ai": "together", "fireworks-ai": "fireworks", "x-ai": "xai" };

/** Faro's id for a provider name, Portkey's included (`mistral-ai` -> `mistral`). */
export const providerId = (name: string): string => PORTKEY_NAMES[name] ?? name;

export function familyOf(name: string): string | null {
  const provider = providerId(name);
  if (provider === "local") return "local";
  if (provider === "anthropic") return "anthropic";
  if (provider === "gemini") return "gemini";
  return PRESETS[provider] ? "openai" : null;
}

export const PROVIDER_IDS = ["local", "anthropic", "gemini", ...Object.keys(PRESETS)];
const known = () => PROVIDER_IDS.join(", ");

/** The config a plain model name stands for (`default` must be resolved before). */
export function configForModel(name: string, settings: GatewaySettings, hints: RoutingHints, seen = new Set<string>()): TargetConfig {
  let config: TargetConfig;
  const alias = settings.aliases[name];
  if (hints.provider) {
    const { name: provider, azure } = hints.provider;
    config = { provider, override_params: { model: name }, ...azure };
  } else if (alias !== undefined && !seen.has(name)) {
    seen.add(name);
    config = typeof alias === "string" ? configForModel(alias, settings, hints, seen) : alias;
  } else {
    const slash = name.indexOf("/");
    const prefix = slash > 0 ? name.slice(0, slash) : "";
    config = familyOf(prefix) && prefix !== "local"
      ? { provider: prefix, override_params: { model: name.slice(slash + 1) } }
      : { provider: "local", override_params: { model: slash > 0 && prefix === "local" ? name.slice(slash + 1) : name } };
  }
  if (hints.retryAttempts !== null && !config.retry) config = merged(config, { retry: { attempts: hints.retryAttempts } });
  if (hints.timeoutMs !== null && !config.request_timeout) config = merged(config, { request_timeout: hints.timeoutMs });
  return config;
}

/**
 * The config a request runs: its own config, else what its model name stands for. A config with
 * neither provider nor targets (only retry, request_timeout, cache...) goes to x-portkey-provider
 * when the request names one, as in Portkey, keeping the config's own settings.
 */
export function requestConfig(model: string, settings: GatewaySettings, hints: RoutingHints): TargetConfig {
  const own = hints.config;
  if (!own) return configForModel(model, settings, hints);
  if (own.provider || own.targets || !hints.provider) return own;
  const addressed = configForModel(model, settings, { ...hints, retryAttempts: null, timeoutMs: null });
  return { ...addressed, ...own, override_params: { ...addressed.override_params, ...own.override_params } };
}

export function leafResolver(requestModel: string, keys: KeyStore, hints: RoutingHints, settings: GatewaySettings): ResolveLeaf {
  return (node: TargetConfig, inh: Inherited): Leaf => {
    const params = inh.override_params;
    let model = typeof params.model === "string" ? params.model : requestModel;
    let provider = node.provider && providerId(node.provider);
    if (!provider) {
      const addressed = configForModel(model, settings, { ...hints, provider: null });
      provider = providerId(addressed.provider!);
      model = String(addressed.override_params?.model ?? model);
    } else if (model.startsWith(`${provider}/`)) model = model.slice(provider.length + 1);
    const family = familyOf(provider);
    if (!family) throw new RefusedTarget(provider, model, badRequest(`Unknown provider '${provider}'. Known: ${known()}.`, "provider", "unknown_provider"));
    // The local engine has no host to point elsewhere; a fallback to it stays on this machine.
    const host = (family === "local" ? null : hints.customHost) ?? node.custom_host ?? inh.custom_host;
    const baseUrl = host ? checkHost(host, provider, model, settings) : null;
    const apiKey = node.api_key ?? (hints.provider && providerId(hints.provider.name) === provider ? hints.provider.apiKey : null) ?? keys.get(provider);
    return {
      family,
      target: {
        provider,
        model,
        apiKey,
        baseUrl,
        headers: {},
        azure: { resourceName: node.resource_name, deploymentId: node.deployment_id, apiVersion: node.api_version },
        // As in Portkey, x-portkey-request-timeout holds for every target, over the config's.
        timeoutMs: hints.timeoutMs ?? inh.request_timeout ?? null,
      },
      overrideParams: params,
      guardrails: inh.guardrails,
      retry: retryPolicy(inh.retry),
      breakerKey: `${provider}|${baseUrl ?? ""}|${model}`,
    };
  };
}

const PRESET_HOSTS: Record<string, string> = Object.fromEntries(
  Object.values(PRESETS).flatMap((p) => (p.baseUrl ? [[p.id, new URL(p.baseUrl).hostname]] : [])),
);

/** `raw` as a URL when it is an http(s) one (parsed once), else null. */
export function httpUrl(raw: string): URL | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null; // not a URL at all: the caller says what it expected
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url : null;
}

/**
 * The host name of a custom host (null: not an http(s) URL). Requests name the same few, and a
 * URL parsed per request cost more than the check.
 */
const hosts = new BoundedCache<string | null>();

export function hostOf(url: string): string | null {
  return hosts.get(url, (u) => httpUrl(u)?.hostname ?? null);
}

/** No request may send data to an arbitrary host: only loopback, the preset's host, or allowed ones. */
function checkHost(url: string, provider: string, model: string, settings: GatewaySettings): string {
  const host = hostOf(url);
  if (host === null) throw new RefusedTarget(provider, model, badRequest(`custom_host must be an http(s) URL, not '${url}'.`, "custom_host", "invalid_value"));
  const presetHost = PRESET_HOSTS[provider] ?? null;
  if (isLoopbackHost(host) || host === presetHost || settings.allowedHosts.includes(host)) return url;
  throw new RefusedTarget(
    provider,
    model,
    badRequest(
      `custom_host '${host}' is not allowed: Faro only calls loopback hosts, the provider's own host, or hosts listed in allowed_hosts of its config.`,
      "custom_host",
      "host_not_allowed",
    ),
  );
}
