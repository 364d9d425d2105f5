/**
 * The `local` provider: serves GGUF models from the engine. Chat, legacy completions and
 * embeddings are all scheduled jobs; events pass through with usage added at the end.
 */
import { badRequest } from "../../errors";
import type { CatalogEntry } from "../../engine/catalog";
import type { Engine } from "../../engine/engine";
import type { GenerateEvent, JobMeta } from "../../engine/types";
import type { ChatCompletionRequest, CompletionRequest, EmbeddingRequest } from "../../gateway/schema";
import type { ModelInfo } from "../../protocol";
import type { ChatEvent, Embeddings, Provider, RequestContext } from "../types";
import { keepAlive, toCompleteRequest, toGenerateRequest } from "./requests";

type Queued = { priority?: 0 | 1 | 2 | null; keep_alive?: string | number | null };

export class LocalProvider implements Provider {
  readonly name = "local";

  constructor(private readonly engine: Engine) {}

  async listModels(): Promise<ModelInfo[]> {
    return (await this.engine.listModels()).map((e) => this.toModelInfo(e));
  }

  async findModel(id: string): Promise<ModelInfo | null> {
    const entry = await this.engine.catalog.find(id);
    return entry ? this.toModelInfo(entry) : null;
  }

  chat(model: ModelInfo, req: ChatCompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent> {
    const generate = toGenerateRequest(req); // validates before anything is queued
    return this.run(model, req, ctx, (entry, meta) => this.engine.generate(entry, generate, ctx.signal, meta));
  }

  complete(model: ModelInfo, req: CompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent> {
    if (Array.isArray(req.prompt) && req.prompt.length > 1) {
      throw badRequest("Local models take one prompt per request; send an array of one or a string.", "prompt", "unsupported_parameter");
    }
    const prompt = Array.isArray(req.prompt) ? req.prompt[0]! : req.prompt;
    const complete = toCompleteRequest(req, prompt);
    return this.run(model, req, ctx, (entry, meta) => this.engine.complete(entry, complete, ctx.signal, meta));
  }

  async embed(model: ModelInfo, req: EmbeddingRequest, ctx: RequestContext): Promise<Embeddings> {
    const entry = await this.entry(model);
    const texts = typeof req.input === "string" ? [req.input] : req.input;
    return this.engine.embed(entry, texts, ctx.signal, meta(req, ctx));
  }

  private async *run(
    model: ModelInfo,
    req: Queued,
    ctx: RequestContext,
    start: (entry: CatalogEntry, meta: JobMeta) => AsyncIterable<GenerateEvent>,
  ): AsyncIterable<ChatEvent> {
    const entry = await this.entry(model);
    for await (const e of start(entry, meta(req, ctx))) {
      if (e.type !== "done") yield e;
      else {
        const usage = { prompt_tokens: e.promptTokens, completion_tokens: e.completionTokens, total_tokens: e.promptTokens + e.completionTokens };
        yield { type: "usage", usage };
      }
    }
  }

  private async entry(model: ModelInfo): Promise<CatalogEntry> {
    const entry = await this.engine.catalog.find(model.id);
    if (!entry) throw badRequest(`The model '${model.id}' was removed.`, "model", "model_not_found");
    return entry;
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

function meta(req: Queued, ctx: RequestContext): JobMeta {
  return { id: ctx.requestId, priority: req.priority ?? ctx.priority ?? 1, keepAliveMs: keepAlive(req.keep_alive) };
}
