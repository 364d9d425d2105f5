/** The local engine seen as a routing target: `provider: "local"` with the GGUF's id as model. */
import type { ChatCompletionRequest, CompletionRequest, EmbeddingRequest } from "../../gateway/schema";
import type { ChatEvent, Embeddings, RequestContext } from "../types";
import type { Target, Upstream } from "../upstream";
import type { LocalProvider } from "./localProvider";

export class LocalUpstream implements Upstream {
  readonly family = "local";

  constructor(private readonly local: LocalProvider) {}

  // The engine looks the model up and fails the stream with a 404 when it is absent.
  chat(target: Target, req: ChatCompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent> {
    return this.local.chat(target.model, req, ctx);
  }

  complete(target: Target, req: CompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent> {
    return this.local.complete(target.model, req, ctx);
  }

  embed(target: Target, req: EmbeddingRequest, ctx: RequestContext): Promise<Embeddings> {
    return this.local.embed(target.model, req, ctx);
  }
}
