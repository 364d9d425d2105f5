/**
 * Real token counts for local models: one vocabulary-only node-llama-cpp model per GGUF file
 * (`vocabOnly` reads the tokenizer, not the weights), loaded in the background on the engine's
 * own Llama instance. Counting never waits: until a file's tokenizer is ready the caller gets
 * null (and uses the estimate), and `onReady` says when to count again.
 */
import type { Llama, LlamaModel } from "node-llama-cpp";
import { messageOf } from "../errors";
import type { Logger } from "../logger";
import type { ModelInfo } from "../protocol";

type Slot = { state: "loading" } | { state: "ready"; model: LlamaModel } | { state: "failed" };

export class Tokenizers {
  /** By file path and size, so a replaced file gets a fresh tokenizer. */
  private readonly slots = new Map<string, Slot>();
  private readonly pending = new Set<Promise<void>>();
  private disposed = false;

  constructor(
    /** The engine's Llama (ModelLoader.llama()): one native instance per process. */
    private readonly llama: () => Promise<Llama>,
    private readonly logger: Logger,
    /** Called once a tokenizer becomes ready (to count again). */
    private readonly onReady: (model: ModelInfo) => void,
  ) {}

  /** The exact token count of `text` for a local model, or null while its tokenizer is not loaded (or cannot be). */
  count(model: ModelInfo, text: string): number | null {
    if (model.faro.provider !== "local" || !model.faro.path) return null;
    const key = `${model.faro.path}\0${model.faro.size_bytes}`;
    const slot = this.slots.get(key);
    if (slot?.state === "ready") return slot.model.tokenize(text, false).length;
    if (!slot && !this.disposed) this.load(key, model);
    return null;
  }

  /** Resolves when no load is in progress (tests). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.settled();
    for (const slot of this.slots.values()) if (slot.state === "ready") await slot.model.dispose();
    this.slots.clear();
  }

  private load(key: string, model: ModelInfo): void {
    this.slots.set(key, { state: "loading" });
    const started = performance.now();
    const work = (async () => {
      try {
        const llama = await this.llama();
        const loaded = await llama.loadModel({ modelPath: model.faro.path, vocabOnly: true, gpuLayers: 0 });
        if (this.disposed) {
          await loaded.dispose();
          return;
        }
        this.slots.set(key, { state: "ready", model: loaded });
        this.logger.debug(`prompt checks: tokenizer of ${model.id} loaded in ${Math.round(performance.now() - started)} ms`);
        this.onReady(model);
      } catch (err) {
        // Counts for this file stay estimates; say why once.
        this.slots.set(key, { state: "failed" });
        this.logger.warn(`prompt checks: could not load the tokenizer of ${model.id} (${model.faro.path}): ${messageOf(err)}; token counts stay estimates`);
      }
    })();
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }
}
