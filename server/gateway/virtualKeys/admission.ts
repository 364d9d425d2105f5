/**
 * Admission for requests that present a virtual key: before a request leaves, the model must
 * be allowed (403), the period's budget must cover the request's worst case (429 until the
 * period resets), and the last minute's requests and tokens must leave room (429 with
 * Retry-After). Admission reserves what it let through (a window entry for rpm/tpm, the
 * worst-case cost for the budget) in the same synchronous step as the check, so N parallel
 * requests cannot all slip under a limit; when the response is over, the reservation is replaced
 * by the actual tokens and cost, and the spend is written to virtual_key_usage.
 */
import { FaroError } from "../../errors";
import { requestCost, type RequestRecord } from "../requestRecord";
import type { VirtualKeyRow } from "../../store/virtualKeys";
import { estimateTokens, formatUsd, maxCostOf, requestChars } from "../pricing/cost";
import type { PriceTable } from "../pricing/priceTable";
import { isLocalServer } from "../../providers/openai/presets";
import { dayOf, periodEnd, periodStart } from "./periods";
import { RateWindow, type WindowEntry } from "./rateWindow";
import type { VirtualKeys } from "./virtualKeys";

/** Output tokens a request without max_tokens reserves against tpm and the budget. */
export const DEFAULT_OUTPUT_RESERVE = 1024;
/** Less than this is float crumbs of reservations added and taken back, not money held. */
const CRUMB_USD = 1e-12;

interface Ticket {
  key: VirtualKeyRow;
  requested: string | null;
  promptTokens: number;
  outputTokens: number;
  reservedUsd: number;
  entry: WindowEntry | null;
  /** Answered from the response cache: a request of the key's, with no tokens or cost of its own. */
  cached: boolean;
}

export interface Addressed {
  provider: string;
  model: string;
}

export class KeyAdmission {
  private readonly tickets = new Map<string, Ticket>();
  private readonly windows = new Map<string, RateWindow>();
  private readonly reserved = new Map<string, number>();

  constructor(
    readonly keys: VirtualKeys,
    private readonly prices: PriceTable,
    private readonly now: () => number = Date.now,
  ) {}

  /** A request presented `secret`: it is checked now and bound to the request (401 if unknown or revoked). */
  authenticate(secret: string, record: RequestRecord): void {
    const key = this.keys.authenticate(secret);
    record.virtualKeyId = key.id;
    this.tickets.set(record.id, { key, requested: null, promptTokens: 0, outputTokens: 0, reservedUsd: 0, entry: null, cached: false });
  }

  /**
   * Before the request leaves. `target`: where the model name points when that is known without
   * running a routing config; each target actually tried is checked again by `atTarget`.
   */
  admit(requestId: string, requested: string | null, target: Addressed | null, body: unknown): void {
    const t = this.tickets.get(requestId);
    if (!t || t.entry) return;
    const key = t.key;
    t.requested = requested;
    if (target) this.checkModel(t, target);
    const b = body as { max_tokens?: unknown; max_completion_tokens?: unknown; input?: unknown; n?: unknown };
    t.promptTokens = estimateTokens(requestChars(body));
    const max = typeof b.max_completion_tokens === "number" ? b.max_completion_tokens : typeof b.max_tokens === "number" ? b.max_tokens : null;
    // Each of the n choices may be max_tokens long, and the provider bills them all.
    const choices = typeof b.n === "number" && b.n > 1 ? b.n : 1;
    t.outputTokens = (max ?? (b.input !== undefined ? 0 : DEFAULT_OUTPUT_RESERVE)) * choices;
    const tokens = t.promptTokens + t.outputTokens;
    const now = this.now();
    const window = this.window(key.id);
    const load = this.checkRequests(key, window, now);
    if (key.tpm !== null) {
      if (tokens > key.tpm) {
        throw rateLimited(
          `This request needs about ${tokens} tokens (${t.promptTokens} estimated prompt + ${t.outputTokens} max output) but virtual key '${key.name}' allows ${key.tpm} tokens per minute: lower max_tokens.`,
          null,
        );
      }
      if (load.tokens + tokens > key.tpm) {
        const wait = window.waitForTokens(load.tokens + tokens - key.tpm, now);
        throw rateLimited(`Rate limit reached for virtual key '${key.name}': ${key.tpm} tokens per minute (${load.tokens} used in the last minute, this request needs about ${tokens}).`, wait);
      }
    }
    const cost = target ? this.worstCase(t, target) : 0;
    if (key.budgetUsd !== null) this.checkBudget(key, cost, 0, now);
    t.entry = window.add(now, tokens);
    t.reservedUsd = cost;
    this.hold(key.id, cost);
  }

