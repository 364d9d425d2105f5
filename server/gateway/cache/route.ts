/**
 * Where a request goes, as the cache keys it: the model name resolved through `default` and
 * aliases to its target (so `fast`, `local/tiny` and `tiny` share entries), or the routing config
 * it brought. Keys, retries and timeouts are left out: they do not change the answer.
 */
import type { Gateway } from "../gateway";
import { DEFAULT_MODEL_ALIAS } from "../gateway";
import type { TargetConfig } from "../routing/config";
import type { RoutingHints } from "../routing/headers";
import type { Addressed } from "../virtualKeys/admission";
import { configForModel } from "../targets";
import { canonical } from "./key";

export interface Route {
  /** Canonical text of the target(s), part of every key. */
  id: string;
  /** Readable: `provider/model` for one target, `config` for a routing tree (the `model` column). */
  label: string;
  /** The model name the request used, `default` resolved; null when a routing config came with it. */
  name: string | null;
  /** Where the name points when that is one target (as the gateway's admission sees it), else null. */
  target: Addressed | null;
}

const NOT_OUTPUT = new Set(["api_key", "virtual_key", "retry", "request_timeout", "cache"]);

export async function resolveRoute(gateway: Pick<Gateway, "defaultModelId" | "routing">, model: string, hints: RoutingHints): Promise<Route> {
  // x-portkey-custom-host points every cloud target elsewhere: another server, maybe another answer.
  const host = hints.customHost ? { custom_host: hints.customHost } : {};
  if (hints.config) {
    const tree = strip(hints.config);
    const id = canonical({ config: tree, model, ...host, ...(usesConditions(tree) ? { metadata: hints.metadata } : {}) });
    return { id, label: "config", name: null, target: null };
  }
  let name = model;
  if (model === DEFAULT_MODEL_ALIAS) {
    // An unknown default is the gateway's error to report; keep the name so the miss reaches it.
    name = (await gateway.defaultModelId()) ?? model;
  }
  const config = strip(configForModel(name, gateway.routing, hints));
  const target = typeof config.override_params?.model === "string" ? config.override_params.model : name;
  const one = config.provider && !config.targets ? { provider: config.provider, model: target } : null;
  const label = one ? `${one.provider}/${one.model}` : "config";
  // With the model fixed by the target, the name the client used (an alias) does not matter.
  const named = typeof config.override_params?.model === "string" ? {} : { model: name };
  const id = canonical({ config, ...named, ...host, ...(usesConditions(config) ? { metadata: hints.metadata } : {}) });
  return { id, label, name, target: one };
}

function strip(node: TargetConfig): TargetConfig {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (NOT_OUTPUT.has(k)) continue;
    out[k] = k === "targets" && Array.isArray(v) ? v.map((t: TargetConfig) => strip(t)) : v;
  }
  return out as TargetConfig;
}

/** A conditional strategy picks its target from metadata: then metadata is part of the route. */
function usesConditions(node: TargetConfig): boolean {
  return node.strategy?.mode === "conditional" || (node.targets ?? []).some(usesConditions);
}
