import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Db } from "../../../server/store/db";
import { RequestLog, type RequestRow } from "../../../server/store/requestLog";
import { createLogger } from "../../../server/logger";
import { FaroError } from "../../../server/errors";
import { csvField, logHandlers } from "../../../server/store/logQuery";
import { percentile, rebuildStats } from "../../../server/store/logStats";
import type { LogStatsResult } from "../../../server/protocol";

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const MIN = 60_000;

/** 200 rows over 200 minutes: models a/b alternate, every 10th an error, every 4th a cache hit. */
function generated(): RequestRow[] {
  return Array.from({ length: 200 }, (_, i) => ({
    id: `r${String(i).padStart(3, "0")}`,
    createdAt: T0 + i * MIN,
    route: i % 50 === 0 ? "POST /v1/embeddings" : "POST /v1/chat/completions",
    model: i % 2 === 0 ? "a" : "b",
    provider: i % 2 === 0 ? "local" : "openai",
    stream: i % 3 === 0,
    status: i % 10 === 9 ? (i % 20 === 19 ? 500 : 429) : 200,
    latencyMs: i % 2 === 0 ? 100 + (i % 7) : 1000 + i * 5,
    ttftMs: 10,
    promptTokens: 20,
    completionTokens: 10,
    finishReason: "stop",
    error: i % 10 === 9 ? `upstream said: Rate limit, "slow down", row ${i}` : null,
    costUsd: i % 2 === 0 ? 0 : 0.001,
    cacheStatus: i % 4 === 0 ? "hit" : i % 4 === 1 ? "miss" : null,
    metadata: i % 5 === 0 ? { team: "search", n: i } : { team: "ads" },
    virtualKeyId: i < 100 ? "vk_1" : null,
    promptId: i === 42 ? "prompts/summarize" : null,
    promptVersion: i === 42 ? 3 : null,
    attempts: i === 7 ? [{ provider: "openai", status: 503 }, { provider: "local", status: 200 }] : null,
    requestBody: i === 7 ? '{"model":"b"}' : null,
    responseBody: i === 7 ? '{"choices":[]}' : null,
  }));
}

