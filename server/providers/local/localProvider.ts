/**
 * The `local` provider: serves GGUF models from the engine. Chat, legacy completions and
 * embeddings are all scheduled jobs; the engine's event streams pass through unchanged.
 */
import { badRequest } from "../../errors";
import type { CatalogEntry } from "../../engine/catalog";
import type { Engine } from "../../engine/engine";
import type { JobMeta } from "../../engine/types";
import type { ChatCompletionRequest, CompletionRequest, EmbeddingRequest } from "../../gateway/schema";
import type { ModelInfo } from "../../protocol";
import type { ChatEvent, Embeddings, RequestContext } from "../types";
import { keepAlive, toCompleteRequest, toGenerateRequest } from "./requests";

type Queued = { priority?: 0 | 1 | 2 | null; keep_alive?: string | number | null };

export class LocalProvider {
  readonly name = "local";

  constructor(private readonly engine: Engine) {}

  async listModels(): Promise<ModelInfo[]> {
    return (await this.engine.listModels()).map((e) => this.toModelInfo(e));
  }

  async findModel(id: string): Promise<ModelInfo | null> {
    const entry = await this.engine.catalog.find(id);
    return entry ? this.toModelInfo(entry) : null;
  }

  /** The engine's stream, passed through as is: its events already have the provider shape. */
  chat(model: ModelInfo | string, req: ChatCompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent> {
    const generate = toGenerateRequest(req); // validates before anything is queued
    return this.engine.generate(idOf(model), generate, ctx.signal, meta(req, ctx));
  }

  complete(model: ModelInfo | string, req: CompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent> {
    return this.engine.complete(idOf(model), toCompleteRequest(req, onePrompt(req.prompt)), ctx.signal, meta(req, ctx));
  }

  embed(model: ModelInfo | string, req: EmbeddingRequest, ctx: RequestContext): Promise<Embeddings> {
    const texts = typeof req.input === "string" ? [req.input] : req.input;
    return this.engine.embed(idOf(model), texts, ctx.signal, meta(req, ctx));
  }

  private toModelInfo(e: CatalogEntry): ModelInfo {
    return {
      id: e.id,
      object: "model",
      created: Math.floor(e.mtimeMs / 1000),
      owned_by: "faro-local",
      faro: {
        provider: "local",
        path: e.path,
        architecture: e.architecture,
        parameters: e.parameters,
        quantization: e.quantization,
        context_length: e.contextLength,
        size_bytes: e.sizeBytes,
        loaded: this.engine.isLoaded(e.id),
        demo: e.demo,
      },
    };
  }
}

/** The one prompt local models take: text, or token ids of the model's own vocabulary. */
function onePrompt(prompt: CompletionRequest["prompt"]): string | number[] {
  if (typeof prompt === "string" || typeof prompt[0] === "number") return prompt as string | number[];
  if (prompt.length > 1) {
    throw badRequest("Local models take one prompt per request: a string, or one list of token ids (alone or in an array of one).", "prompt", "unsupported_parameter");
  }
  return prompt[0] as string | number[];
}

const idOf = (model: ModelInfo | string) => (typeof model === "string" ? model : model.id);

function meta(req: Queued, ctx: RequestContext): JobMeta {
  return { id: ctx.requestId, priority: req.priority ?? ctx.priority ?? 1, keepAliveMs: keepAlive(req.keep_alive) };
}
