/**
 * Token prices and cloud models' limits: the shipped list (prices.json, with the date it was
 * taken) merged with the user's `prices` from config.json. Finds a model's entry by
 * `provider/model`, forgiving dated and `-latest` suffixes (gpt-4o-2024-08-06 -> gpt-4o). Local
 * models cost 0 unless the user set `local` or `local/<id>`; a cloud model with no known price
 * has no cost (null), and one with no known window no limits (null), never a guess.
 */
import shipped from "./prices.json";

/** USD per million tokens. `cachedInput` absent: cached input costs the input price. */
export interface Price {
  input: number;
  cachedInput?: number;
  output: number;
}

/** A cloud model's context window (input and output together) and, when its provider says, the most tokens one answer may have. */
export interface ModelLimits {
  context: number;
  maxOutput: number | null;
}

/** As written in prices.json and config.json. */
export interface PriceEntry {
  input: number;
  cached_input?: number;
  output: number;
  /** Context window in tokens. */
  context?: number;
  /** The most output tokens one answer may have. */
  max_output?: number;
}

interface Entry {
  price: Price;
  limits: ModelLimits | null;
}

export const PRICES_TAKEN: string = shipped.taken;

const FREE: Price = { input: 0, output: 0 };

// One trailing piece at a time: -2024-08-06, -20241022, -latest, -001, -preview-05-06, -exp-0827, -0613.
const SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest|\d{3,4}|preview(?:-\d{2}-\d{2})?|exp(?:-\d{4})?|\d{2}-\d{2})$/;

export class PriceTable {
  private readonly entries = new Map<string, Entry>();

  constructor(overrides: Readonly<Record<string, PriceEntry>> = {}, base: Readonly<Record<string, PriceEntry>> = shipped.prices) {
    for (const [key, entry] of Object.entries(base)) this.entries.set(key.toLowerCase(), toEntry(entry, null));
    // A user's new price for a shipped model keeps the shipped window unless it gives its own.
    for (const [key, entry] of Object.entries(overrides)) this.entries.set(key.toLowerCase(), toEntry(entry, this.entries.get(key.toLowerCase())?.limits ?? null));
  }

  /** The price of `model` served by `provider`; null when unknown (a cloud model not in the table). */
  find(provider: string, model: string): Price | null {
    const p = providerKey(provider);
    const m = modelKey(model);
    if (p === "local") return this.lookup(`local/${m}`)?.price ?? this.entries.get("local")?.price ?? FREE;
    return this.entry(p, m)?.price ?? null;
  }

  /**
   * A cloud model's context window and output cap, found as its price is; null when the table
   * does not know them (local models' windows come from their GGUF files, not from here).
   */
  limits(provider: string, model: string): ModelLimits | null {
    const p = providerKey(provider);
    return p === "local" ? null : (this.entry(p, modelKey(model))?.limits ?? null);
  }

  /** The cloud models the table prices (`provider/model`, as a request names them), with their price and limits. */
  cloudModels(): Array<{ id: string; price: Price; limits: ModelLimits | null }> {
    return [...this.entries].filter(([id]) => id.includes("/") && !id.startsWith("local/")).map(([id, e]) => ({ id, price: e.price, limits: e.limits }));
  }

  private entry(p: string, m: string): Entry | null {
    // OpenRouter and friends name models `vendor/model`: their price is the vendor's.
    return this.lookup(`${p}/${m}`) ?? (m.includes("/") ? this.lookup(m) : null);
  }

  private lookup(key: string): Entry | null {
    for (let k = key; ; ) {
      const hit = this.entries.get(k);
      if (hit) return hit;
      const shorter = k.replace(SUFFIX, "");
      if (shorter === k) return null;
      k = shorter;
    }
  }
}

const providerKey = (provider: string): string => (provider === "google" ? "gemini" : provider.toLowerCase());
const modelKey = (model: string): string => model.toLowerCase().replace(/^models\//, "");

function toEntry(e: PriceEntry, inherited: ModelLimits | null): Entry {
  const price: Price = e.cached_input === undefined ? { input: e.input, output: e.output } : { input: e.input, cachedInput: e.cached_input, output: e.output };
  const context = e.context ?? inherited?.context;
  const limits: ModelLimits | null = context === undefined ? null : { context, maxOutput: e.max_output ?? (e.context === undefined ? (inherited?.maxOutput ?? null) : null) };
  return { price, limits };
}
