/**
 * The local inference queue: which waiting request starts next. Order: priority 0 in arrival
 * order; then priority 1 for a model already resident (no load needed), then other priority 1;
 * then priority 2. Waiting `agingMs` promotes a request one level, so nothing starves. The host
 * (the model pool) says what can start and starts it; this file only orders and counts.
 */
import { FaroError } from "../errors";

export type Priority = 0 | 1 | 2;

export interface Job {
  readonly id: string;
  readonly model: string;
  readonly priority: Priority;
  readonly enqueuedAt: number;
}

export interface SchedulerHost<J extends Job> {
  /** The model is loaded or loading: requests for it need no load. */
  isResident(model: string): boolean;
  /** A request for this model could start now (a free slot, or room to load the model). */
  canStart(model: string): boolean;
  /** Starts the job; must reserve its slot before returning so canStart sees it. */
  start(job: J): void;
}

export interface SchedulerOptions {
  /** Waiting requests beyond this are refused with 429. */
  maxQueue: number;
  /** Waiting this long promotes a request by one priority level. */
  agingMs: number;
  now?: () => number;
}

export interface QueuedView<J extends Job> {
  job: J;
  /** 0-based position among waiting requests, null when running. */
  position: number | null;
  effectivePriority: Priority;
  waitMs: number;
}

export class Scheduler<J extends Job> {
  private readonly waiting: J[] = [];
  private readonly running = new Map<string, { job: J; startedAt: number }>();
  private readonly recentDurations: number[] = [];
  private readonly now: () => number;

  constructor(
    private readonly host: SchedulerHost<J>,
    private readonly opts: SchedulerOptions,
  ) {
    this.now = opts.now ?? (() => performance.now());
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** Queues a job and starts whatever can start. Throws 429 when it would wait in a full queue. */
  enqueue(job: J): void {
    this.waiting.push(job);
    this.dispatch();
    // The limit is on waiting: a request that starts at once (another model has room) is taken.
    if (this.waiting.length > this.opts.maxQueue && this.remove(job.id)) throw this.queueFull();
  }

  /** Removes a waiting job; returns false if it is not waiting (running or unknown). */
  remove(id: string): boolean {
    const i = this.waiting.findIndex((j) => j.id === id);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** A running job ended (done, failed or cancelled): its slot is free for the next one. */
  finished(id: string): void {
    const run = this.running.get(id);
    if (!run) return;
    this.running.delete(id);
    this.recentDurations.push(this.now() - run.startedAt);
    if (this.recentDurations.length > 20) this.recentDurations.shift();
    this.dispatch();
  }

  /** Starts waiting jobs in order while the host can take them; skips jobs that cannot start yet. */
  dispatch(): void {
    for (;;) {
      const next = this.ordered().find((j) => this.host.canStart(j.model));
      if (!next) return;
      this.waiting.splice(this.waiting.indexOf(next), 1);
      this.running.set(next.id, { job: next, startedAt: this.now() });
      this.host.start(next);
    }
  }

  effectivePriority(job: J, now = this.now()): Priority {
    const steps = Math.floor((now - job.enqueuedAt) / this.opts.agingMs);
    return Math.max(0, job.priority - steps) as Priority;
  }

  /** Waiting jobs in the order they would start if every one could. */
  ordered(now = this.now()): J[] {
    const key = (j: J): [number, number, number] => {
      const p = this.effectivePriority(j, now);
      const affinity = p === 1 && !this.host.isResident(j.model) ? 1 : 0;
      return [p, affinity, j.enqueuedAt];
    };
    const keyed = this.waiting.map((j) => ({ j, k: key(j) }));
    keyed.sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.k[2] - b.k[2]);
    return keyed.map((x) => x.j);
  }

  /** Running jobs first, then waiting ones in start order. */
  snapshot(): QueuedView<J>[] {
    const now = this.now();
    const running = [...this.running.values()].map(({ job, startedAt }) => ({
      job,
      position: null,
      effectivePriority: this.effectivePriority(job, startedAt),
      waitMs: startedAt - job.enqueuedAt,
    }));
    const waiting = this.ordered(now).map((job, position) => ({
      job,
      position,
      effectivePriority: this.effectivePriority(job, now),
      waitMs: now - job.enqueuedAt,
    }));
    return [...running, ...waiting];
  }

  /** A client retrying after this long will likely find room: the mean recent job time. */
  retryAfterMs(): number {
    const d = this.recentDurations;
    const mean = d.length ? d.reduce((a, b) => a + b, 0) / d.length : 1000;
    return Math.round(Math.min(30_000, Math.max(100, mean)));
  }

  private queueFull(): FaroError {
    const ms = this.retryAfterMs();
    return new FaroError(
      `The local inference queue is full (${this.opts.maxQueue} requests waiting). Retry after ${ms} ms.`,
      {
        status: 429,
        type: "rate_limit_error",
        code: "queue_full",
        headers: { "retry-after-ms": String(ms), "retry-after": String(Math.ceil(ms / 1000)), "x-should-retry": "true" },
      },
    );
  }
}
