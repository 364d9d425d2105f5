/**
 * The response cache in front of the gateway: looks a chat or completion request up (exact key,
 * then by embedding in semantic mode), replays a hit's provider events without touching any
 * upstream or the queue, and stores a miss's events once its answer has ended cleanly.
 * The HTTP route answers both the same way, so a JSON answer can serve a stream and back.
 */
import type { IncomingHttpHeaders } from "node:http";
import { messageOf } from "../../errors";
import type { Logger } from "../../logger";
import type { ChatEvent } from "../../providers/types";
import type { CacheStore } from "../../store/cache";
import type { Gateway, Generation } from "../gateway";
import type { RequestRecord } from "../requestRecord";
import type { Trail } from "../routing/executor";
import { refusedBeforeTargets, type RoutingHints } from "../routing/headers";
import { keyParts, type KeyParts } from "./key";
import { cachePolicy, type CachePolicy, type CacheSettings, type RouteCache } from "./policy";
import { resolveRoute, type Route } from "./route";
import { cosine, unit } from "./vectors";
import { providerId } from "../targets";
import { merged } from "../../objects";

/** What x-faro-cache says: `disabled` when the request did not use the cache. */
export type CacheOutcome = "hit" | "miss" | "refresh" | "disabled";

export interface CachedGeneration extends Generation {
  cache: CacheOutcome;
  /** Set on a semantic hit: the similarity of the prompt that matched. */
  similarity: number | null;
}

/** Embeds one text with `model` (the gateway's embed path in production), and what that cost (null: unpriced). */
export type Embedder = (model: string, text: string, signal: AbortSignal) => Promise<{ vector: Float32Array; costUsd: number | null }>;

interface Stored {
  model: string;
  provider: string;
  events: ChatEvent[];
}

interface Found {
  stored: Stored;
  similarity: number | null;
}

const NO_TRAIL: Trail = { attempts: [], retries: 0, optionIndex: 0, optionPath: "cache" };

