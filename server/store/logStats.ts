/**
 * The request log's rollups, per minute (`request_stats`) and per hour (`request_stats_hour`):
 * the writer folds every batch into both in the same transaction as the rows, and
 * faro/logs/stats reads only the rollups (whole hours from the hourly one, the edges of the
 * range from the minute one), so aggregates over millions of requests stay cheap. Latency
 * percentiles come from a fixed log-spaced histogram per bucket (interpolated within a bucket:
 * approximate, within the bucket's width).
 */
import type { Db } from "./db";
import type { RequestRow } from "./requestLog";
import type { LogStatsModel, LogStatsResult } from "../protocol";

/** Upper bounds (ms) of the latency histogram; one more bucket holds everything above. */
export const LATENCY_BOUNDS_MS = [
  1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000, 1500, 2000, 3000, 5000, 7000, 10_000, 15_000, 20_000, 30_000, 60_000,
  120_000, 300_000,
] as const;
const H = LATENCY_BOUNDS_MS.length + 1;
const HIST_COLS = Array.from({ length: H }, (_, i) => `h${i}`);

const SUM_COLS = [
  "requests", "errors", "latency_sum", "ttft_sum", "ttft_count", "prompt_tokens", "completion_tokens", "gen_tokens", "gen_ms", "cost_usd", "cache_hits", "cache_misses",
] as const;

const MINUTE = 60_000;
const HOUR = 3_600_000;
export const STATS_TABLES: Readonly<Record<number, string>> = { [MINUTE]: "request_stats", [HOUR]: "request_stats_hour" };

export const STATS_TABLE_SQL = [MINUTE, HOUR].map((unit) => `
      CREATE TABLE ${STATS_TABLES[unit]} (
        t                 INTEGER NOT NULL,   -- created_at floored to the ${unit === MINUTE ? "minute" : "hour"} (ms)
        route             TEXT NOT NULL,
        model             TEXT NOT NULL,      -- '' when the request never reached a model
        provider          TEXT NOT NULL,      -- ''
        requests          INTEGER NOT NULL,
        errors            INTEGER NOT NULL,   -- status >= 400
        latency_sum       REAL NOT NULL,
        latency_max       REAL NOT NULL,
        ttft_sum          REAL NOT NULL,
        ttft_count        INTEGER NOT NULL,
        prompt_tokens     INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        gen_tokens        INTEGER NOT NULL,   -- completion tokens of successful answers...
        gen_ms            REAL NOT NULL,      -- ...and their time after the first token (tokens/s)
        cost_usd          REAL NOT NULL,
        cache_hits        INTEGER NOT NULL,
        cache_misses      INTEGER NOT NULL,   -- miss or refresh
        ${HIST_COLS.map((c) => `${c} INTEGER NOT NULL DEFAULT 0`).join(", ")},
        PRIMARY KEY (t, route, model, provider)
      ) WITHOUT ROWID;`).join("\n") + backfillSql();

/** Rebuilds the rollup from the raw rows in SQL (the migration, and after bulk imports). */
export function backfillSql(): string {
  const gen = "(status < 400 AND coalesce(completion_tokens, 0) > 0)";
  const decodeMs = "(CASE WHEN ttft_ms IS NOT NULL AND latency_ms > ttft_ms THEN latency_ms - ttft_ms ELSE latency_ms END)";
  const hist = LATENCY_BOUNDS_MS.map((b, i) => `sum(latency_ms > ${i === 0 ? -1 : LATENCY_BOUNDS_MS[i - 1]} AND latency_ms <= ${b})`);
  hist.push(`sum(latency_ms > ${LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]})`);
  return [MINUTE, HOUR].map((unit) => `
      DELETE FROM ${STATS_TABLES[unit]};
      INSERT INTO ${STATS_TABLES[unit]} (t, route, model, provider, ${SUM_COLS.join(", ")}, latency_max, ${HIST_COLS.join(", ")})
      SELECT (created_at / ${unit}) * ${unit}, route, coalesce(model, ''), coalesce(provider, ''),
        count(*), sum(status >= 400), sum(latency_ms), sum(coalesce(ttft_ms, 0)), count(ttft_ms),
        coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),
        sum(CASE WHEN ${gen} THEN completion_tokens ELSE 0 END), sum(CASE WHEN ${gen} THEN ${decodeMs} ELSE 0 END),
        coalesce(sum(cost_usd), 0), sum(coalesce(cache_status, '') = 'hit'), sum(coalesce(cache_status, '') IN ('miss', 'refresh')), max(latency_ms),
        ${hist.join(", ")}
      FROM requests GROUP BY 1, 2, 3, 4;`).join("\n");
}

