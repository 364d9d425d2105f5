/**
 * Reading the request log: filtered, newest-first pages with a keyset cursor, one row with its
 * bodies, and exports (JSON Lines, CSV). Filters are validated here, once, for every caller
 * (faro/logs/*, `faro logs`, GET /v1/logs), and turned into parameterised SQL.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { isAbsolute } from "node:path";
import { z } from "zod";
import { FaroError, badRequest, notFound } from "../errors";
import type { LogExportResult, LogFilter, LogQueryResult, LogRow, LogRowFull, LogStatsResult } from "../protocol";
import type { Db } from "./db";
import { queryStats } from "./logStats";

const time = z.number().int().min(0);
const text = z.string().min(1).max(1000);

export const logFilterSchema = z.strictObject({
  since: time.optional(),
  until: time.optional(),
  model: text.optional(),
  provider: text.optional(),
  status: z
    .union([z.number().int().min(100).max(599), z.enum(["2xx", "3xx", "4xx", "5xx", "error", "ok"])], {
      error: "use an HTTP status (100-599), a class (2xx, 3xx, 4xx, 5xx), error or ok",
    })
    .optional(),
  route: text.optional(),
  promptId: text.optional(),
  promptVersion: z.number().int().min(1).optional(),
  metadata: z.record(z.string().min(1).max(200), z.string().max(1000)).optional(),
  virtualKeyId: text.optional(),
  cacheStatus: z.enum(["hit", "miss", "refresh", "none"]).optional(),
  errorText: text.optional(),
  traceId: text.optional(),
});

export const logQuerySchema = logFilterSchema.extend({
  limit: z.number().int().min(1).max(1000).optional(),
  cursor: z.string().nullish(),
});

/** Validates params against a schema; the first problem is a 400 naming the field. */
export function parseParams<T>(schema: z.ZodType<T>, params: unknown): T {
  const parsed = schema.safeParse(params ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
  const param = [...issue.path.map(String), ...keys.slice(0, 1)].join(".");
  throw badRequest(`Invalid ${param || "parameters"}: ${issue.message}.`, param || null, "invalid_value");
}

const SUMMARY_COLUMNS = `id, created_at, route, model, provider, stream, status, latency_ms, ttft_ms, prompt_tokens,
  completion_tokens, finish_reason, error, prompt_id, prompt_version, retries, fallback_index, trace_id, cost_usd,
  cached_tokens, cache_status, metadata, virtual_key_id, guardrails, attempts`;

interface Where {
  sql: string;
  args: (string | number)[];
}

export function whereOf(f: LogFilter): Where {
  const parts: string[] = [];
  const args: (string | number)[] = [];
  const eq = (col: string, v: string | number | undefined) => {
    if (v === undefined) return;
    parts.push(`${col} = ?`);
    args.push(v);
  };
  if (f.since !== undefined) {
    parts.push("created_at >= ?");
    args.push(f.since);
  }
  if (f.until !== undefined) {
    parts.push("created_at < ?");
    args.push(f.until);
  }
  eq("model", f.model);
  eq("provider", f.provider);
  eq("route", f.route);
  eq("prompt_id", f.promptId);
  eq("prompt_version", f.promptVersion);
  eq("virtual_key_id", f.virtualKeyId);
  eq("trace_id", f.traceId);
  const s = f.status;
  if (typeof s === "number") eq("status", s);
  else if (s === "error") parts.push("status >= 400");
  else if (s === "ok") parts.push("status < 400");
  else if (s !== undefined) {
    const base = Number(s[0]) * 100;
    parts.push("status >= ? AND status < ?");
    args.push(base, base + 100);
  }
  if (f.cacheStatus === "none") parts.push("cache_status IS NULL");
  else eq("cache_status", f.cacheStatus);
  if (f.errorText !== undefined) {
    // instr on lower(): no LIKE wildcards to escape, and the same case-folding as the filter.
    parts.push("instr(lower(error), lower(?)) > 0");
    args.push(f.errorText);
  }
  for (const [key, value] of Object.entries(f.metadata ?? {})) {
    parts.push("CAST(json_extract(metadata, ?) AS TEXT) = ?");
    args.push(`$."${key.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`, value);
  }
  return { sql: parts.length ? parts.join(" AND ") : "1", args };
}

/** Pages of rows, newest first; the cursor is the last row's (created_at, id). */
export function queryLogs(db: Db, params: z.infer<typeof logQuerySchema>): LogQueryResult {
  const limit = params.limit ?? 50;
  const where = whereOf(params);
  if (params.cursor) {
    const [at, id] = decodeCursor(params.cursor);
    where.sql += " AND (created_at < ? OR (created_at = ? AND id < ?))";
    where.args.push(at, at, id);
  }
  const rows = db
    .prepare(`SELECT ${SUMMARY_COLUMNS} FROM requests WHERE ${where.sql} ORDER BY created_at DESC, id DESC LIMIT ?`)
    .all(...where.args, limit + 1) as Record<string, unknown>[];
  const more = rows.length > limit;
  const page = (more ? rows.slice(0, limit) : rows).map(toLogRow);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: more && last ? encodeCursor(last.createdAt, last.id) : null };
}

