/** The local engine seen as a routing target: `provider: "local"` with the GGUF's id as model. */
import { modelNotFound } from "../../errors";
import type { ChatCompletionRequest, CompletionRequest, EmbeddingRequest } from "../../gateway/schema";
import type { ChatEvent, Embeddings, RequestContext } from "../types";
import type { Target, Upstream } from "../upstream";
import type { LocalProvider } from "./localProvider";

export class LocalUpstream implements Upstream {
  readonly family = "local";

  constructor(private readonly local: LocalProvider) {}

  async *chat(target: Target, req: ChatCompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent> {
    yield* this.local.chat(await this.model(target), req, ctx);
  }

  async *complete(target: Target, req: CompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent> {
    yield* this.local.complete(await this.model(target), req, ctx);
  }

  async embed(target: Target, req: EmbeddingRequest, ctx: RequestContext): Promise<Embeddings> {
    return this.local.embed(await this.model(target), req, ctx);
  }

  private async model(target: Target) {
    const model = await this.local.findModel(target.model);
    if (!model) throw modelNotFound(target.model);
    return model;
  }
}
