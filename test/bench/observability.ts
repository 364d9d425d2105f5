/**
 * npm run bench:observability — what observability costs, each against a baseline measured in
 * the same run:
 *   1. log writer throughput: batched flushes (the server's writer) vs one transaction per row;
 *   2. gateway req/s through faro serve with the request log on vs off (FARO_REQUEST_LOG=off),
 *      autocannon against the mock OpenAI upstream in its own process;
 *   3. faro/logs/stats over 1,000,000 logged rows (the rollup) vs the same aggregate on raw rows;
 *   4. cache-hit latency at the HTTP layer (test/bench/observability/cache.ts).
 * Options: --seconds N (load per gateway run, default 5), --rows N (default 1000000).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { startProcess } from "./processes";
import { serve, tempDir } from "../fixtures/serve";
import { openDatabase } from "../../server/store/db";
import { RequestLog, type RequestRow } from "../../server/store/requestLog";
import { rebuildStats } from "../../server/store/logStats";
import { logHandlers } from "../../server/store/logQuery";
import { createLogger } from "../../server/logger";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "5" }, rows: { type: "string", default: "1000000" } } });
const SECONDS = Number(values.seconds);
const ROWS = Number(values.rows);
const quiet = createLogger(() => {});

type Row = Record<string, string | number>;
const fmt = (n: number, d = 0) => Number(n.toFixed(d));

function sampleRow(i: number, createdAt: number): RequestRow {
  const models = ["llama-3.1-8b", "gpt-4o-mini", "claude-3-5-haiku", "qwen2.5-7b"] as const;
  const model = models[i % 4]!;
  return {
    id: `chatcmpl-${i.toString(16).padStart(12, "0")}`,
    createdAt,
    route: "POST /v1/chat/completions",
    model,
    provider: i % 4 === 1 ? "openai" : i % 4 === 2 ? "anthropic" : "local",
    stream: i % 2 === 0,
    status: i % 50 === 0 ? 500 : i % 97 === 0 ? 429 : 200,
    latencyMs: 40 + ((i * 7919) % 3000),
    ttftMs: 5 + ((i * 104729) % 400),
    promptTokens: 50 + (i % 500),
    completionTokens: 20 + (i % 300),
    finishReason: "stop",
    error: i % 50 === 0 ? "Provider 'openai' answered 500: internal error" : null,
    costUsd: i % 4 === 1 ? 0.00012 : 0,
    cacheStatus: i % 3 === 0 ? "hit" : "miss",
    metadata: { team: i % 2 ? "search" : "ads" },
    attempts: [{ provider: "local", model, status: 200, error: null }],
  };
}

// ---- 1. writer throughput ----

function writerThroughput(n: number, batchSize: number): number {
  const dir = mkdtempSync(join(tmpdir(), "faro-bench-log-"));
  const db = openDatabase(join(dir, "faro.db"));
  try {
    const log = new RequestLog(db, quiet, { batchSize, maxPending: n + 1 });
    const rows = Array.from({ length: n }, (_, i) => sampleRow(i, Date.now() + i));
    const start = performance.now();
    for (const r of rows) log.record(r);
    log.close();
    const ms = performance.now() - start;
    if (log.committed !== n) throw new Error(`committed ${log.committed} of ${n}`);
    return n / (ms / 1000);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- 2. gateway with logging on vs off ----

async function gatewayLoad(mockUrl: string, logging: boolean): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const home = await tempDir("faro-bench-obs-");
  const { writeFile } = await import("node:fs/promises");
  await writeFile(join(home, "config.json"), JSON.stringify({ aliases: { up: { provider: "openai", custom_host: mockUrl, api_key: "k", override_params: { model: "gpt-4o-mini" } } } }));
  const faro = await serve(["--models-dir", await tempDir("faro-bench-empty-")], { FARO_REQUEST_LOG: logging ? "on" : "off", FARO_LOG_LEVEL: "warn" }, home);
  try {
    const body = JSON.stringify({ model: "up", messages: [{ role: "user", content: "Say hello" }] });
    const opts = { url: `${faro.baseURL}/chat/completions`, method: "POST" as const, headers: { "content-type": "application/json", "x-portkey-metadata": '{"team":"bench"}' }, body, connections: 50, pipelining: 1 };
    await autocannon({ ...opts, duration: 1 }); // warm-up
    const r = await autocannon({ ...opts, duration: SECONDS });
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
  } finally {
    await faro.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

// ---- 3. stats over 1M rows ----

function aggregate(n: number): Row[] {
  const dir = mkdtempSync(join(tmpdir(), "faro-bench-agg-"));
  const db = openDatabase(join(dir, "faro.db"));
  try {
    const until = Date.now();
    const since = until - 7 * 86_400_000;
    const step = (until - since) / n;
    const insert = db.prepare(
      `INSERT INTO requests (id, created_at, route, model, provider, stream, status, latency_ms, ttft_ms, prompt_tokens, completion_tokens, finish_reason, error, cost_usd, cache_status, metadata)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    let t = performance.now();
    db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const r = sampleRow(i, Math.floor(since + i * step));
        insert.run(r.id, r.createdAt, r.route, r.model, r.provider, r.stream ? 1 : 0, r.status, r.latencyMs, r.ttftMs, r.promptTokens, r.completionTokens, r.finishReason, r.error, r.costUsd, r.cacheStatus, JSON.stringify(r.metadata));
      }
    })();
    const genMs = performance.now() - t;
    t = performance.now();
    rebuildStats(db);
    const rollupMs = performance.now() - t;
    const rollupRows = (db.prepare("SELECT count(*) AS n FROM request_stats").get() as { n: number }).n;

    const median = (fn: () => void, runs = 7) => {
      fn(); // warm the page cache and statement cache
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const s = performance.now();
        fn();
        times.push(performance.now() - s);
      }
      return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
    };
    let result: ReturnType<typeof logHandlers.stats> | null = null;
    const statsMs = median(() => (result = logHandlers.stats(db, { since, until: until + 1 })));
    if (result!.totals.requests !== n) throw new Error(`stats counted ${result!.totals.requests} of ${n}`);
    // Baseline: what the dashboard would cost without the rollup (and still without percentiles).
    const raw = db.prepare(
      `SELECT model, provider, count(*), sum(status >= 400), avg(latency_ms), sum(prompt_tokens), sum(completion_tokens), sum(cost_usd),
         sum(cache_status = 'hit') FROM requests WHERE created_at >= ? AND created_at < ? GROUP BY model, provider`,
    );
    const rawMs = median(() => raw.all(since, until + 1), 3);
    const pageMs = median(() => logHandlers.query(db, { model: "gpt-4o-mini", status: "error", limit: 50 }));
    return [
      { measure: `generate ${n.toLocaleString("en")} rows (one transaction)`, ms: fmt(genMs), note: `${fmt(n / (genMs / 1000))} rows/s` },
      { measure: "rebuild the rollup from raw rows (SQL)", ms: fmt(rollupMs), note: `${rollupRows} minute buckets` },
      { measure: "baseline: GROUP BY model on raw rows (no percentiles)", ms: fmt(rawMs, 1), note: "" },
      { measure: "faro/logs/stats (per-model p50/p95, cost/day, rpm series)", ms: fmt(statsMs, 1), note: `goal <= 100 ms: ${statsMs <= 100 ? "met" : "NOT met"}; ${fmt(rawMs / statsMs, 1)}x faster than baseline` },
      { measure: "faro/logs/query page (model + status=error, 50 rows)", ms: fmt(pageMs, 2), note: "" },
    ];
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`bench:observability on ${process.platform}/${process.arch}, Node ${process.version}\n`);

  console.log("1. Request log writer throughput (real SQLite file, WAL, synchronous=NORMAL, rollup included)");
  const perRow = writerThroughput(5_000, 1);
  const batched = writerThroughput(200_000, 256);
  console.table([
    { writer: "baseline: one transaction per row (5,000 rows)", "rows/s": fmt(perRow) },
    { writer: "batched: 256 rows per transaction (200,000 rows)", "rows/s": fmt(batched) },
  ]);
  console.log(`   batched / per-row: ${fmt(batched / perRow, 1)}x; goal >= 50,000 rows/s: ${batched >= 50_000 ? "met" : "NOT met"}\n`);

  console.log(`2. Gateway req/s, request log on vs off (50 connections, ${SECONDS} s each, mock upstream, runs alternate)`);
  const upstream = await startProcess([process.execPath, "--import", "tsx", "test/bench/mockUpstream.ts"], /(http:\/\/127\.0\.0\.1:\d+\/v1)/);
  try {
    const mockUrl = upstream.match[1]!;
    const runs: Array<{ logging: boolean; rps: number; p50: number; p99: number; errors: number }> = [];
    for (const logging of [false, true, false, true]) runs.push({ logging, ...(await gatewayLoad(mockUrl, logging)) });
    console.table(runs.map((r) => ({ "request log": r.logging ? "on" : "off", "req/s": fmt(r.rps), "p50 ms": r.p50, "p99 ms": r.p99, errors: r.errors })));
    const mean = (on: boolean) => runs.filter((r) => r.logging === on).reduce((a, r) => a + r.rps, 0) / 2;
    const ratio = mean(true) / mean(false);
    console.log(`   on / off: ${fmt(ratio * 100, 1)}% (means of two runs each); goal >= 95%: ${ratio >= 0.95 ? "met" : "NOT met"}\n`);
  } finally {
    upstream.proc.kill("SIGTERM");
  }

  console.log(`3. Aggregates over ${ROWS.toLocaleString("en")} logged rows (7 days, 4 models)`);
  console.table(aggregate(ROWS));

  console.log("\n4. Cache-hit latency at the HTTP layer (test/bench/observability/cache.ts)");
  type CacheBench = { benchCacheHit?: (o?: { requests?: number }) => Promise<{ rows: Row[]; hitP50Ms: number; goalMet: boolean }> };
  let cache: CacheBench | null = null;
  try {
    cache = (await import("./observability/cache")) as unknown as CacheBench;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND" && (err as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw err;
  }
  if (!cache?.benchCacheHit) console.log("   cache benchmark not available yet");
  else {
    const r = await cache.benchCacheHit();
    console.table(r.rows);
    console.log(`   cache hit p50 ${fmt(r.hitP50Ms, 3)} ms; goal <= 0.5 ms: ${r.goalMet ? "met" : "NOT met"}`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
