/**
 * Routing instructions from request headers, Portkey-compatible: x-portkey-config /
 * x-faro-config (JSON or a saved config's id), x-portkey-provider with x-portkey-custom-host,
 * x-portkey-retry-count, x-portkey-request-timeout, x-portkey-metadata, x-portkey-trace-id.
 */
import type { IncomingHttpHeaders } from "node:http";
import { FaroError, badRequest } from "../../errors";
import { parseConfig, type TargetConfig } from "./config";
import { guardrailHints, type GuardrailHints } from "../guardrails/policy";
import { hostOf } from "../targets";
import { BoundedCache } from "../../boundedCache";

export interface RoutingHints {
  /** A full routing config, when the request brought one. */
  config: TargetConfig | null;
  /** The config in messages: `saved config 'prod'`, or `the config in x-portkey-config`. */
  configName: string | null;
  /**
   * x-portkey-provider (+ the Authorization bearer as the provider's key, + Azure's
   * x-portkey-azure-resource-name / -deployment-id / -api-version, as the Portkey SDK sends them).
   */
  provider: { name: string; apiKey: string | null; azure?: AzureHeaders } | null;
  /**
   * x-portkey-custom-host. As in Portkey it holds for every cloud target the request tries, over
   * a config's custom_host, whether the route came from x-portkey-provider or a config.
   */
  customHost: string | null;
  retryAttempts: number | null;
  timeoutMs: number | null;
  metadata: Record<string, unknown>;
  traceId: string | null;
  /** x-faro-pii / x-faro-pii-restore. */
  guardrails?: GuardrailHints;
}

export interface AzureHeaders {
  resource_name?: string;
  deployment_id?: string;
  api_version?: string;
}

export const NO_HINTS: RoutingHints = { config: null, configName: null, provider: null, customHost: null, retryAttempts: null, timeoutMs: null, metadata: {}, traceId: null };

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export function routingHints(headers: IncomingHttpHeaders, savedConfigs: Record<string, unknown>, faroApiKey: string | null): RoutingHints {
  const raw = one(headers["x-faro-config"]) ?? one(headers["x-portkey-config"]);
  const source = one(headers["x-faro-config"]) !== undefined ? "x-faro-config" : "x-portkey-config";
  let config: TargetConfig | null = null;
  let configName: string | null = null;
  if (raw !== undefined) {
    const saved = savedConfigs[raw.trim()];
    if (saved !== undefined) {
      config = parseConfig(saved, `config '${raw.trim()}'`);
      configName = `saved config '${raw.trim()}'`;
    } else if (raw.trim().startsWith("{")) {
      config = cachedConfig(raw, source);
      configName = `the config in ${source}`;
    } else throw badRequest(`${source} '${raw}' is ${notAConfig(raw, savedConfigs)}.`, source, "invalid_config");
  }
  const providerName = one(headers["x-portkey-provider"]);
  const bearer = one(headers.authorization)?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim() ?? null;
  return {
    config,
    configName,
    provider: providerName ? { name: providerName, apiKey: bearer && bearer !== faroApiKey && !bearer.startsWith("fk-") ? bearer : null, ...azure(headers) } : null,
    customHost: customHost(one(headers["x-portkey-custom-host"])),
    retryAttempts: integer(headers, "x-portkey-retry-count", 0, 10),
    timeoutMs: integer(headers, "x-portkey-request-timeout", 1, 3_600_000),
    metadata: metadata(one(headers["x-portkey-metadata"])),
    traceId: one(headers["x-portkey-trace-id"]) ?? null,
    guardrails: guardrailHints(headers),
  };
}

/**
 * A request refused before any target of its routing config was tried has no model or provider
 * to log (none was chosen, and naming one would count the refusal against a model never asked):
 * the error says which config it was instead. `alias`: the model name, when that stands for a
 * config of several targets.
 */
export function refusedBeforeTargets(err: unknown, hints: RoutingHints, alias: string | null): void {
  const name = hints.config ? hints.configName : alias === null ? null : `alias '${alias}'`;
  if (name && err instanceof FaroError) err.message += ` (Refused before any target of ${name} was tried.)`;
}

/** What a config header that is neither a JSON object nor a saved id is, in words. */
function notAConfig(raw: string, saved: Record<string, unknown>): string {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    // Not JSON: most likely a saved config's id, mistyped.
    const ids = Object.keys(saved);
    return `neither a JSON object nor the id of a saved config (${ids.length ? `saved: ${ids.join(", ")}` : "config.json saves none"})`;
  }
  return `JSON but not an object (${json === null ? "null" : Array.isArray(json) ? "an array" : `a ${typeof json}`}): a config is a JSON object such as {"provider": "openai"}`;
}

/**
 * Apps send the same config header on every request: parse and validate each distinct one once.
 * Parsed configs are never mutated (inheritance builds new objects), so sharing them is safe.
 */
const parsedConfigs = new BoundedCache<TargetConfig>();

function cachedConfig(raw: string, source: string): TargetConfig {
  return parsedConfigs.get(raw, () => parseConfig(raw, source));
}

function customHost(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  if (hostOf(raw) === null) {
    throw badRequest(`x-portkey-custom-host must be an http(s) URL such as http://127.0.0.1:8000/v1, not '${raw}'.`, "x-portkey-custom-host", "invalid_value");
  }
  return raw;
}

function azure(headers: IncomingHttpHeaders): { azure?: AzureHeaders } {
  const fields: AzureHeaders = {};
  const resource = one(headers["x-portkey-azure-resource-name"]);
  const deployment = one(headers["x-portkey-azure-deployment-id"]);
  const version = one(headers["x-portkey-azure-api-version"]);
  if (resource) fields.resource_name = resource;
  if (deployment) fields.deployment_id = deployment;
  if (version) fields.api_version = version;
  return Object.keys(fields).length > 0 ? { azure: fields } : {};
}

function integer(headers: IncomingHttpHeaders, name: string, min: number, max: number): number | null {
  const raw = one(headers[name]);
  if (raw === undefined) return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest(`Header ${name} must be an integer from ${min} to ${max}, not '${raw}'.`, name, "invalid_value");
  return n;
}

function metadata(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined) return {};
  try {
    const v = JSON.parse(raw) as unknown;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw badRequest("x-portkey-metadata must be a JSON object.", "x-portkey-metadata", "invalid_value");
}
