/**
 * The request log written from its own thread (the backend's mode): rows reach the database file
 * through the thread's connection, acknowledged after commit, everything queued is written by
 * close(), refused rows are dropped as inline, and a locked database does not block the caller.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { openDatabase, addonPath } from "../../../server/store/db";
import { RequestLog, type RequestRow } from "../../../server/store/requestLog";
import { createLogger } from "../../../server/logger";
import { tempDir } from "../../fixtures/serve";

const row = (id: string): RequestRow => ({
  id, createdAt: Date.now(), route: "POST /v1/chat/completions", model: "m", provider: "local", stream: false,
  status: 200, latencyMs: 4, ttftMs: null, promptTokens: 3, completionTokens: 2, finishReason: "stop", error: null,
});
const count = (db: ReturnType<typeof openDatabase>) => (db.prepare("SELECT count(*) AS n FROM requests").get() as { n: number }).n;
const thread = { nativeBinding: addonPath() };

test("rows are written by the thread, acknowledged after commit, and all of them by close()", async () => {
  const db = openDatabase(join(await tempDir(), "faro.db"));
  const log = new RequestLog(db, createLogger(() => {}), { thread, batchSize: 50 });
  const acked: string[] = [];
  log.onCommit((ids) => acked.push(...ids));
  for (let i = 0; i < 20; i++) log.record(row(`a${i}`));
  log.flush();
  await new Promise<void>((resolve) => log.onCommit(() => resolve()));
  assert.equal(count(db), 20, "visible to the main connection once acknowledged");
  assert.deepEqual(acked, Array.from({ length: 20 }, (_, i) => `a${i}`));
  for (let i = 0; i < 1234; i++) log.record(row(`b${i}`));
  await log.close();
  assert.equal(count(db), 1254);
  assert.equal(log.committed, 1254);
  const stats = db.prepare("SELECT sum(requests) AS n FROM request_stats").get() as { n: number };
  assert.equal(stats.n, 1254, "the rollup is written in the same transactions");
  db.close();
});

test("a row the schema refuses is dropped and logged; the rest of its batch is written", async () => {
  const db = openDatabase(join(await tempDir(), "faro.db"));
  const errors: string[] = [];
  const log = new RequestLog(db, createLogger((_l, line) => errors.push(line)), { thread, flushIntervalMs: 10_000 });
  log.record(row("dup"));
  log.flush();
  log.record(row("dup"));
  log.record(row("later"));
  await log.close();
  assert.equal(count(db), 2);
  assert.equal(log.dropped, 1);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /batch of 2 rows failed .*UNIQUE.*0 kept for retry, 1 dropped/);
  db.close();
});

test("a database locked by another writer does not hold up the caller; the rows land once it is free", async () => {
  const db = openDatabase(join(await tempDir(), "faro.db"));
  const errors: string[] = [];
  const log = new RequestLog(db, createLogger((_l, line) => errors.push(line)), { thread });
  db.exec("BEGIN IMMEDIATE"); // this thread's connection holds the write lock
  log.record(row("x"));
  // Inline, this flush would wait out busy_timeout (5 s) right here, fail with SQLITE_BUSY and log it.
  log.flush();
  assert.equal(log.committed, 0);
  await new Promise((r) => setTimeout(r, 100)); // this thread is free: timers still run
  assert.equal(log.committed, 0, "not committed while the lock is held");
  db.exec("COMMIT");
  await log.close();
  assert.equal(count(db), 1);
  assert.equal(log.committed, 1);
  assert.deepEqual(errors, [], "the thread waited for the lock instead of failing");
  db.close();
});
