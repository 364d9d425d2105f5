/**
 * Checks of the frontmatter against Dotprompt's keys, Faro's config mapping and the live model
 * list: unknown keys, wrong types, values out of range for the model, models that do not exist.
 */
import { isMap, isScalar, isSeq, type Node as YamlNode, type Pair } from "yaml";
import type { ModelInfo } from "../protocol";
import type { ModelLimits } from "../gateway/pricing/priceTable";
import { familyOf, PROVIDER_IDS } from "../gateway/targets";
import { nodeSpan, resolved, topPair, type Frontmatter } from "./document";
import { CONFIG_KEYS, FARO_KEYS, INPUT_KEYS, nearest, OUTPUT_KEYS, sentTo, TOP_LEVEL_KEYS, type KeySpec } from "./keys";
import type { Problem, Severity } from "./problems";
import { checkTools } from "./tools";

export interface FrontmatterFacts {
  /** The `model` value when it is a string. */
  model: string | null;
  /** The catalog entry `model` resolves to (`default` included), when the catalog is known. */
  resolvedModel: ModelInfo | null;
  /** The model's context window: a local model's from its file, a cloud model's from the price table; null when unknown. */
  window: ContextWindow | null;
  maxOutputTokens: number | null;
}

/** A model's window as the checks need it, whichever side the model runs on. */
export interface ContextWindow {
  /** The model as the prompt names it (`default` resolved). */
  id: string;
  context: number;
  /** The most tokens one answer may have; null when not known (local models: the window is the cap). */
  maxOutput: number | null;
}

/** Where cloud models' windows come from (the gateway's PriceTable). */
export interface CloudLimits {
  limits(provider: string, model: string): ModelLimits | null;
}

export function checkFrontmatter(fm: Frontmatter, models: readonly ModelInfo[] | null, defaultModel: string | null, out: Problem[], aliases: readonly string[] = [], cloud: CloudLimits | null = null): FrontmatterFacts {
  const facts: FrontmatterFacts = { model: null, resolvedModel: null, window: null, maxOutputTokens: null };
  const push = (n: YamlNode | null | undefined, severity: Severity, code: string, message: string, data?: unknown) => {
    const span = nodeSpan(fm, n);
    if (span) out.push({ ...span, severity, code, message, ...(data === undefined ? {} : { data }) });
  };
  const root = fm.yaml.contents;
  if (root === null || (isScalar(root) && root.value === null)) return facts;
  if (!isMap(root)) {
    push(root, "error", "frontmatter-not-mapping", "The frontmatter must be a YAML mapping of keys (model, config, input, ...).");
    return facts;
  }
  for (const pair of root.items as Pair<YamlNode, YamlNode | null>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : null;
    if (key === null) continue;
    if (key === "faro") {
      push(pair.key, "warning", "unknown-key", "Dotprompt drops a nested 'faro:' mapping; write dotted keys such as 'faro.fallbacks:' so they reach ext.faro.");
    } else if (key.startsWith("faro.")) {
      const spec = FARO_KEYS[key];
      if (!spec) {
        const suggestions = nearest(key, FARO_KEY_NAMES);
        push(pair.key, "warning", "unknown-key", `Unknown Faro key '${key}'.${didYouMean(suggestions)} Faro keys: ${FARO_KEY_NAMES.join(", ")}.`, { suggestions });
      }
      else checkValue(fm, key, spec, pair, push);
    } else if (key.includes(".")) {
      // Another tool's namespaced key: Dotprompt keeps it in ext; not Faro's to judge.
    } else if (TOP_LEVEL_KEYS[key]) {
      checkValue(fm, key, TOP_LEVEL_KEYS[key], pair, push);
    } else {
      const suggestions = nearest(key, TOP_LEVEL_KEY_NAMES);
      push(pair.key, "warning", "unknown-key", `Unknown frontmatter key '${key}': Dotprompt ignores it.${didYouMean(suggestions)} Namespace your own keys (e.g. 'myapp.${key}') to keep them in ext.`, { suggestions });
    }
  }

  const modelNode = topPair(fm, "model")?.value;
  const model = resolved(fm, modelNode);
  if (modelNode && isScalar(model) && typeof model.value === "string") {
    facts.model = model.value;
    facts.resolvedModel = checkModel(facts.model, modelNode, models, defaultModel, aliases, push);
  }
  const fallbacks = resolved(fm, topPair(fm, "faro.fallbacks")?.value);
  if (isSeq(fallbacks)) {
    for (const item of fallbacks.items as YamlNode[]) {
      const id = resolved(fm, item);
      if (isScalar(id) && typeof id.value === "string") checkModel(id.value, item, models, defaultModel, aliases, push);
    }
  }
  const wanted = facts.model === "default" ? defaultModel : facts.model;
  const provider = cloudProvider(wanted);
  facts.window = windowOf(facts.resolvedModel, wanted, provider, cloud);
  facts.maxOutputTokens = checkConfig(fm, facts.window, provider, push);
  checkSubKeys(fm, topPair(fm, "input")?.value, "input", INPUT_KEYS, push);
  checkSubKeys(fm, topPair(fm, "output")?.value, "output", OUTPUT_KEYS, push);
  checkTools(fm, out);
  return facts;
}

