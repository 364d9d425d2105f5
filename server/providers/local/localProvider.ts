/**
 * The `local` provider: serves GGUF models from the engine. Maps OpenAI parameters to
 * node-llama-cpp with OpenAI's defaults (temperature 1, top_p 1, no penalties).
 */
import { badRequest } from "../../errors";
import type { CatalogEntry } from "../../engine/catalog";
import type { Engine } from "../../engine/engine";
import type { GenerateRequest } from "../../engine/types";
import type { ChatCompletionRequest } from "../../gateway/schema";
import type { ModelInfo } from "../../protocol";
import { parseDuration } from "../../engine/duration";
import type { ChatEvent, Provider, RequestContext } from "../types";
import { toChatHistory } from "./messages";

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

  async *chat(model: ModelInfo, req: ChatCompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent> {
    const entry = await this.engine.catalog.find(model.id);
    if (!entry) throw badRequest(`The model '${model.id}' was removed.`, "model", "model_not_found");
    const meta = { id: ctx.requestId, priority: req.priority ?? ctx.priority ?? 1, keepAliveMs: keepAlive(req.keep_alive) };
    for await (const e of this.engine.generate(entry, toGenerateRequest(req), ctx.signal, meta)) {
      if (e.type === "text") yield e;
      else {
        yield {
          type: "done",
          finishReason: e.finishReason,
          usage: {
            prompt_tokens: e.promptTokens,
            completion_tokens: e.completionTokens,
            total_tokens: e.promptTokens + e.completionTokens,
          },
        };
      }
    }
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

/** Refuses what local models cannot do yet instead of silently ignoring it. */
export function toGenerateRequest(req: ChatCompletionRequest): GenerateRequest {
  if ((req.n ?? 1) !== 1) throw badRequest("n > 1 is not supported by local models yet.", "n", "unsupported_parameter");
  if (req.logprobs) throw badRequest("logprobs are not supported by local models yet.", "logprobs", "unsupported_parameter");
  if (req.tools?.length) throw badRequest("tools are not supported by local models yet.", "tools", "unsupported_parameter");
  if (req.response_format && req.response_format.type !== "text") {
    throw badRequest(`response_format '${req.response_format.type}' is not supported by local models yet.`, "response_format", "unsupported_parameter");
  }
  const stop = req.stop == null ? [] : typeof req.stop === "string" ? [req.stop] : req.stop;
  return {
    history: toChatHistory(req.messages),
    temperature: req.temperature ?? 1,
    topP: req.top_p ?? 1,
    maxTokens: req.max_completion_tokens ?? req.max_tokens ?? null,
    stop: stop.filter((s) => s.length > 0),
    seed: req.seed ?? null,
    presencePenalty: req.presence_penalty ?? 0,
    frequencyPenalty: req.frequency_penalty ?? 0,
  };
}

function keepAlive(value: string | number | null | undefined): number | null {
  if (value == null) return null;
  const ms = parseDuration(value);
  if (ms === null) throw badRequest(`Invalid value for 'keep_alive': '${value}' is not a duration such as 300, "5m" or -1.`, "keep_alive", "invalid_value");
  return ms;
}
