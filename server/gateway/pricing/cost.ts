/**
 * What a request cost, from its token counts and the model's price, and the token estimate used
 * when a provider reports no usage: about 4 characters per token (OpenAI's rule of thumb for
 * English text; it over-counts code and under-counts CJK), counted on the text that was sent and
 * received. Local models always report usage from their own tokenizer, so this is for clouds.
 */
import type { Usage } from "../../providers/types";
import type { Price } from "./priceTable";

const PER = 1_000_000;
export const CHARS_PER_TOKEN = 4;

export function costOf(price: Price | null, usage: Usage): number | null {
  if (!price) return null;
  const cached = Math.min(usage.prompt_tokens_details?.cached_tokens ?? 0, usage.prompt_tokens);
  const fresh = usage.prompt_tokens - cached;
  return (fresh * price.input + cached * (price.cachedInput ?? price.input) + usage.completion_tokens * price.output) / PER;
}

/** Worst-case cost of a request before it runs, for budget reservations. */
export function maxCostOf(price: Price | null, promptTokens: number, maxOutputTokens: number): number {
  if (!price) return 0;
  return (promptTokens * price.input + maxOutputTokens * price.output) / PER;
}

export function estimateTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Characters of a request's text content (messages, prompt or input), for the estimate. */
export function requestChars(body: unknown): number {
  const b = body as { messages?: unknown; prompt?: unknown; input?: unknown };
  return textChars(b.messages ?? b.prompt ?? b.input);
}

function textChars(v: unknown): number {
  if (typeof v === "string") return v.length;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + textChars(x), 0);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    // Message content, text parts and tool-call arguments; roles and keys are a few tokens each.
    return textChars(o.content) + textChars(o.text) + textChars(o.arguments) + textChars(o.tool_calls) + textChars(o.function) + 4 * CHARS_PER_TOKEN;
  }
  return 0;
}

/**
 * A dollar amount for people (key listings, budget messages): cents, with the digits that matter
 * beyond them ($0.015, not $0.01), and micro-dollars below a cent ($0.000420).
 */
export function formatUsd(v: number): string {
  if (v !== 0 && Math.abs(v) < 0.01) return `$${v.toFixed(6)}`;
  return `$${v.toFixed(6).replace(/(\.\d\d\d*?)0+$/, "$1")}`;
}

/** Formats a cost for the x-faro-cost-usd header and SSE comment. */
export function formatCost(cost: number): string {
  return cost.toFixed(8).replace(/0+$/, "").replace(/\.$/, ".0");
}