  /** Each target the routing tries: its model must be allowed; the reservation takes its price. */
  atTarget(requestId: string, target: Addressed): void {
    const t = this.tickets.get(requestId);
    if (!t) return;
    this.checkModel(t, target);
    if (!t.entry) return;
    const cost = this.worstCase(t, target);
    // With a routing config the price is first known here: admit checked the budget at no cost,
    // so without this check any number of parallel requests would slip under it.
    if (t.key.budgetUsd !== null && cost > t.reservedUsd) this.checkBudget(t.key, cost, t.reservedUsd, this.now());
    this.hold(t.key.id, cost - t.reservedUsd);
    t.reservedUsd = cost;
  }

  /**
   * Before Faro spends anything on the request's behalf ahead of admit (the semantic cache's
   * embedding may be a paid cloud call): the refusals no cache lookup can change, the model
   * (`target`, when known), rpm and a budget already spent. Reserves nothing: admit, or
   * atCachedAnswer for a hit, still takes the request's share.
   */
  beforeSpending(requestId: string, requested: string | null, target: Addressed | null): void {
    const t = this.tickets.get(requestId);
    if (!t || t.entry) return;
    t.requested = requested;
    if (target) this.checkModel(t, target);
    const now = this.now();
    this.checkRequests(t.key, this.window(t.key.id), now);
    if (t.key.budgetUsd !== null) this.checkSpent(t.key, now);
  }

  /**
   * A cache hit sends nothing and spends nothing, but the key must still be allowed the model
   * whose stored answer it gets (an allow-list is about which models' answers a key may read),
   * and it is still one of the key's requests per minute: it takes a window entry of no tokens.
   */
  atCachedAnswer(requestId: string, requested: string | null, answered: Addressed): void {
    const t = this.tickets.get(requestId);
    if (!t) return;
    t.requested = requested;
    this.checkModel(t, answered);
    if (t.entry) return;
    const now = this.now();
    const window = this.window(t.key.id);
    this.checkRequests(t.key, window, now);
    t.entry = window.add(now, 0);
    t.cached = true;
  }

  /** The response is over: actual tokens replace the estimate, the spend is recorded, the reservation freed. */
  settle(record: RequestRecord): void {
    const t = this.tickets.get(record.id);
    if (!t) return;
    this.tickets.delete(record.id);
    if (t.entry) this.hold(t.key.id, -t.reservedUsd);
    const day = dayOf(this.now());
    // A cache hit: its entry stays in the window at no tokens; the usage counts the request, not
    // the replayed tokens, and what a cloud embedding for the lookup cost.
    if (t.cached) return this.keys.store.addUsage(t.key.id, day, 0, 0, record.extraCostUsd);
    const window = this.window(t.key.id);
    if (!t.entry || record.upstreamStartedAt === null) {
      // Refused before anything was sent (a limit, a model not allowed, bad parameters): it used
      // nothing of the window, but a semantic cache lookup may have paid for an embedding first.
      if (t.entry) window.remove(t.entry);
      if (record.extraCostUsd > 0) this.keys.store.addUsage(t.key.id, day, 0, 0, record.extraCostUsd);
      return;
    }
    const prompt = record.promptTokens ?? 0;
    const completion = record.completionTokens ?? 0;
    if (record.promptTokens !== null || record.completionTokens !== null) window.correct(t.entry, prompt + completion);
    this.keys.store.addUsage(t.key.id, day, prompt, completion, requestCost(record) ?? 0);
  }

  /**
   * The most the request can cost at `target`. A model with no known price would cost nothing
   * here and in the spend, so a key with a budget could use it without limit: it is refused.
   */
  private worstCase(t: Ticket, target: Addressed): number {
    const price = this.prices.find(target.provider, target.model);
    // A local server (Ollama, LM Studio...) runs on this machine: free, as the local engine is.
    if (!price && t.key.budgetUsd !== null && !isLocalServer(target.provider)) {
      throw new Refusal(
        `Virtual key '${t.key.name}' has a budget, and Faro knows no price for ${target.provider}/${target.model}, so its spend could not be counted. Add the model's price to "prices" in config.json, or use a key without a budget.`,
        { status: 403, type: "permission_error", code: "model_unpriced", param: "model" },
      );
    }
    return maxCostOf(price, t.promptTokens, t.outputTokens);
  }

  /** The window's load, after refusing the request (429) when it holds `rpm` requests already. */
  private checkRequests(key: VirtualKeyRow, window: RateWindow, now: number): { requests: number; tokens: number } {
    const load = window.load(now);
    if (key.rpm !== null && load.requests >= key.rpm) {
      const wait = window.waitForRequests(load.requests - key.rpm + 1, now);
      throw rateLimited(`Rate limit reached for virtual key '${key.name}': ${key.rpm} requests per minute.`, wait);
    }
    return load;
  }