function withDb(fn: (db: Db, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "faro-logq-"));
  const db = openDatabase(join(dir, "faro.db"));
  try {
    const log = new RequestLog(db, createLogger(() => {}), { batchSize: 64 });
    for (const r of generated()) log.record(r);
    log.close();
    fn(db, dir);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("filters select exactly the matching rows, newest first", () =>
  withDb((db) => {
    const ids = (p: object) => logHandlers.query(db, { limit: 1000, ...p }).rows.map((r) => r.id);
    const all = ids({});
    assert.equal(all.length, 200);
    assert.equal(all[0], "r199", "newest first");
    assert.equal(ids({ model: "a" }).length, 100);
    assert.equal(ids({ provider: "openai", model: "a" }).length, 0);
    assert.equal(ids({ status: 500 }).length, 10);
    assert.equal(ids({ status: "4xx" }).length, 10);
    assert.equal(ids({ status: "error" }).length, 20);
    assert.equal(ids({ status: "ok" }).length, 180);
    assert.equal(ids({ since: T0 + 10 * MIN, until: T0 + 20 * MIN }).length, 10, "since inclusive, until exclusive");
    assert.deepEqual(ids({ route: "POST /v1/embeddings" }), ["r150", "r100", "r050", "r000"]);
    assert.deepEqual(ids({ promptId: "prompts/summarize", promptVersion: 3 }), ["r042"]);
    assert.equal(ids({ metadata: { team: "search" } }).length, 40);
    assert.deepEqual(ids({ metadata: { team: "search", n: "45" } }), ["r045"], "numbers compare as text");
    assert.equal(ids({ metadata: { 'we"ird': "x" } }).length, 0, "a quote in a key is a key, not SQL or a JSON path");
    assert.equal(ids({ virtualKeyId: "vk_1" }).length, 100);
    assert.equal(ids({ cacheStatus: "hit" }).length, 50);
    assert.equal(ids({ cacheStatus: "none" }).length, 100);
    assert.deepEqual(ids({ errorText: "ROW 19" }), ["r199", "r195", "r194", "r193", "r192", "r191", "r190", "r019"].filter((id) => Number(id.slice(1)) % 10 === 9));
    assert.equal(ids({ errorText: "%" }).length, 0, "no LIKE wildcards");
  }));

test("keyset pagination walks every row once, even with equal timestamps", () => {
  const dir = mkdtempSync(join(tmpdir(), "faro-logq-"));
  const db = openDatabase(join(dir, "faro.db"));
  const log = new RequestLog(db, createLogger(() => {}));
  const base = generated()[0]!;
  for (let i = 0; i < 25; i++) log.record({ ...base, id: `same-${i}`, createdAt: T0 + (i < 10 ? 0 : i) });
  log.close();
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = logHandlers.query(db, { limit: 4, cursor });
    seen.push(...page.rows.map((r) => r.id));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  assert.equal(pages, 7);
  assert.equal(seen.length, 25);
  assert.equal(new Set(seen).size, 25);
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

test("bad parameters are 400s naming the field", () =>
  withDb((db) => {
    const fails = (p: unknown, param: string) =>
      assert.throws(() => logHandlers.query(db, p), (e: unknown) => e instanceof FaroError && e.status === 400 && e.param === param);
    fails({ limit: 0 }, "limit");
    fails({ status: "6xx" }, "status");
    fails({ since: "yesterday" }, "since");
    fails({ colour: "red" }, "colour");
    fails({ cursor: "!!" }, "cursor");
    assert.throws(() => logHandlers.query(db, { status: "7xx" }), { message: "Invalid status: use an HTTP status (100-599), a class (2xx, 3xx, 4xx, 5xx), error or ok." });
    assert.throws(() => logHandlers.query(db, { cursor: "!!" }), /next_cursor in GET \/v1\/logs, nextCursor in faro\/logs\/query/);
    assert.throws(() => logHandlers.get(db, { id: "nope" }), (e: unknown) => e instanceof FaroError && e.status === 404);
  }));

test("get returns one row with bodies and the parsed trail", () =>
  withDb((db) => {
    const row = logHandlers.get(db, { id: "r007" });
    assert.equal(row.requestBody, '{"model":"b"}');
    assert.equal(row.responseBody, '{"choices":[]}');
    assert.deepEqual(row.attempts, [{ provider: "openai", status: 503 }, { provider: "local", status: 200 }]);
    assert.deepEqual(row.metadata, { team: "ads" });
    const listed = logHandlers.query(db, { limit: 1000 }).rows.find((r) => r.id === "r007")!;
    assert.equal("requestBody" in listed, false, "pages carry no bodies");
  }));

test("stats: per-model counts, error rate, percentiles, cost per day, cache hit rate, a dense series", () =>
  withDb((db) => {
    const s = logHandlers.stats(db, { since: T0, until: T0 + 200 * MIN, maxPoints: 20 });
    assert.equal(s.totals.requests, 200);
    assert.equal(s.totals.errors, 20);
    assert.equal(s.totals.errorRate, 0.1);
    const a = s.models.find((m) => m.model === "a")!;
    const b = s.models.find((m) => m.model === "b")!;
    assert.equal(a.provider, "local");
    assert.equal(a.requests, 100);
    assert.equal(b.errors, 20, "odd rows hold the errors");
    // a's latencies are 100..106 ms: the 70-100 and 100-150 ms buckets bound the percentiles.
    assert.ok(a.latencyP50Ms! >= 100 && a.latencyP50Ms! <= 106, `p50 ${a.latencyP50Ms}`);
    assert.ok(b.latencyP95Ms! >= 1850 && b.latencyP95Ms! <= 1995, `p95 ${b.latencyP95Ms}`);
    assert.ok(b.latencyP50Ms! >= 1400 && b.latencyP50Ms! <= 1600, `p50 ${b.latencyP50Ms}`);
    assert.ok(b.latencyP95Ms! > b.latencyP50Ms!);
    assert.equal(a.latencyMaxMs, 106);
    assert.ok(Math.abs(b.costUsd - 0.1) < 1e-9);
    assert.equal(s.totals.cacheHits, 50);
    assert.equal(s.totals.cacheMisses, 50);
    assert.equal(s.totals.cacheHitRate, 0.5);
    // 180 successful answers of 10 tokens after a 10 ms first token.
    const decodeMs = generated().filter((r) => r.status < 400 && r.model === "a").reduce((t, r) => t + r.latencyMs - 10, 0);
    assert.ok(Math.abs(a.tokensPerSecond! - (100 * 10) / (decodeMs / 1000)) < 1e-6, `${a.tokensPerSecond} vs ${(100 * 10) / (decodeMs / 1000)}`);
    assert.equal(s.series.bucketMs, 10 * MIN);
    assert.equal(s.series.points.length, 20);
    assert.ok(s.series.points.every((p) => p.requests === 10 && p.requestsPerMinute === 1));
    assert.deepEqual(s.daily.map((d) => [d.day, d.requests]), [["2026-01-10", 200]], "12:00 + 200 min stays in the day (UTC)");
    const shifted = logHandlers.stats(db, { since: T0, until: T0 + 200 * MIN, utcOffsetMinutes: 10 * 60 });
    assert.deepEqual(shifted.daily.map((d) => [d.day, d.requests]), [["2026-01-10", 120], ["2026-01-11", 80]], JSON.stringify(shifted.daily));
    // Whole hours come from the hourly rollup, the ragged edges from the minute one.
    const ragged = logHandlers.stats(db, { since: T0 + 30 * MIN + 5, until: T0 + 150 * MIN });
    assert.equal(ragged.since, T0 + 30 * MIN, "floored to the minute");
    assert.equal(ragged.totals.requests, 120);
    assert.equal(ragged.models.find((m) => m.model === "b")!.errors, 12);
    assert.equal(logHandlers.stats(db, { since: T0 + 61 * MIN, until: T0 + 62 * MIN }).totals.requests, 1, "inside one hour: minutes only");
    const filtered = logHandlers.stats(db, { since: T0, until: T0 + 200 * MIN, route: "POST /v1/embeddings" });
    assert.equal(filtered.totals.requests, 4);
    assert.throws(() => logHandlers.stats(db, { since: 5, until: 5 }), FaroError);
  }));

test("the rollup rebuilt from raw rows in SQL equals the one the writer kept", () =>
  withDb((db) => {
    const q = { since: T0, until: T0 + 200 * MIN };
    const kept: LogStatsResult = logHandlers.stats(db, q);
    rebuildStats(db);
    const rebuilt = logHandlers.stats(db, q);
    assert.deepEqual(rebuilt.models.map(round), kept.models.map(round));
    assert.deepEqual(rebuilt.series, kept.series);
  }));

const round = (m: object) => JSON.parse(JSON.stringify(m, (_k, v: unknown) => (typeof v === "number" ? Math.round(v * 1e6) / 1e6 : v))) as unknown;

test("percentile interpolates inside the bucket and never passes the max", () => {
  const hist = new Array<number>(31).fill(0);
  hist[11] = 10; // (70, 100]
  assert.equal(percentile(hist, 0.5, 100), 85);
  assert.equal(percentile(hist, 1, 90), 90);
  assert.equal(percentile(new Array<number>(31).fill(0), 0.5, 0), null);
});

test("exports: JSONL one object per line, CSV quoted per RFC 4180, files written", () =>
  withDb((db, dir) => {
    const jsonl = logHandlers.export(db, { format: "jsonl", status: "5xx" });
    assert.equal(jsonl.rows, 10);
    const lines = jsonl.data!.trimEnd().split("\n").map((l) => JSON.parse(l) as { id: string; requestBody?: string });
    assert.equal(lines[0]!.id, "r019", "oldest first");
    assert.equal("requestBody" in lines[0]!, false);
    const csv = logHandlers.export(db, { format: "csv", status: 500, until: T0 + 20 * MIN }).data!;
    const [header, row] = csv.split("\r\n");
    assert.equal(header!.split(",")[0], "id");
    assert.ok(row!.includes(`"upstream said: Rate limit, ""slow down"", row 19"`), row);
    assert.ok(row!.includes(`"{""team"":""ads""}"`), "JSON columns as quoted JSON text");
    assert.equal(csvField("plain"), "plain");
    assert.equal(csvField("two\nlines"), '"two\nlines"');
    assert.equal(csvField(null), "");
    const path = join(dir, "out.csv");
    const written = logHandlers.export(db, { format: "csv", path, includeBodies: true, since: T0 + 7 * MIN, until: T0 + 8 * MIN });
    assert.deepEqual([written.rows, written.data], [1, null]);
    const text = readFileSync(path, "utf8");
    assert.ok(text.split("\r\n")[0]!.endsWith(",requestBody,responseBody"));
    assert.ok(text.includes(`"{""model"":""b""}"`));
    assert.throws(() => logHandlers.export(db, { format: "csv", path: "relative.csv" }), (e: unknown) => e instanceof FaroError && e.param === "path");
    assert.throws(() => logHandlers.export(db, { format: "xml" }), (e: unknown) => e instanceof FaroError && e.param === "format");
  }));