type Push = (n: YamlNode | null | undefined, severity: Severity, code: string, message: string, data?: unknown) => void;

const TOP_LEVEL_KEY_NAMES = Object.keys(TOP_LEVEL_KEYS);
const FARO_KEY_NAMES = Object.keys(FARO_KEYS);
const CONFIG_KEY_NAMES = Object.keys(CONFIG_KEYS);

/** The sentence for the nearest candidate (the first of nearest()'s list, computed once for the message and the quick fix). */
function didYouMean(suggestions: readonly string[]): string {
  return suggestions[0] ? ` Did you mean '${suggestions[0]}'?` : "";
}

/**
 * The cloud provider a `provider/model` id names (the gateway sends it to that provider's API,
 * whatever the local catalog holds), or null for a local id. `local/x` is the local model x.
 */
export function cloudProvider(id: string | null): string | null {
  const slash = id?.indexOf("/") ?? -1;
  if (!id || slash <= 0 || slash === id.length - 1) return null;
  const provider = id.slice(0, slash);
  return provider !== "local" && familyOf(provider) !== null ? provider : null;
}

function windowOf(local: ModelInfo | null, wanted: string | null, provider: string | null, cloud: CloudLimits | null): ContextWindow | null {
  if (local) return local.faro.context_length ? { id: local.id, context: local.faro.context_length, maxOutput: null } : null;
  if (!wanted || !provider || !cloud) return null;
  const limits = cloud.limits(provider, wanted.slice(provider.length + 1));
  return limits ? { id: wanted, context: limits.context, maxOutput: limits.maxOutput } : null;
}

/** A local model's id without its optional `local/` prefix. */
export const localId = (id: string): string => (id.startsWith("local/") ? id.slice("local/".length) : id);

function checkModel(id: string, node: YamlNode, models: readonly ModelInfo[] | null, defaultModel: string | null, aliases: readonly string[], push: Push): ModelInfo | null {
  if (!models) return null; // the catalog is not known yet: no verdict rather than a wrong one
  const wanted = id === "default" ? defaultModel : id;
  if (cloudProvider(wanted)) return null; // a cloud model: its provider's catalog is not Faro's to check
  if (wanted !== null && aliases.includes(wanted)) return null; // the user's alias: the gateway resolves it
  const local = wanted === null ? null : localId(wanted);
  const found = models.find((m) => m.id === local) ?? null;
  if (found) return found;
  if (id === "default") {
    push(node, "error", "model-unknown", "'default' stands for no model: none is available. Add a .gguf file to a models folder.");
    return null;
  }
  const ids = [...models.map((m) => m.id), ...aliases];
  const suggestions = nearest(id, ids);
  const list = ids.length ? ` Available: ${ids.slice(0, 8).join(", ")}${ids.length > 8 ? ", …" : ""}.` : " No models are available.";
  const slash = id.indexOf("/");
  const prefix = slash > 0 ? id.slice(0, slash) : null;
  const providers = prefix && prefix !== "local" ? ` '${prefix}' is not a provider Faro knows (${PROVIDER_IDS.join(", ")}).` : "";
  push(node, "error", "model-unknown", `Model '${id}' is not available.${providers}${list}`, { suggestions: suggestions.length ? suggestions : ids.slice(0, 3).concat("default") });
  return null;
}

/** Config values a provider's API takes in a narrower range than the key's own (Anthropic: temperature 0 to 1). */
const PROVIDER_RANGES: Record<string, Record<string, { min: number; max: number }>> = {
  anthropic: { temperature: { min: 0, max: 1 } },
};

