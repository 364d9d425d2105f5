/**
 * The local engine seen as a routing target: `provider: "local"` with the GGUF's id as model.
 * A target's `request_timeout` holds here as for remote providers: past it the job is cancelled
 * (leaving the queue if it waits there, stopping its generation if it runs) and the answer is a
 * 408 from provider 'local', so a fallback config goes on to its next target.
 */
import type { ChatCompletionRequest, CompletionRequest, EmbeddingRequest } from "../../gateway/schema";
import { timeoutError } from "../httpClient";
import type { ChatEvent, Embeddings, RequestContext } from "../types";
import type { Target, Upstream } from "../upstream";
import type { LocalProvider } from "./localProvider";
import { anySignal } from "../../signals";

export class LocalUpstream implements Upstream {
  readonly family = "local";

  constructor(private readonly local: LocalProvider) {}

  // The engine looks the model up and fails the stream with a 404 when it is absent.
  chat(target: Target, req: ChatCompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent> {
    if (target.timeoutMs === null) return this.local.chat(target.model, req, ctx);
    return withDeadline(ctx, target.timeoutMs, (c) => this.local.chat(target.model, req, c));
  }

  complete(target: Target, req: CompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent> {
    if (target.timeoutMs === null) return this.local.complete(target.model, req, ctx);
    return withDeadline(ctx, target.timeoutMs, (c) => this.local.complete(target.model, req, c));
  }

  async embed(target: Target, req: EmbeddingRequest, ctx: RequestContext): Promise<Embeddings> {
    if (target.timeoutMs === null) return this.local.embed(target.model, req, ctx);
    const deadline = new Deadline(ctx, target.timeoutMs);
    try {
      return await this.local.embed(target.model, req, deadline.ctx);
    } catch (err) {
      throw deadline.passed ?? err;
    } finally {
      deadline.clear();
    }
  }
}

/** A request context whose signal also fires at the deadline, with the 408 it then stands for. */
class Deadline {
  readonly ctx: RequestContext;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(ctx: RequestContext, ms: number) {
    // A client already gone keeps its own error.
    this.timer = setTimeout(() => ctx.signal.aborted || this.controller.abort(timeoutError("local", ms)), ms);
    this.ctx = { ...ctx, signal: anySignal([ctx.signal, this.controller.signal]) };
  }

  /** The 408, once the deadline has passed (and the client had not gone before it). */
  get passed(): Error | null {
    return this.controller.signal.aborted ? (this.controller.signal.reason as Error) : null;
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/**
 * The engine's events until the deadline. A cancelled generation ends with an "abort" choice
 * end; past the deadline that, and anything after it, becomes the 408 instead.
 */
async function* withDeadline(ctx: RequestContext, ms: number, start: (ctx: RequestContext) => AsyncIterable<ChatEvent>): AsyncIterable<ChatEvent> {
  const deadline = new Deadline(ctx, ms);
  try {
    for await (const e of start(deadline.ctx)) {
      if (deadline.passed) throw deadline.passed;
      yield e;
    }
    if (deadline.passed) throw deadline.passed;
  } catch (err) {
    throw deadline.passed ?? err;
  } finally {
    deadline.clear();
  }
}
