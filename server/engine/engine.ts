/**
 * The local inference engine: every request becomes a job in the scheduler; when it starts, the
 * model pool gives it a slot (loading the model if needed) and it decodes as one sequence of the
 * model's shared context, so concurrent requests batch. Jobs are cancellable in every state.
 */
import { FaroError, modelNotFound } from "../errors";
import type { Logger } from "../logger";
import type { Catalog, CatalogEntry } from "./catalog";
import { Channel } from "./channel";
import { complete } from "./complete";
import { generate } from "./generate";
import type { LlamaContextSequence } from "node-llama-cpp";
import type { LoadedModel } from "./loadedModel";
import { ModelLoader } from "./modelLoader";
import { ModelPool, type ResidentView } from "./modelPool";
import { Scheduler, type Job, type SchedulerHost } from "./scheduler";
import type { CompleteRequest, EmbedResult, EngineOptions, EngineStats, GenerateEvent, GenerateRequest, JobMeta, QueueEntry } from "./types";
import { anySignal } from "../signals";

interface EngineJob extends Job {
  entry: CatalogEntry;
  keepAliveMs: number | null;
  controller: AbortController;
  /** Why the job was cancelled through the API (DELETE /v1/queue/{id}), if it was. */
  cancelled: string | null;
  loading: boolean;
  run(loaded: Promise<LoadedModel>): Promise<void>;
  fail(err: unknown): void;
}

export class Engine implements SchedulerHost<EngineJob> {
  readonly loader: ModelLoader;
  private readonly pool: ModelPool;
  private readonly scheduler: Scheduler<EngineJob>;
  private readonly jobs = new Map<string, EngineJob>();
  private readonly listeners = new Set<() => void>();
  /** Running jobs' work, awaited on dispose so no model is freed under a decode. */
  private readonly inflight = new Set<Promise<void>>();
  private disposed = false;

  constructor(
    readonly catalog: Catalog,
    opts: EngineOptions,
    private readonly logger: Logger,
  ) {
    this.loader = new ModelLoader(opts, logger);
    this.pool = new ModelPool((e, p, room) => this.loader.load(e, p, room), { slots: opts.slots, maxLoaded: opts.maxLoadedModels, keepAliveMs: opts.keepAliveMs }, logger, () =>
      this.changed(),
    );
    this.scheduler = new Scheduler(this, { maxQueue: opts.maxQueue, agingMs: opts.agingMs });
  }

  listModels(): Promise<CatalogEntry[]> {
    return this.catalog.list();
  }

  isLoaded(id: string): boolean {
    return this.pool.isLoaded(id);
  }

  // SchedulerHost
  isResident(model: string): boolean {
    return this.pool.isResident(model);
  }
  canStart(model: string): boolean {
    return !this.disposed && this.pool.canStart(model);
  }
  start(job: EngineJob): void {
    const ready = this.pool.reserve(job.entry, job.keepAliveMs);
    job.loading = !this.pool.isLoaded(job.entry.id);
    const work = job.run(ready).finally(() => {
      this.inflight.delete(work);
      this.pool.release(job.entry.id, ready);
      this.jobs.delete(job.id);
      this.scheduler.finished(job.id);
      this.changed();
    });
    this.inflight.add(work);
  }

  /** Streams a chat generation once the scheduler starts it; `signal` cancels it at any point. */
  generate(entry: CatalogEntry | string, req: GenerateRequest, signal: AbortSignal, meta: JobMeta): AsyncIterable<GenerateEvent> {
    return this.onSequence(entry, signal, meta, (loaded, seq, jobSignal, emit) => generate(loaded, seq, req, jobSignal, emit));
  }

  /** Streams a text completion (POST /v1/completions). */
  complete(entry: CatalogEntry | string, req: CompleteRequest, signal: AbortSignal, meta: JobMeta): AsyncIterable<GenerateEvent> {
    return this.onSequence(entry, signal, meta, (loaded, seq, jobSignal, emit) => complete(loaded, seq, req, jobSignal, emit));
  }

  /** A scheduled job that decodes on one of the model's sequences, streaming what it emits. */
  private onSequence(
    entry: CatalogEntry | string,
    signal: AbortSignal,
    meta: JobMeta,
    decode: (loaded: LoadedModel, seq: LlamaContextSequence, signal: AbortSignal, emit: (e: GenerateEvent) => void) => Promise<void>,
  ): AsyncIterable<GenerateEvent> {
    const out = new Channel<GenerateEvent>();
    this.submit(entry, signal, meta, out, async (loaded, jobSignal) => {
      const seq = loaded.take();
      try {
        await decode(loaded, seq, jobSignal, (e) => out.push(e));
      } finally {
        loaded.give(seq);
      }
    });
    return out;
  }