function checkConfig(fm: Frontmatter, window: ContextWindow | null, provider: string | null, push: Push): number | null {
  const family = provider ? familyOf(provider) : null;
  const narrower = family ? PROVIDER_RANGES[family] : undefined;
  const config = resolved(fm, topPair(fm, "config")?.value);
  if (!isMap(config)) return null;
  let maxOutputTokens: number | null = null;
  for (const pair of config.items as Pair<YamlNode, YamlNode | null>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    const spec = CONFIG_KEYS[key];
    if (!spec) {
      const suggestions = nearest(key, CONFIG_KEY_NAMES);
      push(pair.key, "warning", "config-unknown", `Faro does not know the config key '${key}', so it is not applied.${didYouMean(suggestions)}`, { suggestions });
      continue;
    }
    if (!checkValue(fm, key, spec, pair, push)) continue;
    if (!sentTo(spec, provider)) push(pair.key, "info", "ignored-by-faro", `'${key}' is left out for ${provider} models: their API has no ${spec.openai}.`);
    const range = narrower?.[key];
    const value = resolved(fm, pair.value);
    if (range && isScalar(value) && typeof value.value === "number" && (value.value < range.min || value.value > range.max)) {
      push(pair.value, "error", "config-range", `'${key}' must be from ${range.min} to ${range.max} for ${provider} models, not ${value.value}.`);
      continue;
    }
    if (key === "maxOutputTokens" && isScalar(value)) {
      maxOutputTokens = Number(value.value);
      if (window && maxOutputTokens > window.context) {
        push(pair.value, "error", "config-range", `maxOutputTokens ${maxOutputTokens} is beyond the context window of '${window.id}' (${window.context} tokens).`);
      } else if (window?.maxOutput && maxOutputTokens > window.maxOutput) {
        push(pair.value, "error", "config-range", `maxOutputTokens ${maxOutputTokens} is beyond the most '${window.id}' writes in one answer (${window.maxOutput} tokens).`);
      }
    }
  }
  return maxOutputTokens;
}

function checkSubKeys(fm: Frontmatter, written: YamlNode | null | undefined, parent: string, keys: Record<string, KeySpec>, push: Push): void {
  const node = resolved(fm, written);
  if (!isMap(node)) return;
  for (const pair of node.items as Pair<YamlNode, YamlNode | null>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    const spec = keys[key];
    if (!spec) {
      const suggestions = nearest(key, Object.keys(keys));
      push(pair.key, "warning", "unknown-key", `Unknown key '${parent}.${key}'.${didYouMean(suggestions)} Known: ${Object.keys(keys).join(", ")}.`, { suggestions });
    } else if (spec.kind !== "schema") checkValue(fm, `${parent}.${key}`, spec, pair, push);
  }
}

/** Type and range of one value; false when it is wrong (so later checks skip it). */
function checkValue(fm: Frontmatter, key: string, spec: KeySpec, pair: Pair<YamlNode, YamlNode | null>, push: Push): boolean {
  // An alias is judged by the value it stands for, and reported where it is written.
  const node = resolved(fm, pair.value);
  const target = pair.value ?? pair.key;
  if (spec.computed) {
    push(pair.key, "warning", "key-computed", `'${key}' is computed by Dotprompt while parsing; the value written here is replaced.`);
    return false;
  }
  // A collection's JS value is built only for a message (the input mapping is large, and checked on every keystroke).
  const value: unknown = isScalar(node) ? node.value : node ? undefined : null;
  const shown = () => describe(isScalar(node) || !node ? value : node.toJSON());
  const wrong = (expected: string) => {
    push(target, "error", "wrong-type", `'${key}' must be ${expected}, not ${shown()}.`);
    return false;
  };
  switch (spec.kind) {
    case "string":
      if (typeof value !== "string") return wrong("a string");
      break;
    case "boolean":
      if (typeof value !== "boolean") return wrong("true or false");
      break;
    case "object":
      if (!isMap(node)) return wrong("a mapping");
      break;
    case "string[]":
      if (!isSeq(node) || !(node.items as YamlNode[]).every((i) => { const r = resolved(fm, i); return isScalar(r) && typeof r.value === "string"; })) return wrong("a list of strings");
      if (spec.max !== undefined && node.items.length > spec.max) {
        push(target, "error", "config-range", `'${key}' takes at most ${spec.max} entries, not ${node.items.length}.`);
        return false;
      }
      break;
    case "number":
    case "integer":
      if (typeof value !== "number" || !Number.isFinite(value)) return wrong(spec.kind === "integer" ? "an integer" : "a number");
      if (spec.kind === "integer" && !Number.isInteger(value)) return wrong("an integer");
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        const range = spec.max === undefined ? `at least ${spec.min}` : spec.min === undefined ? `at most ${spec.max}` : `from ${spec.min} to ${spec.max}`;
        push(target, "error", "config-range", `'${key}' must be ${range}, not ${value}.`);
        return false;
      }
      break;
    default:
      break;
  }
  if (spec.values && !spec.openValues && !spec.values.includes(value as string | number)) {
    push(target, "error", "wrong-value", `'${key}' must be one of ${spec.values.join(", ")}, not ${shown()}.`);
    return false;
  }
  if (spec.values && typeof value === "string" && !spec.values.includes(value)) {
    // Open values are allowed on purpose; one a typo away from a known value is most likely that typo.
    const suggestions = nearest(value, spec.values.map(String));
    if (suggestions.length) push(target, "warning", "value-unknown", `'${value}' is not a value Faro knows for '${key}' (${spec.values.join(", ")}).${didYouMean(suggestions)}`, { suggestions });
  }
  return true;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "empty";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}
