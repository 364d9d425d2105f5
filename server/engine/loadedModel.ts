/**
 * A model in memory: its node-llama-cpp model, one context with `slots` sequences, and a pool
 * handing those sequences to requests (first come, first served; the scheduler comes later).
 */
import type { ChatWrapper, LlamaContext, LlamaContextSequence, LlamaModel } from "node-llama-cpp";
import { FaroError } from "../errors";
import type { CatalogEntry } from "./catalog";

export class LoadedModel {
  private readonly free: LlamaContextSequence[] = [];
  private readonly waiters: Array<(seq: LlamaContextSequence) => void> = [];
  active = 0;

  constructor(
    readonly entry: CatalogEntry,
    readonly model: LlamaModel,
    readonly context: LlamaContext,
    /** Resolved once: doing it per request (LlamaChat's "auto") costs ~150 ms of template parsing. */
    readonly chatWrapper: ChatWrapper,
  ) {
    for (let i = 0; i < context.totalSequences; i++) this.free.push(context.getSequence());
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Waits for a free sequence; rejects if `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<LlamaContextSequence> {
    if (signal.aborted) return Promise.reject(aborted());
    const seq = this.free.pop();
    if (seq) {
      this.active++;
      return Promise.resolve(seq);
    }
    return new Promise((resolve, reject) => {
      const waiter = (s: LlamaContextSequence) => {
        signal.removeEventListener("abort", onAbort);
        this.active++;
        resolve(s);
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(aborted());
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(seq: LlamaContextSequence): void {
    this.active--;
    const next = this.waiters.shift();
    if (next) next(seq);
    else this.free.push(seq);
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }
}

function aborted(): FaroError {
  return new FaroError("The request was cancelled before it started.", {
    status: 499,
    type: "invalid_request_error",
    code: "request_cancelled",
  });
}
