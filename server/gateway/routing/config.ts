/**
 * Portkey-compatible routing configs: a tree of targets under strategies (single, fallback,
 * loadbalance, conditional) with retry, timeout and parameter overrides. Teams coming from
 * Portkey reuse their `x-portkey-config` JSON unchanged; validation says exactly what is wrong.
 */
import { z } from "zod";
import { FaroError } from "../../errors";
import { describeIssue, formatParam } from "../schema";
import { targetGuardrailsSchema, type TargetGuardrails } from "../guardrails/policy";
import { routeCacheSchema, type RouteCache } from "../cache/policy";
import { PROVIDER_IDS, familyOf } from "../targets";

export const retrySchema = z.looseObject({
  attempts: z.number().int().min(0).max(10),
  on_status_codes: z.array(z.number().int().min(100).max(599)).optional(),
  use_retry_after_header: z.boolean().optional(),
});

const conditionSchema = z.looseObject({ query: z.record(z.string(), z.unknown()), then: z.string() });

export const strategySchema = z.looseObject({
  mode: z.enum(["single", "fallback", "loadbalance", "conditional"]),
  on_status_codes: z.array(z.number().int().min(100).max(599)).optional(),
  conditions: z.array(conditionSchema).optional(),
  default: z.string().optional(),
});

export interface TargetConfig {
  name?: string;
  provider?: string;
  api_key?: string;
  virtual_key?: string;
  custom_host?: string;
  weight?: number;
  override_params?: Record<string, unknown>;
  retry?: z.infer<typeof retrySchema>;
  request_timeout?: number;
  strategy?: z.infer<typeof strategySchema>;
  targets?: TargetConfig[];
  resource_name?: string;
  deployment_id?: string;
  api_version?: string;
  /** PII mode, restore and output checks for this node and the targets under it. */
  guardrails?: TargetGuardrails;
  /** Response cache for requests under this config (top level only). */
  cache?: RouteCache;
}

export const targetSchema: z.ZodType<TargetConfig> = z.lazy(() =>
  z.looseObject({
    name: z.string().optional(),
    provider: z.string().min(1).optional(),
    api_key: z.string().optional(),
    virtual_key: z.string().optional(),
    custom_host: z.string().url().optional(),
    weight: z.number().min(0).optional(),
    override_params: z.record(z.string(), z.unknown()).optional(),
    retry: retrySchema.optional(),
    request_timeout: z.number().int().min(1).optional(),
    strategy: strategySchema.optional(),
    targets: z.array(targetSchema).min(1).optional(),
    resource_name: z.string().optional(),
    deployment_id: z.string().optional(),
    api_version: z.string().optional(),
    guardrails: targetGuardrailsSchema.optional(),
    cache: routeCacheSchema.optional(),
  }),
);

/** Parses a config from JSON text or an object; `source` names it in errors (a header, a file). */
export function parseConfig(input: unknown, source: string): TargetConfig {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw invalid(`${source} is not valid JSON (${(err as Error).message}).`, source);
    }
  }
  const result = targetSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw invalid(`${source}: ${describeIssue(issue, value)}`, formatParam(issue.path) ? `${source}.${formatParam(issue.path)}` : source);
  }
  checkTree(result.data, source);
  return result.data;
}

function checkTree(node: TargetConfig, path: string): void {
  // A typo in a provider stops the config where it is read (at start-up for config.json), not per request.
  if (node.provider !== undefined && !familyOf(node.provider)) {
    throw new FaroError(`${path}: unknown provider '${node.provider}'. Known: ${PROVIDER_IDS.join(", ")}.`, { status: 400, type: "invalid_request_error", code: "unknown_provider", param: `${path}.provider` });
  }
  if (node.virtual_key) throw invalid(`${path}: Portkey virtual keys are not used by Faro; give api_key or set the provider's key in Faro.`, `${path}.virtual_key`);
  const mode = node.strategy?.mode;
  if (node.targets && !node.strategy) throw invalid(`${path}: targets need a strategy ({"mode": "fallback" | "loadbalance" | "conditional"}).`, `${path}.strategy`);
  if (mode === "conditional") {
    const names = new Set(node.targets?.map((t) => t.name).filter(Boolean));
    for (const [i, c] of (node.strategy?.conditions ?? []).entries()) {
      if (!names.has(c.then)) throw invalid(`${path}: condition ${i} points to '${c.then}', which no target is named.`, `${path}.strategy.conditions[${i}].then`);
    }
    if (node.strategy?.default && !names.has(node.strategy.default)) throw invalid(`${path}: default '${node.strategy.default}' is not a target name.`, `${path}.strategy.default`);
  }
  node.targets?.forEach((t, i) => checkTree(t, `${path}.targets[${i}]`));
}

function invalid(message: string, param: string): FaroError {
  return new FaroError(message, { status: 400, type: "invalid_request_error", code: "invalid_config", param });
}
