/**
 * The gateway: resolves a model name (including the `default` alias) to a provider and runs
 * the request there, recording model, provider, TTFT and usage on the request record.
 * Routing strategies, caching and guardrails plug in here later.
 */
import { FaroError, badRequest, modelNotFound } from "../errors";
import type { ModelInfo } from "../protocol";
import type { ChatEvent, Embeddings, Provider, RequestContext } from "../providers/types";
import type { Settings } from "../store/settings";
import type { RequestRecord } from "./requestRecord";
import type { ChatCompletionRequest, CompletionRequest, EmbeddingRequest } from "./schema";

export const DEFAULT_MODEL_ALIAS = "default";
const DEFAULT_MODEL_KEY = "default_model";

export interface ResolvedModel {
  provider: Provider;
  model: ModelInfo;
}

export class Gateway {
  constructor(
    private readonly providers: readonly Provider[],
    private readonly settings: Settings,
  ) {}

  async listModels(): Promise<ModelInfo[]> {
    const lists = await Promise.all(this.providers.map((p) => p.listModels()));
    return lists.flat();
  }

  /** The model `default` stands for: the user's choice if it still exists, else a real model, else the demo. */
  async defaultModel(): Promise<ModelInfo | null> {
    const models = await this.listModels();
    const chosen = this.settings.get(DEFAULT_MODEL_KEY);
    return models.find((m) => m.id === chosen) ?? models.find((m) => !m.faro.demo) ?? models[0] ?? null;
  }

  async selectDefault(id: string): Promise<ModelInfo> {
    const resolved = await this.resolve(id);
    this.settings.set(DEFAULT_MODEL_KEY, resolved.model.id);
    return resolved.model;
  }

  async resolve(name: string): Promise<ResolvedModel> {
    if (name === DEFAULT_MODEL_ALIAS) {
      const model = await this.defaultModel();
      if (!model) {
        throw new FaroError("No models are available. Add a .gguf file to a models folder (--models-dir).", {
          status: 404,
          type: "invalid_request_error",
          code: "model_not_found",
          param: "model",
        });
      }
      return this.resolve(model.id);
    }
    for (const provider of this.providers) {
      const model = await provider.findModel(name);
      if (model) return { provider, model };
    }
    throw modelNotFound(name);
  }

  /** Resolves the model and starts the generation; the events stream as the provider emits them. */
  async chat(req: ChatCompletionRequest, record: RequestRecord, ctx: RequestContext): Promise<Generation> {
    const { provider, model } = await this.route(req.model, record);
    return { model, events: observe(provider.chat(model, req, ctx), record) };
  }

  async complete(req: CompletionRequest, record: RequestRecord, ctx: RequestContext): Promise<Generation> {
    const { provider, model } = await this.route(req.model, record);
    if (!provider.complete) throw badRequest(`The model '${model.id}' does not support legacy completions; use /v1/chat/completions.`, "model", "unsupported_model");
    return { model, events: observe(provider.complete(model, req, ctx), record) };
  }

  async embed(req: EmbeddingRequest, record: RequestRecord, ctx: RequestContext): Promise<{ model: ModelInfo; result: Embeddings }> {
    const { provider, model } = await this.route(req.model, record);
    if (!provider.embed) throw badRequest(`The model '${model.id}' does not support embeddings.`, "model", "unsupported_model");
    const result = await provider.embed(model, req, ctx);
    record.promptTokens = result.promptTokens;
    record.completionTokens = 0;
    return { model, result };
  }

  private async route(name: string, record: RequestRecord): Promise<ResolvedModel> {
    const resolved = await this.resolve(name);
    record.model = resolved.model.id;
    record.provider = resolved.provider.name;
    return resolved;
  }
}

export interface Generation {
  model: ModelInfo;
  events: AsyncIterable<ChatEvent>;
}

async function* observe(events: AsyncIterable<ChatEvent>, record: RequestRecord): AsyncIterable<ChatEvent> {
  for await (const e of events) {
    if (record.ttftMs === null && e.type !== "choice_end" && e.type !== "usage") {
      record.ttftMs = performance.now() - record.startedAt;
    }
    if (e.type === "choice_end" && e.index === 0) record.finishReason = e.finishReason;
    if (e.type === "usage") {
      record.promptTokens = e.usage.prompt_tokens;
      record.completionTokens = e.usage.completion_tokens;
    }
    yield e;
  }
}
