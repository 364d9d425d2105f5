/**
 * The rows of "Faro: Select Model": local GGUF models (context, size, loaded or not) and, for
 * each cloud provider with a key, a few well-known models, in two groups with their context
 * window and prices when the price table knows them. Free of `vscode` so it is unit-tested
 * under plain Node.
 */
import type { ModelInfo, ProviderInfo } from "../server/protocol";
import type { ModelLimits, Price } from "../server/gateway/pricing/priceTable";
import { formatBytes, formatParameters } from "./format";

/** A few models per provider that answer with a key alone (the full lists are long and change). */
export const KNOWN_CLOUD_MODELS: Readonly<Record<string, readonly string[]>> = {
  openai: ["gpt-4o-mini", "gpt-4.1-mini", "gpt-4o", "gpt-5-mini"],
  anthropic: ["claude-3-5-haiku-latest", "claude-haiku-4-5", "claude-sonnet-4-0"],
  gemini: ["gemini-2.0-flash", "gemini-2.5-flash", "gemini-2.5-pro"],
  mistral: ["mistral-small-latest", "mistral-large-latest", "codestral-latest"],
  groq: ["llama-3.1-8b-instant", "llama-3.3-70b-versatile"],
  deepseek: ["deepseek-chat", "deepseek-reasoner"],
  together: ["meta-llama/Llama-3.3-70B-Instruct-Turbo"],
  fireworks: ["accounts/fireworks/models/llama-v3p1-8b-instruct"],
  openrouter: ["openai/gpt-4o-mini", "anthropic/claude-3.5-haiku"],
  xai: ["grok-3-mini", "grok-3"],
};

export type PickRow =
  | { kind: "separator"; label: string }
  | { kind: "model"; label: string; description: string; detail?: string; model: string; current: boolean };

export type PriceOf = (provider: string, model: string) => Price | null;
export type LimitsOf = (provider: string, model: string) => ModelLimits | null;

export function modelPickRows(models: readonly ModelInfo[], defaultModel: string | null, providers: readonly ProviderInfo[], priceOf: PriceOf, limitsOf: LimitsOf = () => null): PickRow[] {
  const rows: PickRow[] = [];
  if (models.length > 0) rows.push({ kind: "separator", label: "Local" });
  for (const m of models) rows.push(localRow(m, defaultModel));
  const cloud = providers.filter((p) => p.id !== "local" && p.hasKey && KNOWN_CLOUD_MODELS[p.id]);
  if (cloud.length > 0) rows.push({ kind: "separator", label: "Cloud" });
  for (const p of cloud) {
    for (const name of KNOWN_CLOUD_MODELS[p.id]!) {
      const id = `${p.id}/${name}`;
      const price = priceOf(p.id, name);
      const limits = limitsOf(p.id, name);
      const parts = [id === defaultModel ? "current" : null, p.id, limits ? `${contextText(limits.context)} context` : null, price ? priceText(price) : null];
      rows.push({ kind: "model", label: id, description: join(parts), model: id, current: id === defaultModel });
    }
  }
  // A cloud default chosen earlier whose provider lost its key still shows, so it can be seen.
  if (defaultModel && !rows.some((r) => r.kind === "model" && r.model === defaultModel)) {
    rows.push({ kind: "model", label: defaultModel, description: "current · not available now", model: defaultModel, current: true });
  }
  return rows;
}

function localRow(m: ModelInfo, defaultModel: string | null): PickRow {
  const f = m.faro;
  const current = m.id === defaultModel;
  const parts = [
    current ? "current" : null,
    f.loaded ? "loaded" : null,
    f.demo ? "demo" : null,
    f.context_length ? `${contextText(f.context_length)} context` : null,
    f.quantization,
    f.parameters === null ? null : `${formatParameters(f.parameters)} params`,
    formatBytes(f.size_bytes),
  ];
  return { kind: "model", label: m.id, description: join(parts), detail: f.path, model: m.id, current };
}

/** "4K", "128K", "1M" tokens: a round thousand as providers write it (128,000: 128K), else in units of 1024 (32,768: 32K). */
export function contextText(tokens: number): string {
  if (tokens >= 1_000_000 && tokens % 1_000_000 === 0) return `${tokens / 1_000_000}M`;
  if (tokens >= 1000 && tokens % 1000 === 0) return `${tokens / 1000}K`;
  if (tokens >= 1024 && tokens % 1024 === 0) return `${tokens / 1024}K`;
  if (tokens >= 1000) return `${Math.round(tokens / 1000)}K`;
  return String(tokens);
}

/** "$0.15 / $0.60 per 1M tokens" (input / output). */
export function priceText(price: Price): string {
  const usd = (n: number) => `$${n % 1 === 0 ? n.toFixed(0) : n < 0.1 ? n.toFixed(3) : n.toFixed(2)}`;
  return `${usd(price.input)} in / ${usd(price.output)} out per 1M tokens`;
}

function join(parts: Array<string | null>): string {
  return parts.filter((p): p is string => p !== null && p !== "").join(" · ");
}