export function getLog(db: Db, id: string): LogRowFull {
  const row = db.prepare(`SELECT ${SUMMARY_COLUMNS}, request_body, response_body FROM requests WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
  if (!row) throw notFound(`No request with the id '${id}' is in the log (it may be older than the retention period).`, "request_not_found", "id");
  return { ...toLogRow(row), requestBody: (row.request_body as string | null) ?? null, responseBody: (row.response_body as string | null) ?? null };
}

/** Rows oldest first, for exports; `bodies` adds the two body columns. */
export function* iterateLogs(db: Db, filter: LogFilter, bodies: boolean): Generator<LogRowFull> {
  const where = whereOf(filter);
  const cols = bodies ? `${SUMMARY_COLUMNS}, request_body, response_body` : SUMMARY_COLUMNS;
  const stmt = db.prepare(`SELECT ${cols} FROM requests WHERE ${where.sql} ORDER BY created_at, id`);
  for (const r of stmt.iterate(...where.args) as Iterable<Record<string, unknown>>) {
    yield { ...toLogRow(r), requestBody: (r.request_body as string | null) ?? null, responseBody: (r.response_body as string | null) ?? null };
  }
}

function toLogRow(r: Record<string, unknown>): LogRow {
  return {
    id: r.id as string,
    createdAt: r.created_at as number,
    route: r.route as string,
    model: (r.model as string | null) ?? null,
    provider: (r.provider as string | null) ?? null,
    stream: r.stream === 1,
    status: r.status as number,
    latencyMs: r.latency_ms as number,
    ttftMs: (r.ttft_ms as number | null) ?? null,
    promptTokens: (r.prompt_tokens as number | null) ?? null,
    completionTokens: (r.completion_tokens as number | null) ?? null,
    finishReason: (r.finish_reason as string | null) ?? null,
    error: (r.error as string | null) ?? null,
    promptId: (r.prompt_id as string | null) ?? null,
    promptVersion: (r.prompt_version as number | null) ?? null,
    retries: (r.retries as number | null) ?? 0,
    fallbackIndex: (r.fallback_index as number | null) ?? null,
    traceId: (r.trace_id as string | null) ?? null,
    costUsd: (r.cost_usd as number | null) ?? null,
    cachedTokens: (r.cached_tokens as number | null) ?? null,
    cacheStatus: (r.cache_status as string | null) ?? null,
    metadata: json(r.metadata) as Record<string, unknown> | null,
    virtualKeyId: (r.virtual_key_id as string | null) ?? null,
    guardrails: json(r.guardrails) as unknown[] | null,
    attempts: json(r.attempts) as unknown[] | null,
  };
}

function json(v: unknown): unknown {
  return typeof v === "string" ? (JSON.parse(v) as unknown) : null;
}

function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}:${id}`, "utf8").toString("base64url");
}

function decodeCursor(cursor: string): [number, string] {
  const m = Buffer.from(cursor, "base64url").toString("utf8").match(/^(\d+):(.+)$/s);
  if (!m) throw badRequest("Invalid cursor: pass the cursor a previous page gave (next_cursor in GET /v1/logs, nextCursor in faro/logs/query) unchanged.", "cursor", "invalid_cursor");
  return [Number(m[1]), m[2]!];
}

// ---- Exports ----

