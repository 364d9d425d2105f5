/**
 * Batched writer for the `requests` table: rows are queued in memory and written in one
 * transaction per tick (with the per-minute rollup of logStats.ts), so a request never waits
 * on SQLite.
 *
 * Acknowledged as written: a row is acknowledged once the transaction of the flush that holds
 * it has committed; `committed` counts those rows and `onCommit` listeners get their ids right
 * after the commit. With WAL and synchronous=NORMAL a committed transaction survives a crash of
 * the process (SIGKILL); only a power loss or OS crash may lose the last commits.
 */
import type { Db } from "./db";
import type { Logger } from "../logger";
import { messageOf } from "../errors";
import { statsUpserter } from "./logStats";

export interface RequestRow {
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
  promptId?: string | null;
  promptVersion?: number | null;
  /** Routing: retries taken, which top-level option answered, the client's trace id. */
  retries?: number;
  fallbackIndex?: number | null;
  traceId?: string | null;
  costUsd?: number | null;
  cachedTokens?: number | null;
  cacheStatus?: string | null;
  /** JSON-encoded by the writer. */
  metadata?: Record<string, unknown> | null;
  virtualKeyId?: string | null;
  guardrails?: unknown[] | null;
  attempts?: unknown[] | null;
  requestBody?: string | null;
  responseBody?: string | null;
}

export interface RequestLogOptions {
  flushIntervalMs?: number;
  /** Flush at once when this many rows are waiting. */
  batchSize?: number;
  /** Rows kept while the database refuses writes; older ones are dropped (and counted). */
  maxPending?: number;
  /** false: rows are discarded (FARO_REQUEST_LOG=off, for benchmarks). */
  enabled?: boolean;
}

export class RequestLog {
  private pending: RequestRow[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly insertMany: (rows: RequestRow[]) => void;
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxPending: number;
  private readonly enabled: boolean;
  private readonly commitListeners = new Set<(ids: readonly string[]) => void>();
  private readonly recordListeners = new Set<(row: RequestRow) => void>();
  dropped = 0;
  /** Rows acknowledged as written (their transaction committed). */
  committed = 0;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    opts: RequestLogOptions = {},
  ) {
    this.flushIntervalMs = opts.flushIntervalMs ?? 200;
    this.batchSize = opts.batchSize ?? 256;
    this.maxPending = opts.maxPending ?? 10_000;
    this.enabled = opts.enabled ?? true;
    const insert = db.prepare(
      `INSERT INTO requests (id, created_at, route, model, provider, stream, status, latency_ms,
         ttft_ms, prompt_tokens, completion_tokens, finish_reason, error, prompt_id, prompt_version, retries, fallback_index, trace_id,
         cost_usd, cached_tokens, cache_status, metadata, virtual_key_id, guardrails, attempts, request_body, response_body)
       VALUES (${new Array(27).fill("?").join(", ")})`,
    );
    const rollup = statsUpserter(db);
    this.insertMany = db.transaction((rows: RequestRow[]) => {
      for (const row of rows) insert.run(...toParams(row));
      rollup(rows);
    });
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Called with the ids of each committed flush; returns an unsubscribe function. */
  onCommit(listener: (ids: readonly string[]) => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /** Called for every row recorded, before it is queued (the /metrics counters). */
  onRecord(listener: (row: RequestRow) => void): () => void {
    this.recordListeners.add(listener);
    return () => this.recordListeners.delete(listener);
  }

  record(row: RequestRow): void {
    for (const l of this.recordListeners) l(row);
    if (!this.enabled) return;
    this.pending.push(row);
    if (this.pending.length >= this.batchSize) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushIntervalMs).unref();
  }

  /** Writes everything queued. Called by the timer and on shutdown. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0 || !this.db.open) return;
    const rows = this.pending;
    this.pending = [];
    try {
      this.insertMany(rows);
      this.acknowledge(rows);
    } catch (err) {
      this.salvage(rows, err);
    }
  }

  private acknowledge(rows: readonly RequestRow[]): void {
    this.committed += rows.length;
    if (this.commitListeners.size === 0) return;
    const ids = rows.map((r) => r.id);
    for (const l of this.commitListeners) l(ids);
  }

  /**
   * After a failed batch, rows go in one by one: a row the schema refuses (a constraint) is
   * dropped so it cannot block the log forever; on any other failure (disk full, locked) the
   * rows wait for the next tick, bounded by maxPending.
   */
  private salvage(rows: RequestRow[], batchError: unknown): void {
    const retry: RequestRow[] = [];
    let lastError = batchError;
    for (const row of rows) {
      try {
        this.insertMany([row]);
        this.acknowledge([row]);
      } catch (err) {
        lastError = err;
        if (String((err as { code?: unknown }).code).startsWith("SQLITE_CONSTRAINT")) this.dropped++;
        else retry.push(row);
      }
    }
    this.logger.error(`request log: a batch of ${rows.length} rows failed (${messageOf(lastError)}); ${retry.length} kept for retry, ${this.dropped} dropped so far`);
    if (retry.length === 0) return;
    this.pending = retry.concat(this.pending);
    const excess = this.pending.length - this.maxPending;
    if (excess > 0) {
      this.pending.splice(0, excess);
      this.dropped += excess;
    }
    this.timer = setTimeout(() => this.flush(), this.flushIntervalMs * 5).unref();
  }

  close(): void {
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Positional parameters for the insert (measurably cheaper than named ones): optional fields become NULL, JSON fields are encoded. */
function toParams(row: RequestRow): unknown[] {
  return [
    row.id,
    row.createdAt,
    row.route,
    row.model,
    row.provider,
    row.stream ? 1 : 0,
    row.status,
    row.latencyMs,
    row.ttftMs,
    row.promptTokens,
    row.completionTokens,
    row.finishReason,
    row.error,
    row.promptId ?? null,
    row.promptVersion ?? null,
    row.retries ?? 0,
    row.fallbackIndex ?? null,
    row.traceId ?? null,
    row.costUsd ?? null,
    row.cachedTokens ?? null,
    row.cacheStatus ?? null,
    row.metadata && Object.keys(row.metadata).length > 0 ? JSON.stringify(row.metadata) : null,
    row.virtualKeyId ?? null,
    row.guardrails && row.guardrails.length > 0 ? JSON.stringify(row.guardrails) : null,
    row.attempts && row.attempts.length > 0 ? JSON.stringify(row.attempts) : null,
    row.requestBody ?? null,
    row.responseBody ?? null,
  ];
}
