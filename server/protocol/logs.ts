/**
 * Protocol: the request log (server/store/logQuery.ts, logStats.ts): query, one row, aggregates,
 * export. Times are ms since the epoch; the Logs webview charts these shapes directly.
 * Types only; re-exported by server/protocol.ts.
 */

/** Filters shared by faro/logs/query, faro/logs/export (and GET /v1/logs as query parameters). */
export interface LogFilter {
  /** created_at >= since (inclusive). */
  since?: number;
  /** created_at < until (exclusive). */
  until?: number;
  model?: string;
  provider?: string;
  /** An HTTP status (429), a class ("2xx".."5xx"), "error" (>= 400) or "ok" (< 400). */
  status?: number | "2xx" | "3xx" | "4xx" | "5xx" | "error" | "ok";
  /** e.g. "POST /v1/chat/completions". */
  route?: string;
  promptId?: string;
  promptVersion?: number;
  /** Every key must be present in the row's metadata with this value (compared as text). */
  metadata?: Record<string, string>;
  virtualKeyId?: string;
  /** "none": the cache was not used. */
  cacheStatus?: "hit" | "miss" | "refresh" | "none";
  /** Case-insensitive substring of the error message. */
  errorText?: string;
  traceId?: string;
}

export interface LogQueryParams extends LogFilter {
  /** 1..1000, default 50. */
  limit?: number;
  /** nextCursor of the previous page; pages go newest first. */
  cursor?: string | null;
}

/** A request log row without its bodies. JSON columns are parsed. */
export interface LogRow {
  id: string;
  createdAt: number;
  route: string;
  model: string | null;
  provider: string | null;
  stream: boolean;
  status: number;
  latencyMs: number;
  ttftMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  finishReason: string | null;
  error: string | null;
  /** Set when the request ran a stored `.prompt` (its id and version; version null when unsaved). */
  promptId: string | null;
  promptVersion: number | null;
  /** Routing: retries taken, which top-level option answered, the client's trace id. */
  retries: number;
  fallbackIndex: number | null;
  traceId: string | null;
  costUsd: number | null;
  cachedTokens: number | null;
  cacheStatus: string | null;
  metadata: Record<string, unknown> | null;
  virtualKeyId: string | null;
  guardrails: unknown[] | null;
  /** The routing trail: one entry per attempt (provider, model, status, error). */
  attempts: unknown[] | null;
}

/** One row with everything: bodies are present only when body logging was on (redacted text). */
export interface LogRowFull extends LogRow {
  requestBody: string | null;
  responseBody: string | null;
}

export interface LogQueryResult {
  rows: LogRow[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface LogStatsParams {
  /** Default: 24 hours before `until`. Minute resolution (floored). */
  since?: number;
  /** Default: now. */
  until?: number;
  model?: string;
  provider?: string;
  route?: string;
  /** Most points in `series` (default 240, 1..2000): the bucket widens to fit. */
  maxPoints?: number;
  /** Day boundaries of `daily` in this offset from UTC (e.g. 120 for UTC+2); default 0. */
  utcOffsetMinutes?: number;
}

/** Aggregates for one model + provider (or for everything, in `totals`). */
export interface LogStatsModel {
  model: string | null;
  provider: string | null;
  requests: number;
  errors: number;
  /** errors / requests, 0..1 (errors: status >= 400, 499 = client went away). */
  errorRate: number;
  latencyAvgMs: number | null;
  /** Approximate: interpolated within log-spaced histogram buckets (1, 2, 3, 5, 7, 10, 15... ms). */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  latencyMaxMs: number | null;
  ttftAvgMs: number | null;
  /** Completion tokens per second after the first token, successful answers only. */
  tokensPerSecond: number | null;
  promptTokens: number;
  completionTokens: number;
  /** Sum of known costs (rows without a price count 0). */
  costUsd: number;
  cacheHits: number;
  /** Misses and refreshes. */
  cacheMisses: number;
  /** hits / (hits + misses); null when the cache was not used. */
  cacheHitRate: number | null;
}

export interface LogStatsResult {
  since: number;
  until: number;
  totals: LogStatsModel;
  /** Busiest first. */
  models: LogStatsModel[];
  /** One entry per day that had requests, oldest first; `day` is YYYY-MM-DD. */
  daily: Array<{ day: string; requests: number; errors: number; costUsd: number; promptTokens: number; completionTokens: number }>;
  /** Dense time series (zeros included), oldest first: one point per `bucketMs` from `since`. */
  series: {
    bucketMs: number;
    points: Array<{ t: number; requests: number; errors: number; cacheHits: number; completionTokens: number; requestsPerMinute: number }>;
  };
}

export interface LogExportParams extends LogFilter {
  format: "jsonl" | "csv";
  /** Write to this file (absolute path) and return its row count; without it the text comes back (at most 10,000 rows). */
  path?: string;
  /** Include request/response bodies (when they were logged). Default false. */
  includeBodies?: boolean;
}

export interface LogExportResult {
  rows: number;
  path: string | null;
  /** The export itself when no path was given. */
  data: string | null;
}

export interface LogRequests {
  /** Request log rows, newest first, filtered, keyset-paginated. */
  "faro/logs/query": { params: LogQueryParams; result: LogQueryResult };
  /** One row with its bodies and trail; 404 when the id is unknown (or deleted by retention). */
  "faro/logs/get": { params: { id: string }; result: LogRowFull };
  "faro/logs/stats": { params: LogStatsParams; result: LogStatsResult };
  /** Rows oldest first as JSON Lines or CSV (RFC 4180). */
  "faro/logs/export": { params: LogExportParams; result: LogExportResult };
}
