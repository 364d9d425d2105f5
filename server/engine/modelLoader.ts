/**
 * Loads a GGUF with node-llama-cpp where the planner says it fits (GPU, partial offload or CPU),
 * beside the loads in flight, first unloading idle models when that places it better, with the
 * thread count chosen for the model, and reports load progress.
 */
import { readFile, stat } from "node:fs/promises";
import { freemem } from "node:os";
import type { CustomBatchingPrioritizationStrategy, Llama } from "node-llama-cpp";
import { FaroError, messageOf } from "../errors";
import type { Logger } from "../logger";
import type { CatalogEntry } from "./catalog";
import { countingStrategy, DecodeGate, DEFAULT_MAX_WAIT_MS, gateDecodes, gatherTarget, type BatchCounts } from "./batchGather";
import { describeShortfall, ggufShortfall } from "./gguf/extent";
import { LoadedModel } from "./loadedModel";
import type { Room } from "./modelPool";
import { freeBeside, idleToUnload, placedLayers, planPlacement, type FreeMemory, type MemoryPlan, type Resources } from "./planner";
import { chooseThreads } from "./threads";
import type { EngineOptions } from "./types";

/** What a load in flight was planned to take, until it is loaded or has failed. */
interface PlannedLoad {
  needs: Resources;
  done: Promise<void>;
}

export class ModelLoader {
  private llamaPromise: Promise<Llama> | null = null;
  /** A reading of free memory shows a model only as node-llama-cpp builds it: loads in flight count by their plans. */
  private readonly inFlight = new Set<PlannedLoad>();
  /** Decode batches of every model this loader loaded (GET /metrics shows how full they are). */
  readonly batches: BatchCounts = { batches: 0, sequences: 0 };

  constructor(
    private readonly opts: EngineOptions,
    private readonly logger: Logger,
  ) {}

  /** Free VRAM and RAM now; a field so that tests can stage memory pressure. */
  freeMemory = async (llama: Llama): Promise<FreeMemory> => ({ vram: llama.gpu !== false ? (await llama.getVramState()).free : 0, ram: await availableRam() });

  /** `room`: idle models the load may unload when the planner says the model is better placed without them. */
  async load(entry: CatalogEntry, onProgress: (fraction: number) => void, room?: Room): Promise<LoadedModel> {
    const started = performance.now();
    const llama = await this.llama();
    const contextSize = Math.min(this.opts.maxContextSize, entry.contextLength ?? this.opts.maxContextSize);
    const { plan, loaded: planLoaded } = await this.plan(llama, entry, contextSize, room);
    try {
      return await this.create(llama, entry, contextSize, plan, onProgress, started);
    } finally {
      planLoaded();
    }
  }

  private async create(llama: Llama, entry: CatalogEntry, contextSize: number, plan: MemoryPlan, onProgress: (fraction: number) => void, started: number): Promise<LoadedModel> {
    const threads = chooseThreads({ override: this.opts.threads, embeddingLength: entry.embeddingLength, sizeBytes: entry.sizeBytes });
    const { resolveChatWrapper } = await import("node-llama-cpp");
    try {
      const model = await llama.loadModel({ modelPath: entry.path, gpuLayers: plan.gpuLayers, onLoadProgress: onProgress });
      try {
        // The decode gate counts the model's busy sequences, known once it is built.
        let loaded: LoadedModel | null = null;
        const context = await model.createContext({
          sequences: this.opts.slots,
          contextSize,
          threads,
          ...(this.opts.batchSize ? { batchSize: this.opts.batchSize } : {}),
          batching: { itemPrioritizationStrategy: countingStrategy(this.batches) as CustomBatchingPrioritizationStrategy },
        });
        const gather = gatherTarget(this.opts.batchGather, plan.mode !== "cpu");
        if (gather !== null && !gateDecodes(context, new DecodeGate(() => loaded?.busy ?? 0, DEFAULT_MAX_WAIT_MS, gather))) {
          this.logger.warn(`this node-llama-cpp has no decode queue entry to gate: concurrent streams of ${entry.id} batch as its loop gathers them`);
        }
        const ms = Math.round(performance.now() - started);
        this.logger.info(
          `loaded ${entry.id} in ${ms} ms: ${plan.mode}${plan.mode === "partial" ? ` (${plan.gpuLayers}/${plan.totalLayers} layers on GPU)` : ""}, ` +
            `${threads} thread(s), context ${context.contextSize} x ${context.totalSequences} slots, ` +
            `concurrent decodes ${gather === null ? "not gathered" : gather === Infinity ? "gathered from every stream" : `gathered ${gather} streams at a time`}`,
        );
        loaded = new LoadedModel(entry, model, context, resolveChatWrapper(model), plan, threads);
        return loaded;
      } catch (err) {
        await model.dispose();
        throw err;
      }
    } catch (err) {
      throw new FaroError(`Could not load model '${entry.id}' from ${entry.path}: ${messageOf(err)}`, {
        status: 500,
        type: "server_error",
        code: "model_load_failed",
        param: "model",
        cause: err,
      });
    }
  }

