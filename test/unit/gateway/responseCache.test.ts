/**
 * The response cache against a real SQLite file, with an injected clock and scripted
 * generations: TTL, the size cap's least-recently-hit eviction, namespaces, what is never kept,
 * and semantic lookups with a scripted embedder.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Db } from "../../../server/store/db";
import { CacheStore } from "../../../server/store/cache";
import { ResponseCache, type Embedder } from "../../../server/gateway/cache/responseCache";
import { cacheSettings, type CacheSettings } from "../../../server/gateway/cache/policy";
import { openRecord, requestCost } from "../../../server/gateway/requestRecord";
import { NO_HINTS } from "../../../server/gateway/routing/headers";
import { EMPTY_SETTINGS } from "../../../server/gateway/targets";
import type { Generation } from "../../../server/gateway/gateway";
import type { ChatEvent } from "../../../server/providers/types";
import { createLogger } from "../../../server/logger";

const signal = new AbortController().signal;
const usage: ChatEvent = { type: "usage", usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } };
const answerOf = (text: string): ChatEvent[] => [
  { type: "text", index: 0, text: text.slice(0, 2) },
  { type: "text", index: 0, text: text.slice(2) },
  { type: "choice_end", index: 0, finishReason: "stop" },
  usage,
];

async function* from(events: ChatEvent[], failAt = -1): AsyncIterable<ChatEvent> {
  for (const [i, e] of events.entries()) {
    if (i === failAt) throw new Error("upstream cut the stream");
    yield e;
  }
}

interface Harness {
  db: Db;
  cache: ResponseCache;
  clock: { now: number };
  calls: () => number;
  /** Runs one request; `events` scripts what the upstream answers when it is called. */
  ask(text: string, headers?: Record<string, string>, events?: ChatEvent[], failAt?: number): Promise<{ outcome: string; text: string; record: ReturnType<typeof openRecord> }>;
}

function harness(raw: Parameters<typeof cacheSettings>[0], embedder: Embedder | null = null, file?: string): Harness {
  const db = openDatabase(file ?? join(mkdtempSync(join(tmpdir(), "faro-cache-")), "faro.db"));
  const clock = { now: 1_000_000 };
  const settings: CacheSettings = cacheSettings(raw);
  const gateway = { routing: EMPTY_SETTINGS, defaultModelId: async () => null };
  const cache = new ResponseCache(new CacheStore(db), settings, gateway, embedder, createLogger(() => {}), () => clock.now);
  let calls = 0;
  return {
    db,
    cache,
    clock,
    calls: () => calls,
    async ask(text, headers = {}, events, failAt = -1) {
      const record = openRecord("r", "test");
      const run = async (): Promise<Generation> => {
        calls++;
        return { model: "m-1", provider: "openai", events: from(events ?? answerOf(`answer to ${text}`), failAt), trail: { attempts: [], retries: 0, optionIndex: 0, optionPath: "config" } };
      };
      const req = { model: "openai/m-1", messages: [{ role: "user", content: text }] };
      const gen = await cache.generate("chat", req, headers, record, NO_HINTS, signal, run);
      let out = "";
      for await (const e of gen.events) if (e.type === "text") out += e.text;
      return { outcome: gen.cache, text: out, record };
    },
  };
}

const rows = (db: Db) => (db.prepare("SELECT COUNT(*) AS n FROM cache_entries").get() as { n: number }).n;

