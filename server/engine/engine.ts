/**
 * The local inference engine: discovers models (catalog), loads one on first use with
 * node-llama-cpp and streams generations from it. Loaded models stay loaded until dispose;
 * eviction, priorities and memory planning arrive with the scheduler.
 */
import type { Llama } from "node-llama-cpp";
import { FaroError, messageOf } from "../errors";
import type { Logger } from "../logger";
import type { Catalog, CatalogEntry } from "./catalog";
import { Channel } from "./channel";
import { generate } from "./generate";
import { LoadedModel } from "./loadedModel";
import { chooseThreads } from "./threads";
import type { EngineOptions, EngineStats, GenerateEvent, GenerateRequest } from "./types";

export class Engine {
  private llamaPromise: Promise<Llama> | null = null;
  private readonly loaded = new Map<string, Promise<LoadedModel>>();
  private disposed = false;

  constructor(
    readonly catalog: Catalog,
    private readonly opts: EngineOptions,
    private readonly logger: Logger,
  ) {}

  listModels(): Promise<CatalogEntry[]> {
    return this.catalog.list();
  }

  isLoaded(id: string): boolean {
    return this.loaded.has(id);
  }

  stats(): EngineStats {
    let active = 0;
    let waiting = 0;
    for (const m of this.settled.values()) {
      active += m.active;
      waiting += m.waiting;
    }
    return { loaded: [...this.settled.keys()], active, waiting };
  }

  private readonly settled = new Map<string, LoadedModel>();

  /** Streams a generation. Loads the model first if needed; `signal` stops it at any point. */
  generate(entry: CatalogEntry, req: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateEvent> {
    const out = new Channel<GenerateEvent>();
    void this.run(entry, req, signal, out).then(
      () => out.close(),
      (err: unknown) => out.fail(err),
    );
    return out;
  }

  private async run(entry: CatalogEntry, req: GenerateRequest, signal: AbortSignal, out: Channel<GenerateEvent>) {
    const loaded = await this.load(entry);
    const seq = await loaded.acquire(signal);
    try {
      await generate(loaded, seq, req, signal, (e) => out.push(e));
    } finally {
      loaded.release(seq);
    }
  }

  load(entry: CatalogEntry): Promise<LoadedModel> {
    if (this.disposed) return Promise.reject(new FaroError("The engine is shutting down.", { status: 503, type: "server_error", code: "shutting_down" }));
    let p = this.loaded.get(entry.id);
    if (!p) {
      p = this.loadNow(entry);
      this.loaded.set(entry.id, p);
      // A failed load is forgotten so the next request can retry (e.g. after the file is fixed).
      p.then(
        (m) => this.settled.set(entry.id, m),
        () => this.loaded.delete(entry.id),
      );
    }
    return p;
  }

  private async loadNow(entry: CatalogEntry): Promise<LoadedModel> {
    const started = performance.now();
    const llama = await this.llama();
    const threads = chooseThreads({ override: this.opts.threads, embeddingLength: entry.embeddingLength, sizeBytes: entry.sizeBytes });
    try {
      const model = await llama.loadModel({ modelPath: entry.path });
      try {
        const context = await model.createContext({
          sequences: this.opts.slots,
          contextSize: { max: Math.min(this.opts.maxContextSize, entry.contextLength ?? this.opts.maxContextSize) },
          threads,
        });
        const ms = Math.round(performance.now() - started);
        this.logger.info(
          `loaded ${entry.id} in ${ms} ms (${llama.gpu || "cpu"}, ${threads} thread(s), context ${context.contextSize} x ${context.totalSequences} slots)`,
        );
        const { resolveChatWrapper } = await import("node-llama-cpp");
        return new LoadedModel(entry, model, context, resolveChatWrapper(model));
      } catch (err) {
        await model.dispose();
        throw err;
      }
    } catch (err) {
      throw new FaroError(`Could not load model '${entry.id}' from ${entry.path}: ${messageOf(err)}`, {
        status: 500,
        type: "server_error",
        code: "model_load_failed",
        cause: err,
      });
    }
  }

  private llama(): Promise<Llama> {
    this.llamaPromise ??= (async () => {
      const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
      return getLlama({
        gpu: this.opts.gpu === "cpu" ? false : "auto",
        build: "never", // no network here; a source build would try to download llama.cpp
        logLevel: LlamaLogLevel.warn,
        logger: (level, message) => {
          const text = message.trim();
          if (!text) return;
          if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) this.logger.error(`llama.cpp: ${text}`);
          else this.logger.debug(`llama.cpp: ${text}`);
        },
      });
    })();
    return this.llamaPromise;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const models = await Promise.allSettled(this.loaded.values());
    this.loaded.clear();
    this.settled.clear();
    for (const m of models) if (m.status === "fulfilled") await m.value.dispose();
    if (this.llamaPromise) await (await this.llamaPromise).dispose();
  }
}