  /**
   * Where the model goes, beside the loads in flight. Its plan counts as in flight until
   * `loaded()` is called (once the model and its context are built, or have failed).
   */
  private async plan(llama: Llama, entry: CatalogEntry, contextSize: number, room: Room | undefined): Promise<{ plan: MemoryPlan; loaded: () => void }> {
    const { readGgufFileInfo, GgufInsights } = await import("node-llama-cpp");
    let insights;
    try {
      const info = await readGgufFileInfo(entry.path, { readTensorInfo: true, logWarnings: false });
      const short = ggufShortfall(info, (await stat(entry.path)).size);
      if (short) throw new Error(`${describeShortfall(short)} (is it still being copied or downloaded?)`);
      insights = await GgufInsights.from(info, llama);
    } catch (err) {
      throw new FaroError(`Model '${entry.id}' (${entry.path}) is not a usable GGUF file: ${messageOf(err)}`, {
        status: 500,
        type: "server_error",
        code: "model_load_failed",
        param: "model",
        cause: err,
      });
    }
    const sequences = this.opts.slots;
    const estimator = {
      totalLayers: insights.totalLayers,
      model: (gpuLayers: number) => insights.estimateModelResourceRequirements({ gpuLayers }),
      context: (gpuLayers: number) =>
        insights.estimateContextResourceRequirements({ contextSize, modelGpuLayers: gpuLayers, sequences, batchSize: this.opts.batchSize || undefined }),
    };
    const hasGpu = llama.gpu !== false;
    for (;;) {
      // A load that ends while memory is read may or may not show in the reading: count it.
      const inFlight = new Set(this.inFlight);
      const read = await this.freeMemory(llama);
      for (const p of this.inFlight) inFlight.add(p);
      const free = freeBeside(read, [...inFlight].map((p) => p.needs));
      // An idle model (kept by its keep-alive) must not push this one, which a request waits for,
      // off the GPU or out of memory.
      const unload = room ? idleToUnload(estimator, free, hasGpu, room.idle()) : [];
      if (room && unload.length) {
        await room.free(unload, `to make room in memory for ${entry.id}`);
        continue;
      }
      // Counted from their plans, the loads in flight may be counted twice (in part already in
      // the reading): when that places this model worse, it waits for them and reads again.
      if (inFlight.size && placedLayers(estimator, free, hasGpu) < placedLayers(estimator, read, hasGpu)) {
        await Promise.all([...inFlight].map((p) => p.done));
        continue;
      }
      const plan = planPlacement(entry.id, estimator, free, hasGpu);
      let loaded!: () => void;
      const planned: PlannedLoad = { needs: plan.needs, done: new Promise((resolve) => (loaded = resolve)) };
      this.inFlight.add(planned);
      return {
        plan,
        loaded: () => {
          this.inFlight.delete(planned);
          loaded();
        },
      };
    }
  }

  async llama(): Promise<Llama> {
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
    if (this.llamaPromise) await (await this.llamaPromise).dispose();
  }
}

/** MemAvailable counts reclaimable page cache; os.freemem() does not and underestimates. */
async function availableRam(): Promise<number> {
  try {
    const m = (await readFile("/proc/meminfo", "utf8")).match(/^MemAvailable:\s+(\d+) kB/m);
    if (m?.[1]) return Number(m[1]) * 1024;
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return freemem();
}
