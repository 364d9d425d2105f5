/**
 * Batched writer for the `requests` table: rows are queued in memory and written in one
 * transaction per tick (with the per-minute rollup of logStats.ts), so a request never waits
 * on SQLite.
 *
 * Where the transaction runs: in the backend, on a thread of its own (logWriterThread.ts, with
 * its own connection to faro.db). A commit writes the WAL and now and then checkpoints it into the
 * database file with an fsync; on the event loop that stalled every request in flight whenever the
 * disk was busy (measured: single flushes of 256 rows blocking it for 140-290 ms while other processes
 * used the disk).
 * Inline (the default, and for in-memory databases) the transaction runs on the caller's thread.
 *
 * Acknowledged as written: a row is acknowledged once the transaction of the flush that holds
 * it has committed; `committed` counts those rows and `onCommit` listeners get their ids right
 * after the commit. With WAL and synchronous=NORMAL a committed transaction survives a crash of
 * the process (SIGKILL); only a power loss or OS crash may lose the last commits.
 */
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import type { Db } from "./db";
import type { Logger } from "../logger";
import type { LogRowFull } from "../protocol";
import { messageOf } from "../errors";
import { statsUpserter } from "./logStats";

/** The columns every request has; the rest of LogRowFull may be left out (written as NULL, retries 0). */
type RequiredColumns =
  | "id" | "createdAt" | "route" | "model" | "provider" | "stream" | "status"
  | "latencyMs" | "ttftMs" | "promptTokens" | "completionTokens" | "finishReason" | "error";

/**
 * A row as the gateway records it: the shape faro/logs/get reads back (LogRowFull, protocol/logs.ts),
 * so a column is declared once. metadata, guardrails and attempts are JSON-encoded by the writer.
 */
export type RequestRow = Pick<LogRowFull, RequiredColumns> & Partial<Omit<LogRowFull, RequiredColumns>>;

export interface RequestLogOptions {
  flushIntervalMs?: number;
  /** Flush at once when this many rows are waiting. */
  batchSize?: number;
  /** Rows kept while the database refuses writes; older ones are dropped (and counted). */
  maxPending?: number;
  /** false: rows are discarded (FARO_REQUEST_LOG=off, for benchmarks). */
  enabled?: boolean;
  /**
   * Write on a worker thread with its own connection (a database file only). `nativeBinding`:
   * the better-sqlite3 addon the main connection loaded (db.ts addonPath()), null for its own lookup.
   */
  thread?: { nativeBinding: string | null };
}

/** What became of a batch: rows committed, rows to try again later, rows refused for good. */
export interface BatchOutcome {
  committed: string[];
  retry: RequestRow[];
  dropped: number;
  /** The failure that made the batch go row by row, if any. */
  error: string | null;
}

/** Where batches are written: on this thread, or posted to the writer thread. */
interface Sink {
  send(rows: RequestRow[]): void;
  /** Resolves once every batch sent has been settled and the sink's resources are released. */
  close(): Promise<void>;
}

