/**
 * A model in memory: its node-llama-cpp model, one context whose `slots` sequences decode in
 * one batch (node-llama-cpp batches concurrent sequences of a context), and the free list of
 * those sequences. The scheduler guarantees a free sequence before a job takes one.
 */
import type { ChatWrapper, LlamaContext, LlamaContextSequence, LlamaModel } from "node-llama-cpp";
import type { CatalogEntry } from "./catalog";
import type { MemoryPlan } from "./planner";

export class LoadedModel {
  private readonly free: LlamaContextSequence[] = [];

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
  }

  get slots(): number {
    return this.context.totalSequences;
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
    await this.context.dispose();
    await this.model.dispose();
  }
}