export function rebuildStats(db: Db): void {
  db.transaction(() => db.exec(backfillSql()))();
}

export function latencyBucket(ms: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (ms <= LATENCY_BOUNDS_MS[i]!) return i;
  return H - 1;
}

interface Agg {
  key: [number, string, string, string];
  sums: number[];
  max: number;
  hist: number[];
}

/** Folds a batch of rows into rollup upserts; returns a function run inside the writer's transaction. */
export function statsUpserter(db: Db): (rows: readonly RequestRow[]) => void {
  const byMinute = upserter(db, MINUTE);
  const byHour = upserter(db, HOUR);
  return (rows) => {
    byMinute(rows);
    byHour(rows);
  };
}

function upserter(db: Db, unit: number): (rows: readonly RequestRow[]) => void {
  const cols = ["t", "route", "model", "provider", ...SUM_COLS, "latency_max", ...HIST_COLS];
  const updates = [
    ...SUM_COLS.map((c) => `${c} = ${c} + excluded.${c}`),
    "latency_max = max(latency_max, excluded.latency_max)",
    ...HIST_COLS.map((c) => `${c} = ${c} + excluded.${c}`),
  ];
  const upsert = db.prepare(
    `INSERT INTO ${STATS_TABLES[unit]} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})
     ON CONFLICT (t, route, model, provider) DO UPDATE SET ${updates.join(", ")}`,
  );
  return (rows) => {
    const groups = new Map<string, Agg>();
    for (const r of rows) {
      const minute = Math.floor(r.createdAt / unit) * unit;
      const model = r.model ?? "";
      const provider = r.provider ?? "";
      const k = `${minute}\u0000${r.route}\u0000${model}\u0000${provider}`;
      let g = groups.get(k);
      if (!g) {
        g = { key: [minute, r.route, model, provider], sums: new Array<number>(SUM_COLS.length).fill(0), max: 0, hist: new Array<number>(H).fill(0) };
        groups.set(k, g);
      }
      const s = g.sums;
      const ok = r.status < 400;
      s[0]! += 1;
      if (!ok) s[1]! += 1;
      s[2]! += r.latencyMs;
      if (r.ttftMs !== null) {
        s[3]! += r.ttftMs;
        s[4]! += 1;
      }
      s[5]! += r.promptTokens ?? 0;
      s[6]! += r.completionTokens ?? 0;
      if (ok && (r.completionTokens ?? 0) > 0) {
        s[7]! += r.completionTokens!;
        s[8]! += r.ttftMs !== null && r.latencyMs > r.ttftMs ? r.latencyMs - r.ttftMs : r.latencyMs;
      }
      s[9]! += r.costUsd ?? 0;
      if (r.cacheStatus === "hit") s[10]! += 1;
      else if (r.cacheStatus === "miss" || r.cacheStatus === "refresh") s[11]! += 1;
      if (r.latencyMs > g.max) g.max = r.latencyMs;
      g.hist[latencyBucket(r.latencyMs)]! += 1;
    }
    for (const g of groups.values()) upsert.run(...g.key, ...g.sums, g.max, ...g.hist);
  };
}

export interface StatsQuery {
  since: number;
  until: number;
  model?: string;
  provider?: string;
  route?: string;
  /** Points of the requests-per-minute series at most (the bucket widens to fit). */
  maxPoints: number;
  /** Days of the cost-per-day series start at midnight in this offset from UTC. */
  utcOffsetMinutes: number;
}