describe("response cache", () => {
  test("a miss is stored, the same request then hits without calling upstream and replays the answer", async () => {
    const h = harness({ mode: "simple" });
    const first = await h.ask("hello");
    assert.equal(first.outcome, "miss");
    assert.equal(first.record.cacheStatus, "miss");
    const second = await h.ask("hello");
    assert.deepEqual([second.outcome, second.text, h.calls()], ["hit", "answer to hello", 1]);
    assert.equal(second.record.cacheStatus, "hit");
    assert.deepEqual([second.record.promptTokens, second.record.completionTokens, second.record.finishReason, second.record.provider], [3, 2, "stop", "openai"]);
    const stored = JSON.parse((h.db.prepare("SELECT response FROM cache_entries").get() as { response: string }).response) as { events: ChatEvent[] };
    assert.equal(stored.events.filter((e) => e.type === "text").length, 1, "text pieces are merged for replay");
  });

  test("off unless turned on; force refresh calls upstream and replaces the entry", async () => {
    const h = harness(undefined);
    assert.equal((await h.ask("a")).outcome, "disabled");
    assert.equal((await h.ask("a")).outcome, "disabled");
    assert.equal(h.calls(), 2);
    assert.equal(rows(h.db), 0);
    const on = { "x-portkey-cache": "simple" };
    await h.ask("a", on);
    const refreshed = await h.ask("a", { ...on, "x-portkey-cache-force-refresh": "true" }, answerOf("a newer answer"));
    assert.deepEqual([refreshed.outcome, refreshed.record.cacheStatus, h.calls()], ["refresh", "refresh", 4]);
    assert.equal((await h.ask("a", on)).text, "a newer answer");
    assert.equal(rows(h.db), 1);
  });

  test("entries expire after max_age on the injected clock", async () => {
    const h = harness({ mode: "simple", max_age: 60 });
    await h.ask("q");
    h.clock.now += 59_999;
    assert.equal((await h.ask("q")).outcome, "hit");
    h.clock.now += 1;
    assert.equal((await h.ask("q")).outcome, "miss", "expired at exactly max_age");
    assert.equal(h.calls(), 2);
    assert.equal((await h.ask("q", { "x-portkey-cache": "simple" })).outcome, "hit", "the refill is live again");
  });

  test("the entry cap evicts the least recently hit entries", async () => {
    const h = harness({ mode: "simple", max_entries: 3 });
    for (const t of ["a", "b", "c"]) {
      await h.ask(t);
      h.clock.now += 1;
    }
    assert.equal((await h.ask("a")).outcome, "hit", "a is now the most recently hit");
    h.clock.now += 1;
    await h.ask("d");
    assert.equal(rows(h.db), 3);
    const calls = h.calls();
    assert.equal((await h.ask("a")).outcome, "hit");
    assert.equal((await h.ask("c")).outcome, "hit");
    assert.equal((await h.ask("d")).outcome, "hit");
    assert.equal(h.calls(), calls);
    assert.equal((await h.ask("b")).outcome, "miss", "b was the least recently hit: evicted");
  });

  test("the byte cap evicts too, and an answer larger than the cap is not stored", async () => {
    const h = harness({ mode: "simple", max_bytes: 1024 });
    const big = (c: string) => answerOf(c.repeat(200));
    await h.ask("x", {}, big("x"));
    h.clock.now += 1;
    await h.ask("y", {}, big("y"));
    h.clock.now += 1;
    await h.ask("z", {}, big("z"));
    const { n, bytes } = h.db.prepare("SELECT COUNT(*) AS n, SUM(size) AS bytes FROM cache_entries").get() as { n: number; bytes: number };
    assert.ok(bytes <= 1024, `${bytes} bytes kept`);
    assert.equal(n, 2);
    assert.equal((await h.ask("x", {}, big("x"))).outcome, "miss", "the oldest went");
    await h.ask("huge", {}, answerOf("h".repeat(5000)));
    assert.equal((await h.ask("huge", {}, answerOf("h".repeat(5000)))).outcome, "miss");
  });

  test("namespaces keep equal requests apart", async () => {
    const h = harness({ mode: "simple" });
    await h.ask("same", { "x-portkey-cache-namespace": "alice" }, answerOf("for alice"));
    const bob = await h.ask("same", { "x-portkey-cache-namespace": "bob" }, answerOf("for bob"));
    assert.equal(bob.outcome, "miss");
    assert.equal((await h.ask("same", { "x-portkey-cache-namespace": "alice" })).text, "for alice");
    assert.equal((await h.ask("same", { "x-portkey-cache-namespace": "bob" })).text, "for bob");
    assert.equal((await h.ask("same")).outcome, "miss", "no namespace is its own");
  });

  test("errors, aborted and incomplete answers are never stored", async () => {
    const h = harness({ mode: "simple" });
    await assert.rejects(h.ask("e", {}, undefined, 1), /cut the stream/);
    await h.ask("abort", {}, [{ type: "text", index: 0, text: "par" }, { type: "choice_end", index: 0, finishReason: "abort" }, usage]);
    await h.ask("no-usage", {}, [{ type: "text", index: 0, text: "x" }, { type: "choice_end", index: 0, finishReason: "stop" }]);
    await h.ask("no-end", {}, [{ type: "text", index: 0, text: "x" }, usage]);
    assert.equal(rows(h.db), 0);
    assert.equal((await h.ask("e")).outcome, "miss", "the failed request reaches upstream again");
    assert.equal((await h.ask("e")).outcome, "hit");
  });

  test("entries survive a restart: the table is the cache", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "faro-cache-")), "faro.db");
    const a = harness({ mode: "simple" }, null, file);
    await a.ask("persist");
    a.db.close();
    const b = harness({ mode: "simple" }, null, file);
    assert.equal((await b.ask("persist")).outcome, "hit");
    assert.equal(b.calls(), 0);
  });

  test("semantic: a prompt whose embedding is within the threshold hits; same model and params only", async () => {
    // Scripted embeddings: the first word picks the direction, so "capital ..." prompts are near each other.
    const axes: Record<string, number[]> = { capital: [1, 0, 0], Capital: [0.99, 0.141, 0], poem: [0, 1, 0] };
    const embedded: string[] = [];
    const embedder: Embedder = async (_model, text) => {
      embedded.push(text);
      return { vector: Float32Array.from(axes[text.split(" ")[0]!] ?? [0, 0, 1]), costUsd: null };
    };
    const h = harness({ mode: "semantic", similarity: 0.95 }, embedder);
    await h.ask("capital of France?");
    const near = await h.ask("Capital of France");
    assert.deepEqual([near.outcome, near.text], ["hit", "answer to capital of France?"]);
    assert.equal((await h.ask("poem about the sea")).outcome, "miss");
    assert.equal(h.calls(), 2);
    assert.equal((await h.ask("capital   of\nFrance?")).outcome, "hit");
    assert.ok(embedded.includes("capital of France?"), "whitespace is collapsed before embedding");
    const exact = embedded.length;
    assert.equal((await h.ask("capital of France?")).outcome, "hit");
    assert.equal(embedded.length, exact, "an exact repeat needs no embedding");
    assert.equal((await h.ask("Capital of France", { "x-portkey-cache": "simple" })).outcome, "miss", "simple mode ignores meaning");
  });

  test("semantic: what each embedding cost is on the request's record, hit or miss, apart from the answer's cost", async () => {
    const h = harness({ mode: "semantic" }, async () => ({ vector: Float32Array.from([1, 0]), costUsd: 0.25 }));
    const miss = await h.ask("first wording");
    assert.deepEqual([miss.outcome, miss.record.extraCostUsd, requestCost(miss.record)], ["miss", 0.25, 0.25]);
    const hit = await h.ask("second wording");
    assert.deepEqual([hit.outcome, hit.record.costUsd, hit.record.extraCostUsd, requestCost(hit.record)], ["hit", 0, 0.25, 0.25]);
    const exact = await h.ask("first wording");
    assert.deepEqual([exact.outcome, requestCost(exact.record)], ["hit", 0], "an exact hit embeds nothing");
  });

  test("semantic: an embedder failure leaves exact caching working", async () => {
    const h = harness({ mode: "semantic" }, async () => {
      throw new Error("no embedding model");
    });
    await h.ask("q");
    assert.equal((await h.ask("q")).outcome, "hit");
  });
});