  /** Embeds texts with the model, scheduled like any other request. */
  async embed(entry: CatalogEntry | string, texts: readonly string[], signal: AbortSignal, meta: JobMeta): Promise<EmbedResult> {
    const out = new Channel<EmbedResult>();
    this.submit(entry, signal, meta, out, async (loaded, jobSignal) => {
      const { vectors, tokens } = await loaded.embed(texts, jobSignal);
      out.push({ vectors, promptTokens: tokens });
    });
    for await (const result of out) return result;
    throw new Error("embedding job ended without a result");
  }

  /** Queues `work` for the model, given as a catalog entry or its id (looked up here, 404 if absent). */
  private submit<T>(
    model: CatalogEntry | string,
    signal: AbortSignal,
    meta: JobMeta,
    out: Channel<T>,
    work: (loaded: LoadedModel, signal: AbortSignal) => Promise<void>,
  ): void {
    if (typeof model !== "string") return this.enqueue(model, signal, meta, out, work);
    this.catalog.find(model).then(
      (entry) => (entry ? this.enqueue(entry, signal, meta, out, work) : out.fail(modelNotFound(model))),
      (err: unknown) => out.fail(err),
    );
  }

  private enqueue<T>(
    entry: CatalogEntry,
    signal: AbortSignal,
    meta: JobMeta,
    out: Channel<T>,
    work: (loaded: LoadedModel, signal: AbortSignal) => Promise<void>,
  ): void {
    if (this.disposed) return out.fail(shuttingDown());
    const controller = new AbortController();
    const jobSignal = anySignal([signal, controller.signal]);
    const job: EngineJob = {
      id: meta.id,
      model: entry.id,
      priority: meta.priority,
      enqueuedAt: performance.now(),
      entry,
      keepAliveMs: meta.keepAliveMs,
      controller,
      cancelled: null,
      loading: false,
      run: async (ready) => {
        try {
          // A load can take a minute: a request cancelled meanwhile is answered (and its slot
          // freed) now, while the load goes on for the requests that come next.
          const loaded = await untilAborted(ready, jobSignal);
          job.loading = false;
          this.changed();
          await work(loaded, jobSignal);
          if (job.cancelled) out.fail(cancelledError(job.cancelled));
          else out.close();
        } catch (err) {
          // node-llama-cpp throws an AbortError when cancelled during prompt evaluation.
          if (jobSignal.aborted) out.fail(job.cancelled ? cancelledError(job.cancelled) : clientGone());
          else out.fail(err);
        }
      },
      fail: (err) => out.fail(err),
    };
    // A request that goes away while waiting leaves the queue at once.
    const onAbort = () => {
      if (this.scheduler.remove(job.id)) {
        this.jobs.delete(job.id);
        job.fail(job.cancelled ? cancelledError(job.cancelled) : clientGone());
        this.changed();
      }
    };
    jobSignal.addEventListener("abort", onAbort, { once: true });
    this.jobs.set(job.id, job);
    try {
      this.scheduler.enqueue(job);
    } catch (err) {
      this.jobs.delete(job.id);
      out.fail(err);
    }
    this.changed();
  }

  /** Cancels a waiting or running request. Returns false when no such request is queued. */
  cancel(id: string, reason = "cancelled through the queue API"): boolean {
    const job = this.jobs.get(id);
    if (!job) return false;
    job.cancelled = reason;
    job.controller.abort();
    return true;
  }

  queue(): QueueEntry[] {
    return this.scheduler.snapshot().map(({ job, position, effectivePriority, waitMs }) => ({
      id: job.id,
      model: job.model,
      priority: job.priority,
      effective_priority: effectivePriority,
      state: position !== null ? "waiting" : job.loading ? "loading" : "running",
      position,
      wait_ms: Math.round(waitMs),
    }));
  }

  residents(): ResidentView[] {
    return this.pool.list();
  }

  unload(id: string): boolean {
    return this.pool.unload(id);
  }

  stats(): EngineStats {
    return {
      loaded: this.pool.list().map((r) => r.id),
      active: this.scheduler.runningCount,
      waiting: this.scheduler.waitingCount,
      decodeBatches: this.loader.batches.batches,
      decodedSequences: this.loader.batches.sequences,
    };
  }

  /** Called on every queue or model change (the LSP turns it into faro/queue/changed). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const job of [...this.jobs.values()]) this.cancel(job.id, "cancelled: the server is shutting down");
    await Promise.allSettled(this.inflight);
    await this.pool.dispose();
    await this.loader.dispose();
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function shuttingDown(): FaroError {
  return new FaroError("The engine is shutting down.", { status: 503, type: "server_error", code: "shutting_down" });
}

function clientGone(): FaroError {
  return new FaroError("The request was cancelled before it started.", { status: 499, type: "invalid_request_error", code: "client_closed_request" });
}

function cancelledError(reason: string): FaroError {
  return new FaroError(`The request was ${reason}.`, { status: 499, type: "invalid_request_error", code: "request_cancelled" });
}