/** Aggregates over the rollup. Times are at minute resolution: `since` is floored to its minute. */
export function queryStats(db: Db, q: StatsQuery): LogStatsResult {
  const since = Math.floor(q.since / MINUTE) * MINUTE;
  const filters: string[] = [];
  const filterArgs: string[] = [];
  for (const [col, v] of [["model", q.model], ["provider", q.provider], ["route", q.route]] as const) {
    if (v === undefined) continue;
    filters.push(` AND ${col} = ?`);
    filterArgs.push(v);
  }
  const f = filters.join("");
  const w = `t >= ? AND t < ?${f}`;
  const args: (string | number)[] = [since, q.until, ...filterArgs];

  // Whole hours from the hourly rollup, the minutes before the first and after the last from the minute one.
  const hStart = Math.ceil(since / HOUR) * HOUR;
  const hEnd = Math.floor(q.until / HOUR) * HOUR;
  const source =
    hEnd > hStart
      ? {
          sql: `(SELECT * FROM request_stats_hour WHERE t >= ? AND t < ?${f}
                 UNION ALL SELECT * FROM request_stats WHERE ((t >= ? AND t < ?) OR (t >= ? AND t < ?))${f})`,
          args: [hStart, hEnd, ...filterArgs, since, hStart, hEnd, q.until, ...filterArgs],
        }
      : { sql: `(SELECT * FROM request_stats WHERE ${w})`, args };
  const sums = [...SUM_COLS.map((c) => `sum(${c})`), "max(latency_max)", ...HIST_COLS.map((c) => `sum(${c})`)].join(", ");
  const perModel = db.prepare(`SELECT model, provider, ${sums} FROM ${source.sql} GROUP BY model, provider ORDER BY 3 DESC`).raw().all(...source.args) as (string | number)[][];
  const models = perModel.map((r) => modelStats(r[0] as string, r[1] as string, r.slice(2) as number[]));
  const total = new Array<number>(SUM_COLS.length + 1 + H).fill(0);
  for (const r of perModel) {
    r.slice(2).forEach((v, i) => {
      total[i] = i === SUM_COLS.length ? Math.max(total[i]!, Number(v)) : total[i]! + Number(v);
    });
  }
  const totals = modelStats(null, null, total);

  const dayMs = 86_400_000;
  const off = q.utcOffsetMinutes * 60_000;
  const daily = (db.prepare(
    `SELECT CAST((t + ?) / ${dayMs} AS INTEGER) AS d, sum(requests), sum(errors), sum(cost_usd), sum(prompt_tokens), sum(completion_tokens)
     FROM request_stats WHERE ${w} GROUP BY d ORDER BY d`,
  ).raw().all(off, ...args) as number[][]).map(([d, requests, errors, cost, pt, ct]) => ({
    day: new Date(d! * dayMs).toISOString().slice(0, 10),
    requests: requests!,
    errors: errors!,
    costUsd: cost!,
    promptTokens: pt!,
    completionTokens: ct!,
  }));

  const span = Math.max(q.until - since, MINUTE);
  const bucketMs = Math.max(1, Math.ceil(span / MINUTE / Math.max(1, q.maxPoints))) * MINUTE;
  const byBucket = new Map<number, number[]>();
  for (const r of db.prepare(
    `SELECT CAST((t - ?) / ${bucketMs} AS INTEGER) AS b, sum(requests), sum(errors), sum(cache_hits), sum(completion_tokens) FROM request_stats WHERE ${w} GROUP BY b`,
  ).raw().all(since, ...args) as number[][]) byBucket.set(r[0]!, r.slice(1));
  const points: LogStatsResult["series"]["points"] = [];
  for (let b = 0; since + b * bucketMs < q.until; b++) {
    const [requests = 0, errors = 0, hits = 0, tokens = 0] = byBucket.get(b) ?? [];
    points.push({ t: since + b * bucketMs, requests, errors, cacheHits: hits, completionTokens: tokens, requestsPerMinute: requests / (bucketMs / 60_000) });
  }
  return { since, until: q.until, totals, models, daily, series: { bucketMs, points } };
}

function modelStats(model: string | null, provider: string | null, v: number[]): LogStatsModel {
  const [requests = 0, errors = 0, latencySum = 0, ttftSum = 0, ttftCount = 0, pt = 0, ct = 0, genTokens = 0, genMs = 0, cost = 0, hits = 0, misses = 0] = v;
  const max = v[SUM_COLS.length] ?? 0;
  const hist = v.slice(SUM_COLS.length + 1);
  return {
    model: model === "" ? null : model,
    provider: provider === "" ? null : provider,
    requests,
    errors,
    errorRate: requests ? errors / requests : 0,
    latencyAvgMs: requests ? latencySum / requests : null,
    latencyP50Ms: percentile(hist, 0.5, max),
    latencyP95Ms: percentile(hist, 0.95, max),
    latencyMaxMs: requests ? max : null,
    ttftAvgMs: ttftCount ? ttftSum / ttftCount : null,
    tokensPerSecond: genMs > 0 ? genTokens / (genMs / 1000) : null,
    promptTokens: pt,
    completionTokens: ct,
    costUsd: cost,
    cacheHits: hits,
    cacheMisses: misses,
    cacheHitRate: hits + misses ? hits / (hits + misses) : null,
  };
}

/** The q-quantile of a histogram, interpolated linearly inside its bucket, capped by the max seen. */
export function percentile(hist: readonly number[], q: number, max: number): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    const n = hist[i]!;
    if (n === 0 || seen + n < rank) {
      seen += n;
      continue;
    }
    const lo = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]!;
    const hi = i < LATENCY_BOUNDS_MS.length ? LATENCY_BOUNDS_MS[i]! : Math.max(max, lo);
    return Math.min(lo + ((rank - seen) / n) * (hi - lo), max);
  }
  return max;
}
