/**
 * A model in memory: its node-llama-cpp model, one context whose `slots` sequences decode in
 * one batch (node-llama-cpp batches concurrent sequences of a context), and the free list of
 * those sequences. The scheduler guarantees a free sequence before a job takes one.
 */
import type { ChatWrapper, LlamaContext, LlamaContextSequence, LlamaEmbeddingContext, LlamaModel } from "node-llama-cpp";
import type { CatalogEntry } from "./catalog";
import { GrammarCache } from "./grammars";
import type { MemoryPlan } from "./planner";
import { toUnitLength } from "./unitVector";

export class LoadedModel {
  private readonly free: LlamaContextSequence[] = [];
  readonly grammars: GrammarCache;
  private embeddingContext: Promise<LlamaEmbeddingContext> | null = null;
  /** Embedding requests share one embedding context, one at a time. */
  private embedQueue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly entry: CatalogEntry,
    readonly model: LlamaModel,
    readonly context: LlamaContext,
    /** Resolved once: doing it per request (LlamaChat's "auto") costs ~150 ms of template parsing. */
    readonly chatWrapper: ChatWrapper,
    readonly plan: MemoryPlan,
    readonly threads: number,
  ) {
    for (let i = 0; i < context.totalSequences; i++) this.free.push(context.getSequence());
    this.grammars = new GrammarCache(model.llama);
  }

  /**
   * Embeds each text as a unit-length vector (llama.cpp's raw pooled output is not); the
   * embedding context is created on first use and kept.
   */
  embed(texts: readonly string[], signal: AbortSignal): Promise<{ vectors: number[][]; tokens: number }> {
    const run = this.embedQueue.then(async () => {
      this.embeddingContext ??= this.model.createEmbeddingContext({ contextSize: Math.min(this.context.contextSize, 4096), threads: this.threads });
      const ctx = await this.embeddingContext;
      const vectors: number[][] = [];
      let tokens = 0;
      for (const text of texts) {
        signal.throwIfAborted();
        tokens += this.model.tokenize(text).length;
        vectors.push(toUnitLength((await ctx.getEmbeddingFor(text)).vector));
      }
      return { vectors, tokens };
    });
    this.embedQueue = run.catch(() => undefined);
    return run;
  }

  get slots(): number {
    return this.context.totalSequences;
  }

  /** Sequences taken by running jobs. */
  get busy(): number {
    return this.context.totalSequences - this.free.length;
  }

  take(): LlamaContextSequence {
    const seq = this.free.pop();
    if (!seq) throw new Error(`no free sequence in ${this.entry.id}: the scheduler over-committed its slots`);
    return seq;
  }

  give(seq: LlamaContextSequence): void {
    this.free.push(seq);
  }

  async dispose(): Promise<void> {
    if (this.embeddingContext) await (await this.embeddingContext.catch(() => null))?.dispose();
    await this.context.dispose();
    await this.model.dispose();
  }
}
