/**
 * Token prices: the shipped list (prices.json, with the date it was taken) merged with the
 * user's `prices` from config.json. Finds a model's price by `provider/model`, forgiving dated
 * and `-latest` suffixes (gpt-4o-2024-08-06 -> gpt-4o). Local models cost 0 unless the user set
 * `local` or `local/<id>`; a cloud model with no known price has no cost (null), never a guess.
 */
import shipped from "./prices.json";

/** USD per million tokens. `cachedInput` absent: cached input costs the input price. */
export interface Price {
  input: number;
  cachedInput?: number;
  output: number;
}

/** As written in prices.json and config.json. */
export interface PriceEntry {
  input: number;
  cached_input?: number;
  output: number;
}

export const PRICES_TAKEN: string = shipped.taken;

const FREE: Price = { input: 0, output: 0 };

// One trailing piece at a time: -2024-08-06, -20241022, -latest, -001, -preview-05-06, -exp-0827, -0613.
const SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest|\d{3,4}|preview(?:-\d{2}-\d{2})?|exp(?:-\d{4})?|\d{2}-\d{2})$/;

export class PriceTable {
  private readonly prices = new Map<string, Price>();

  constructor(overrides: Readonly<Record<string, PriceEntry>> = {}, base: Readonly<Record<string, PriceEntry>> = shipped.prices) {
    for (const [key, entry] of [...Object.entries(base), ...Object.entries(overrides)]) this.prices.set(key.toLowerCase(), toPrice(entry));
  }

  /** The price of `model` served by `provider`; null when unknown (a cloud model not in the table). */
  find(provider: string, model: string): Price | null {
    const p = provider === "google" ? "gemini" : provider.toLowerCase();
    const m = model.toLowerCase().replace(/^models\//, "");
    if (p === "local") return this.lookup(`local/${m}`) ?? this.prices.get("local") ?? FREE;
    // OpenRouter and friends name models `vendor/model`: their price is the vendor's.
    return this.lookup(`${p}/${m}`) ?? (m.includes("/") ? this.lookup(m) : null);
  }

  /** The cloud models the table prices (`provider/model`, as a request names them), with their price. */
  cloudModels(): Array<{ id: string; price: Price }> {
    return [...this.prices].filter(([id]) => id.includes("/") && !id.startsWith("local/")).map(([id, price]) => ({ id, price }));
  }

  private lookup(key: string): Price | null {
    for (let k = key; ; ) {
      const hit = this.prices.get(k);
      if (hit) return hit;
      const shorter = k.replace(SUFFIX, "");
      if (shorter === k) return null;
      k = shorter;
    }
  }
}

function toPrice(e: PriceEntry): Price {
  return e.cached_input === undefined ? { input: e.input, output: e.output } : { input: e.input, cachedInput: e.cached_input, output: e.output };
}
