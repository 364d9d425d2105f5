import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../../server/store/db";
import { RequestLog, type RequestRow } from "../../../server/store/requestLog";
import { Retention } from "../../../server/store/retention";
import { createLogger } from "../../../server/logger";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);
const row = (id: string, createdAt: number): RequestRow => ({
  id, createdAt, route: "POST /v1/chat/completions", model: "m", provider: "local", stream: false,
  status: 200, latencyMs: 5, ttftMs: 1, promptTokens: 1, completionTokens: 1, finishReason: "stop", error: null,
});

test("retention deletes only rows (and rollup minutes) older than the period, in batches", async () => {
  const dir = mkdtempSync(join(tmpdir(), "faro-ret-"));
  const db = openDatabase(join(dir, "faro.db"));
  const lines: string[] = [];
  const log = new RequestLog(db, createLogger(() => {}));
  // 1,234 old rows (31..40 days), 50 recent (0..29 days), one just inside the boundary.
  for (let i = 0; i < 1234; i++) log.record(row(`old-${i}`, NOW - 31 * DAY - (i % 10) * DAY - i));
  for (let i = 0; i < 50; i++) log.record(row(`new-${i}`, NOW - (i % 30) * DAY));
  log.record(row("edge", NOW - 30 * DAY + 1));
  log.close();
  const retention = new Retention(db, createLogger((_l, line) => lines.push(line)), { days: 30, batchSize: 100 });
  const deleted = await retention.purge(NOW);
  assert.equal(deleted, 1234);
  const left = db.prepare("SELECT id FROM requests ORDER BY id").all() as { id: string }[];
  assert.equal(left.length, 51);
  assert.ok(left.every((r) => r.id.startsWith("new-") || r.id === "edge"));
  for (const table of ["request_stats", "request_stats_hour"]) {
    const oldStats = db.prepare(`SELECT count(*) AS n FROM ${table} WHERE t < ?`).get(NOW - 31 * DAY) as { n: number };
    assert.equal(oldStats.n, 0, table);
    const kept = db.prepare(`SELECT sum(requests) AS n FROM ${table}`).get() as { n: number };
    assert.equal(kept.n, 51, `${table} keeps the recent buckets`);
  }
  assert.match(lines.join("\n"), /deleted 1234 rows older than 30 days/);
  assert.equal(await retention.purge(NOW), 0, "idempotent");
  await retention.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

test("retention 0 keeps everything and start() schedules nothing", async () => {
  const db = openDatabase(":memory:");
  const log = new RequestLog(db, createLogger(() => {}));
  log.record(row("ancient", 0));
  log.close();
  const retention = new Retention(db, createLogger(() => {}), { days: 0 });
  retention.start();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await retention.purge(), 0);
  assert.equal((db.prepare("SELECT count(*) AS n FROM requests").get() as { n: number }).n, 1);
  await retention.stop();
  db.close();
});