  /** `own`: what this request already holds of the reservations (it asks for `cost` instead). */
  private checkBudget(key: VirtualKeyRow, cost: number, own: number, now: number): void {
    const budget = key.budgetUsd!;
    const spent = this.checkSpent(key, now);
    const others = (this.reserved.get(key.id) ?? 0) - own;
    const reserved = others < CRUMB_USD ? 0 : others;
    if (spent + reserved + cost > budget) {
      const { period, resets, untilReset } = budgetTerms(key, now);
      // Requests in flight hold part of the budget: when they finish, theirs is released.
      const wait = reserved > 0 ? 1000 : untilReset;
      throw overBudget(
        `Virtual key '${key.name}' has ${formatUsd(budget - spent)} left of its ${formatUsd(budget)} budget ${period}` +
          (reserved > 0 ? `, ${formatUsd(reserved)} of it held by requests in flight,` : "") +
          ` and this request could cost up to ${formatUsd(cost)}: lower max_tokens, or wait. ${resets}`,
        wait,
      );
    }
  }

  /** What the key spent this period, after refusing the request (429) when that is the whole budget. */
  private checkSpent(key: VirtualKeyRow, now: number): number {
    const budget = key.budgetUsd!;
    const spent = this.keys.store.spendSince(key.id, periodStart(key.period, now));
    if (spent >= budget) {
      const { period, resets, untilReset } = budgetTerms(key, now);
      throw overBudget(`Virtual key '${key.name}' has used its budget of ${formatUsd(budget)} ${period} (${formatUsd(spent)} spent). ${resets}`, untilReset);
    }
    return spent;
  }

  private checkModel(t: Ticket, target: Addressed): void {
    const allowed = t.key.models;
    if (!allowed || modelAllowed(allowed, t.requested, target)) return;
    throw new Refusal(
      `Virtual key '${t.key.name}' may not use the model '${t.requested ?? target.model}' (${target.provider}/${target.model}). Allowed: ${allowed.join(", ")}.`,
      { status: 403, type: "permission_error", code: "model_not_allowed", param: "model" },
    );
  }

  /**
   * Adds `usd` to what the key's requests in flight hold. Adding and taking back the same floats
   * in another order leaves crumbs (3e-21) that must not count, or a key whose requests have all
   * finished would still be told to wait for them.
   */
  private hold(keyId: string, usd: number): void {
    const held = (this.reserved.get(keyId) ?? 0) + usd;
    if (Math.abs(held) < CRUMB_USD) this.reserved.delete(keyId);
    else this.reserved.set(keyId, held);
  }

  private window(keyId: string): RateWindow {
    let w = this.windows.get(keyId);
    if (!w) this.windows.set(keyId, (w = new RateWindow()));
    return w;
  }
}

/** An entry allows a model by the name the request used, by `provider/model`, by a local id, or `provider/*`. */
export function modelAllowed(allowed: readonly string[], requested: string | null, target: Addressed): boolean {
  const full = `${target.provider}/${target.model}`;
  return allowed.some(
    (a) => a === requested || a === full || (target.provider === "local" && a === target.model) || (a.endsWith("/*") && full.startsWith(a.slice(0, -1))),
  );
}

/** How a refusal names the key's budget period and when it resets. */
function budgetTerms(key: VirtualKeyRow, now: number): { period: string; resets: string; untilReset: number | null } {
  const end = periodEnd(key.period, now);
  return {
    period: key.period === "total" ? "total" : `per ${key.period}`,
    resets: end === null ? "It is a total budget: raise it with a new key." : `It resets at ${new Date(end).toISOString()}.`,
    untilReset: end === null ? null : end - now,
  };
}

/**
 * A key's limit refused the request before anything was sent. Not an UpstreamError, so the
 * executor does not count it against the provider's circuit breaker.
 */
export class Refusal extends FaroError {}

function rateLimited(message: string, waitMs: number | null): FaroError {
  return new Refusal(message, { status: 429, type: "rate_limit_error", code: "rate_limit_exceeded", headers: retryHeaders(waitMs) });
}

function overBudget(message: string, waitMs: number | null): FaroError {
  // The SDKs retry a 429 by themselves; a budget that resets in hours should not be retried.
  const headers = retryHeaders(waitMs);
  if (waitMs === null || waitMs > 60_000) headers["x-should-retry"] = "false";
  return new Refusal(message, { status: 429, type: "insufficient_quota", code: "budget_exceeded", headers });
}

function retryHeaders(waitMs: number | null): Record<string, string> {
  if (waitMs === null) return { "x-should-retry": "false" };
  return { "retry-after": String(Math.max(1, Math.ceil(waitMs / 1000))), "retry-after-ms": String(Math.ceil(waitMs)), "x-should-retry": "true" };
}