export class ResponseCache {
  constructor(
    private readonly store: CacheStore,
    readonly settings: CacheSettings,
    private readonly gateway: Pick<Gateway, "defaultModelId" | "routing"> & Partial<Pick<Gateway, "admission">>,
    private readonly embedder: Embedder | null,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Answers from the cache, or runs `run` and keeps what it answers. `req` is the validated
   * body; the cache's own headers and the routing config's `cache` decide the policy.
   */
  async generate(
    kind: "chat" | "completion",
    req: Record<string, unknown> & { model: string },
    headers: IncomingHttpHeaders,
    record: RequestRecord,
    hints: RoutingHints,
    signal: AbortSignal,
    run: () => Promise<Generation>,
  ): Promise<CachedGeneration> {
    const policy = cachePolicy(headers, hints.config?.cache as RouteCache | undefined, this.settings);
    if (!policy) return merged(await run(), { cache: "disabled" as const, similarity: null });
    const route = await resolveRoute(this.gateway, req.model, hints);
    const parts = keyParts(kind, req, route.id);
    const semantic = policy.mode === "semantic" && parts.text !== null;
    let embedding: Float32Array | null = null;
    if (!policy.forceRefresh) {
      // Exact first: a repeat needs no embedding.
      let found = this.exact(parts, policy);
      if (!found && semantic) {
        embedding = await this.embed(parts.text!, signal, record, route, hints);
        if (embedding) found = this.nearest(parts, route.label, policy, embedding);
      }
      if (found) {
        // Logged with the model whose answer it is, refused or not.
        record.model = found.stored.model;
        record.provider = found.stored.provider;
        // Virtual keys: a hit bypasses the gateway, whose admission checks the model allow-list.
        this.gateway.admission?.atCachedAnswer(record.id, route.name, { provider: found.stored.provider, model: found.stored.model });
        record.cacheStatus = "hit";
        // The answer cost nothing: no provider was called (the usage replayed is the original's).
        // A cloud embedding for the lookup did cost, and stays on the record (extraCostUsd).
        record.costUsd = 0;
        return { model: found.stored.model, provider: found.stored.provider, events: replay(found.stored.events, record), trail: NO_TRAIL, cache: "hit", similarity: found.similarity };
      }
    }
    if (semantic && policy.forceRefresh) embedding = await this.embed(parts.text!, signal, record, route, hints);
    const outcome: CacheOutcome = policy.forceRefresh ? "refresh" : "miss";
    record.cacheStatus = outcome;
    const gen = await run();
    const keep = (events: ChatEvent[]) => {
      // A request that carried personal data is not kept: with restore on, its answer holds that
      // data again, and the database must never hold what the guardrails took out.
      if (record.guardrails.some((v) => v.check === "pii" && v.verdict === "redacted")) return;
      this.save({ model: gen.model, provider: gen.provider, events }, parts, route.label, policy, embedding);
    };
    return merged(gen, { events: collect(gen.events, keep), cache: outcome, similarity: null });
  }

  private exact(parts: KeyParts, policy: CachePolicy): Found | null {
    const now = this.now();
    const key = namespaced(policy.namespace, parts.key);
    const response = this.store.get(key, now);
    if (response === null) return null;
    this.store.hit(key, now);
    return { stored: JSON.parse(response) as Stored, similarity: null };
  }

  /** The most similar live entry at or above the threshold (a linear scan of its group). */
  private nearest(parts: KeyParts, label: string, policy: CachePolicy, embedding: Float32Array): Found | null {
    const now = this.now();
    let best: { key: string; similarity: number } | null = null;
    for (const c of this.store.candidates(policy.namespace, label, parts.paramsHash, now)) {
      if (c.embedding.length !== embedding.length) continue;
      const similarity = cosine(embedding, c.embedding);
      if (similarity >= policy.similarity && (!best || similarity > best.similarity)) best = { key: c.key, similarity };
    }
    if (!best) return null;
    const response = this.store.get(best.key, now);
    if (response === null) return null;
    this.store.hit(best.key, now);
    return { stored: JSON.parse(response) as Stored, similarity: best.similarity };
  }

  private save(stored: Stored, parts: KeyParts, label: string, policy: CachePolicy, embedding: Float32Array | null): void {
    const response = JSON.stringify(stored);
    if (Buffer.byteLength(response) > this.settings.maxBytes) return;
    const now = this.now();
    try {
      this.store.put(
        {
          key: namespaced(policy.namespace, parts.key),
          namespace: policy.namespace,
          model: label,
          paramsHash: parts.paramsHash,
          embedding,
          response,
          createdAt: now,
          expiresAt: now + policy.maxAgeS * 1000,
        },
        this.settings,
      );
    } catch (err) {
      // The answer is already on its way; a cache that cannot write must not fail it.
      this.logger.error(`cache: could not store an answer (${messageOf(err)})`);
    }
  }

  /** The text's unit embedding, its cost added to the request's; null when it could not be had. */
  private async embed(text: string, signal: AbortSignal, record: RequestRecord, route: Route, hints: RoutingHints): Promise<Float32Array | null> {
    if (!this.embedder) return null;
    this.refuseBeforeSpending(record, route, hints);
    try {
      const { vector, costUsd } = await this.embedder(this.settings.embeddingModel, text, signal);
      record.extraCostUsd += costUsd ?? 0;
      return unit(vector);
    } catch (err) {
      if (signal.aborted) throw err;
      // Semantic lookups are an optimisation: without an embedding the request still runs (exact only).
      this.logger.warn(`cache: semantic lookup skipped, embedding with '${this.settings.embeddingModel}' failed (${messageOf(err)})`);
      return null;
    }
  }

  /**
   * The embedding may be a paid call: a virtual key that will refuse the request whatever the
   * lookup finds (rpm, a spent budget, a model it may not use) refuses it before, not after.
   */
  private refuseBeforeSpending(record: RequestRecord, route: Route, hints: RoutingHints): void {
    try {
      this.gateway.admission?.beforeSpending(record.id, route.name, route.target);
    } catch (err) {
      // Logged as the gateway logs a refusal: where the request was going, or which config.
      if (route.target) {
        record.provider = providerId(route.target.provider);
        record.model = route.target.model;
      } else refusedBeforeTargets(err, hints, route.name);
      throw err;
    }
  }
}

/** Namespaces keep equal requests apart: the namespace is part of the key. */
function namespaced(namespace: string, key: string): string {
  return namespace ? `${namespace}:${key}` : key;
}

/** Replays stored events, filling the log record as the gateway does for live ones. */
async function* replay(events: ChatEvent[], record: RequestRecord): AsyncIterable<ChatEvent> {
  for (const e of events) {
    if (record.ttftMs === null && e.type !== "choice_end" && e.type !== "usage") record.ttftMs = performance.now() - record.startedAt;
    if (e.type === "choice_end" && e.index === 0) record.finishReason = e.finishReason;
    if (e.type === "usage") {
      record.promptTokens = e.usage.prompt_tokens;
      record.completionTokens = e.usage.completion_tokens;
    }
    yield e;
  }
}

/**
 * Passes events through and hands them to `keep` when the answer ended cleanly: every choice
 * finished (none aborted) and usage came. A stream that throws is never kept.
 */
async function* collect(events: AsyncIterable<ChatEvent>, keep: (events: ChatEvent[]) => void): AsyncIterable<ChatEvent> {
  const kept: ChatEvent[] = [];
  const open = new Set<number>();
  let ended = 0;
  let usage = false;
  let aborted = false;
  for await (const e of events) {
    if (e.type === "usage") usage = true;
    else if (e.type === "choice_end") {
      open.delete(e.index);
      ended++;
      if (e.finishReason === "abort") aborted = true;
    } else open.add(e.index);
    append(kept, e);
    yield e;
  }
  if (usage && ended > 0 && open.size === 0 && !aborted) keep(kept);
}

/** Adjacent text pieces of one choice are merged: a replay needs no token-by-token pacing. */
function append(kept: ChatEvent[], e: ChatEvent): void {
  const last = kept.at(-1);
  if (last && (e.type === "text" || e.type === "reasoning") && last.type === e.type && last.index === e.index) {
    const merged = { ...last, text: last.text + e.text };
    // Log probabilities go with their text: a replay carries every token's.
    if (merged.type === "text" && e.type === "text" && (merged.logprobs || e.logprobs)) merged.logprobs = [...(merged.logprobs ?? []), ...(e.logprobs ?? [])];
    kept[kept.length - 1] = merged;
  } else kept.push(e);
}

const PORTKEY_STATUS: Record<CacheOutcome, string> = { hit: "HIT", miss: "MISS", refresh: "REFRESH", disabled: "DISABLED" };

/** x-faro-cache, and Portkey's x-portkey-cache-status for clients written against Portkey. */
export function cacheHeaders(gen: Pick<CachedGeneration, "cache" | "similarity">): Record<string, string> {
  const portkey = gen.cache === "hit" && gen.similarity !== null ? "SEMANTIC HIT" : PORTKEY_STATUS[gen.cache];
  return { "x-faro-cache": gen.cache, "x-portkey-cache-status": portkey };
}