export class RequestLog {
  private pending: RequestRow[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sink: Sink;
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
    this.sink = opts.thread && !db.memory && this.enabled ? this.threadSink(opts.thread.nativeBinding) : this.inlineSink();
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

  /** Sends everything queued to be written. Called by the timer and on close. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0 || !this.db.open) return;
    const rows = this.pending;
    this.pending = [];
    this.sink.send(rows);
  }

  /** Writes what is queued and waits until it is settled (the writer thread, if any, stops). */
  async close(): Promise<void> {
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.sink.close();
  }

  private settle(rows: number, outcome: BatchOutcome): void {
    if (outcome.committed.length > 0) {
      this.committed += outcome.committed.length;
      for (const l of this.commitListeners) l(outcome.committed);
    }
    if (outcome.error === null) return;
    this.dropped += outcome.dropped;
    this.logger.error(`request log: a batch of ${rows} rows failed (${outcome.error}); ${outcome.retry.length} kept for retry, ${this.dropped} dropped so far`);
    if (outcome.retry.length === 0) return;
    this.pending = outcome.retry.concat(this.pending);
    const excess = this.pending.length - this.maxPending;
    if (excess > 0) {
      this.pending.splice(0, excess);
      this.dropped += excess;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.flushIntervalMs * 5).unref();
  }

  private inlineSink(): Sink {
    const write = rowWriter(this.db);
    return {
      send: (rows) => this.settle(rows.length, writeBatch(write, rows)),
      close: async () => {},
    };
  }

  /**
   * Batches go to the writer thread and come back settled, in order. If the thread fails, the
   * error is logged and writing goes on inline; the batches it had not settled are written again
   * (a row it had committed is then refused by the primary key and counted as dropped, not doubled).
   */
  private threadSink(nativeBinding: string | null): Sink {
    const worker = startWriterThread({ file: this.db.name, nativeBinding });
    // Checkpoints happen on the connection that commits past the threshold: make that the thread's.
    this.db.pragma("wal_autocheckpoint = 0");
    const inflight = new Map<number, RequestRow[]>();
    let seq = 0;
    let closing = false;
    let failed = false;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    const drained = () => {
      if (closing && inflight.size === 0) worker.postMessage({ close: true } satisfies WriterMessage);
    };
    worker.on("message", (m: WriterReply) => {
      const rows = inflight.get(m.seq);
      inflight.delete(m.seq);
      if (inflight.size === 0 && !closing) worker.unref();
      this.settle(rows?.length ?? 0, m);
      drained();
    });
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      const unsettled = [...inflight.values()].flat();
      inflight.clear();
      this.logger.error(`request log: the writer thread stopped (${messageOf(err)}); writing on the main thread from now on`);
      if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
      this.sink = this.inlineSink();
      if (unsettled.length > 0 && this.db.open) this.sink.send(unsettled);
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!closing || inflight.size > 0) fail(new Error(`exit code ${code}`));
    });
    worker.unref();
    return {
      send: (rows) => {
        if (inflight.size === 0) worker.ref(); // referenced only while it owes an answer
        inflight.set(++seq, rows);
        worker.postMessage({ seq, rows } satisfies WriterMessage);
      },
      close: () => {
        if (failed) return Promise.resolve();
        worker.ref();
        closing = true;
        drained();
        return exited;
      },
    };
  }
}

/** The writer thread: its bundle beside the backend's (esbuild.mjs), or its source under tsx (tests). */
function startWriterThread(workerData: WriterThreadData): Worker {
  if (!__filename.endsWith(".ts")) return new Worker(join(__dirname, "logWriter.js"), { workerData });
  const source = `require(${JSON.stringify(require.resolve("tsx/cjs"))}); require(${JSON.stringify(join(__dirname, "logWriterThread.ts"))});`;
  return new Worker(source, { eval: true, workerData });
}

const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

export interface WriterThreadData {
  file: string;
  nativeBinding: string | null;
}
export type WriterMessage = { seq: number; rows: RequestRow[] } | { close: true };
export type WriterReply = BatchOutcome & { seq: number };

/** The insert of a batch of rows and their rollup, in one transaction. */
export function rowWriter(db: Db): (rows: readonly RequestRow[]) => void {
  const insert = db.prepare(
    `INSERT INTO requests (id, created_at, route, model, provider, stream, status, latency_ms,
       ttft_ms, prompt_tokens, completion_tokens, finish_reason, error, prompt_id, prompt_version, retries, fallback_index, trace_id,
       cost_usd, cached_tokens, cache_status, metadata, virtual_key_id, guardrails, attempts, request_body, response_body)
     VALUES (${new Array(27).fill("?").join(", ")})`,
  );
  const rollup = statsUpserter(db);
  return db.transaction((rows: readonly RequestRow[]) => {
    for (const row of rows) insert.run(...toParams(row));
    rollup(rows);
  });
}

/**
 * Writes a batch; if it fails, row by row: a row the schema refuses (a constraint) is dropped so
 * it cannot block the log forever; on any other failure (disk full, locked) the row is kept for
 * a retry.
 */
export function writeBatch(write: (rows: readonly RequestRow[]) => void, rows: RequestRow[]): BatchOutcome {
  try {
    write(rows);
    return { committed: rows.map((r) => r.id), retry: [], dropped: 0, error: null };
  } catch (batchError) {
    const outcome: BatchOutcome = { committed: [], retry: [], dropped: 0, error: messageOf(batchError) };
    for (const row of rows) {
      try {
        write([row]);
        outcome.committed.push(row.id);
      } catch (err) {
        outcome.error = messageOf(err);
        if (String((err as { code?: unknown }).code).startsWith("SQLITE_CONSTRAINT")) outcome.dropped++;
        else outcome.retry.push(row);
      }
    }
    return outcome;
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
