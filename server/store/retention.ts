/**
 * Request log retention: rows (and rollup buckets) older than the retention period are deleted
 * at start and then every hour, in small batches with a turn of the event loop between them,
 * so a large purge never holds the database (or a request) for long.
 */
import type { Logger } from "../logger";
import { messageOf } from "../errors";
import type { Db } from "./db";

export const DEFAULT_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

export interface RetentionOptions {
  /** 0 keeps everything. */
  days: number;
  intervalMs?: number;
  batchSize?: number;
}

export class Retention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;
  private readonly deleteRows;
  private readonly deleteStats;
  private readonly deleteHourStats;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly opts: RetentionOptions,
  ) {
    const batch = opts.batchSize ?? 500;
    this.deleteRows = db.prepare(`DELETE FROM requests WHERE rowid IN (SELECT rowid FROM requests WHERE created_at < ? LIMIT ${batch})`);
    // A rollup bucket goes once it ends at or before the cutoff.
    const stats = (table: string, unit: number) =>
      db.prepare(`DELETE FROM ${table} WHERE t IN (SELECT DISTINCT t FROM ${table} WHERE t <= ? - ${unit} LIMIT ${batch})`);
    this.deleteStats = stats("request_stats", 60_000);
    this.deleteHourStats = stats("request_stats_hour", 3_600_000);
  }

  /** Purges now, then every interval (the timer does not keep the process alive). */
  start(): void {
    if (this.opts.days <= 0) return;
    const tick = () => {
      void this.purge().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.opts.intervalMs ?? 3_600_000).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  /** Deletes everything older than the period; resolves with the number of request rows deleted. */
  purge(now = Date.now()): Promise<number> {
    if (this.opts.days <= 0) return Promise.resolve(0);
    this.running ??= this.run(now - this.opts.days * DAY_MS).finally(() => (this.running = null));
    return this.running;
  }

  private async run(cutoff: number): Promise<number> {
    let total = 0;
    try {
      for (const stmt of [this.deleteRows, this.deleteStats, this.deleteHourStats]) {
        for (;;) {
          if (this.stopped || !this.db.open) return total;
          const { changes } = stmt.run(cutoff);
          if (stmt === this.deleteRows) total += changes;
          if (changes === 0) break;
          await new Promise((r) => setImmediate(r));
        }
      }
      if (total > 0) this.logger.info(`request log: deleted ${total} rows older than ${this.opts.days} days`);
    } catch (err) {
      this.logger.error(`request log retention failed: ${messageOf(err)}`);
    }
    return total;
  }

  /** Stops the timer; a purge in progress stops after its current batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
