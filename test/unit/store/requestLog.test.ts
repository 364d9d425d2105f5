import { test } from "node:test";
import assert from "node:assert/strict";
import { openDatabase } from "../../../server/store/db";
import { RequestLog, type RequestRow } from "../../../server/store/requestLog";
import { createLogger } from "../../../server/logger";

const row = (id: string): RequestRow => ({
  id, createdAt: Date.now(), route: "POST /v1/chat/completions", model: "m", provider: "local", stream: true,
  status: 200, latencyMs: 12.5, ttftMs: 3.25, promptTokens: 10, completionTokens: 5, finishReason: "stop", error: null,
});
const count = (db: ReturnType<typeof openDatabase>) => (db.prepare("SELECT count(*) AS n FROM requests").get() as { n: number }).n;

test("rows are written in batches, off the caller's path, and on close", async () => {
  const db = openDatabase(":memory:");
  const log = new RequestLog(db, createLogger(() => {}), { flushIntervalMs: 20, batchSize: 3 });
  log.record(row("a"));
  assert.equal(count(db), 0, "not written synchronously");
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(count(db), 1, "written by the timer");
  log.record(row("b"));
  log.record(row("c"));
  log.record(row("d"));
  assert.equal(count(db), 4, "a full batch flushes at once");
  log.record(row("e"));
  log.close();
  assert.equal(count(db), 5);
  const stored = db.prepare("SELECT * FROM requests WHERE id = 'e'").get() as Record<string, unknown>;
  assert.equal(stored.stream, 1);
  assert.equal(stored.ttft_ms, 3.25);
  assert.equal(stored.finish_reason, "stop");
  db.close();
});

test("a row the schema refuses is logged and dropped without blocking the others", () => {
  const db = openDatabase(":memory:");
  const errors: string[] = [];
  const log = new RequestLog(db, createLogger((_l, line) => errors.push(line)), { flushIntervalMs: 10_000 });
  log.record(row("dup"));
  log.flush();
  log.record(row("dup")); // primary key clash: the batch fails
  log.record(row("later"));
  log.flush();
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /batch of 2 rows failed .*UNIQUE.*0 kept for retry, 1 dropped/);
  assert.equal(count(db), 2, "the good row of the failed batch is written");
  assert.equal(log.dropped, 1);
  log.close();
  db.close();
});

test("cost, cache, metadata, key, guardrail and trail fields are stored, JSON ones encoded", () => {
  const db = openDatabase(":memory:");
  const log = new RequestLog(db, createLogger(() => {}));
  log.record({
    ...row("full"),
    costUsd: 0.00042,
    cachedTokens: 7,
    cacheStatus: "hit",
    metadata: { team: "search", env: "dev" },
    virtualKeyId: "vk_1",
    guardrails: [{ check: "pii", stage: "input", verdict: "redacted", detail: { email: 2 } }],
    attempts: [{ provider: "openai", model: "gpt-4o-mini", status: 503, error: "overloaded" }],
  });
  log.record({ ...row("bare"), metadata: {}, guardrails: [] });
  log.close();
  const full = db.prepare("SELECT * FROM requests WHERE id = 'full'").get() as Record<string, unknown>;
  assert.equal(full.cost_usd, 0.00042);
  assert.equal(full.cached_tokens, 7);
  assert.equal(full.cache_status, "hit");
  assert.deepEqual(JSON.parse(String(full.metadata)), { team: "search", env: "dev" });
  assert.equal(full.virtual_key_id, "vk_1");
  assert.deepEqual(JSON.parse(String(full.guardrails)), [{ check: "pii", stage: "input", verdict: "redacted", detail: { email: 2 } }]);
  assert.equal(JSON.parse(String(full.attempts))[0].status, 503);
  assert.equal(full.request_body, null, "bodies are not logged unless turned on");
  const bare = db.prepare("SELECT metadata, guardrails, cost_usd FROM requests WHERE id = 'bare'").get() as Record<string, unknown>;
  assert.deepEqual(bare, { metadata: null, guardrails: null, cost_usd: null }, "empty JSON fields are stored as NULL");
  db.close();
});