export const CSV_COLUMNS: readonly (keyof LogRowFull)[] = [
  "id", "createdAt", "route", "model", "provider", "stream", "status", "latencyMs", "ttftMs", "promptTokens", "completionTokens", "finishReason",
  "error", "promptId", "promptVersion", "retries", "fallbackIndex", "traceId", "costUsd", "cachedTokens", "cacheStatus", "metadata", "virtualKeyId",
  "guardrails", "attempts",
];

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled. JSON fields as JSON text. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvHeader(bodies: boolean): string {
  return [...CSV_COLUMNS, ...(bodies ? ["requestBody", "responseBody"] : [])].join(",") + "\r\n";
}

export function csvLine(row: LogRowFull, bodies: boolean): string {
  const cols = bodies ? [...CSV_COLUMNS, "requestBody", "responseBody"] : CSV_COLUMNS;
  return cols.map((c) => csvField(row[c as keyof LogRowFull])).join(",") + "\r\n";
}

export function jsonlLine(row: LogRowFull, bodies: boolean): string {
  if (bodies) return JSON.stringify(row) + "\n";
  const { requestBody: _q, responseBody: _r, ...rest } = row;
  return JSON.stringify(rest) + "\n";
}

/** Streams an export to `write`; returns the row count. */
export function exportLogs(db: Db, filter: LogFilter, format: "csv" | "jsonl", bodies: boolean, write: (chunk: string) => void, maxRows = Infinity): number {
  let n = 0;
  if (format === "csv") write(csvHeader(bodies));
  for (const row of iterateLogs(db, filter, bodies)) {
    if (++n > maxRows) {
      throw new FaroError(`The export has more than ${maxRows} rows: give a path to write it to a file, or narrow the filter (since, until).`, {
        status: 400,
        type: "invalid_request_error",
        code: "export_too_large",
        param: "path",
      });
    }
    write(format === "csv" ? csvLine(row, bodies) : jsonlLine(row, bodies));
  }
  return n;
}

// ---- The faro/logs/* handlers: validate, then query (shared by the LSP, the CLI and HTTP) ----

const statsSchema = z.strictObject({
  since: time.optional(),
  until: time.optional(),
  model: text.optional(),
  provider: text.optional(),
  route: text.optional(),
  maxPoints: z.number().int().min(1).max(2000).optional(),
  utcOffsetMinutes: z.number().int().min(-14 * 60).max(14 * 60).optional(),
});

const exportSchema = logFilterSchema.extend({
  format: z.enum(["jsonl", "csv"]),
  path: z.string().min(1).refine(isAbsolute, "must be an absolute path").optional(),
  includeBodies: z.boolean().optional(),
});

export const EXPORT_INLINE_MAX_ROWS = 10_000;

export const logHandlers = {
  query: (db: Db, params: unknown): LogQueryResult => queryLogs(db, parseParams(logQuerySchema, params)),
  get: (db: Db, params: unknown): LogRowFull => getLog(db, parseParams(z.strictObject({ id: text }), params).id),
  stats: (db: Db, params: unknown, now = Date.now()): LogStatsResult => {
    const p = parseParams(statsSchema, params);
    const until = p.until ?? now;
    const since = p.since ?? until - 86_400_000;
    if (since >= until) throw badRequest(`since (${since}) must be before until (${until}).`, "since", "invalid_value");
    return queryStats(db, { ...p, since, until, maxPoints: p.maxPoints ?? 240, utcOffsetMinutes: p.utcOffsetMinutes ?? 0 });
  },
  export: (db: Db, params: unknown): LogExportResult => {
    const { format, path, includeBodies, ...filter } = parseParams(exportSchema, params);
    if (!path) {
      let data = "";
      const rows = exportLogs(db, filter, format, includeBodies === true, (c) => (data += c), EXPORT_INLINE_MAX_ROWS);
      return { rows, path: null, data };
    }
    let fd: number;
    try {
      fd = openSync(path, "w");
    } catch (err) {
      throw badRequest(`Cannot write the export to ${path}: ${(err as Error).message}`, "path", "export_failed");
    }
    try {
      const rows = exportLogs(db, filter, format, includeBodies === true, (c) => writeSync(fd, c));
      return { rows, path, data: null };
    } finally {
      closeSync(fd);
    }
  },
};
