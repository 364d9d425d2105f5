/**
 * OpenAI request bodies -> engine requests, with OpenAI's defaults (temperature 1, top_p 1, no
 * penalties; legacy completions default to 16 tokens). What local models cannot do is refused
 * with a 400 naming the parameter, never silently ignored.
 */
import { badRequest } from "../../errors";
import { parseDuration } from "../../engine/duration";
import type { CompleteRequest, GenerateRequest, OutputFormat, SamplingParams, ToolChoice, ToolSpec } from "../../engine/types";
import type { ChatCompletionRequest, CompletionRequest } from "../../gateway/schema";
import { toChatHistory } from "./messages";

const unsupported = (param: string, what: string) => badRequest(`${what} is not supported by local models.`, param, "unsupported_parameter");

type SamplingFields = Pick<ChatCompletionRequest, "temperature" | "top_p" | "top_k" | "min_p" | "max_tokens" | "stop" | "seed" | "presence_penalty" | "frequency_penalty" | "logit_bias">;

function sampling(req: SamplingFields, maxTokens: number | null, logprobs: number | null, maxTokensParam: SamplingParams["maxTokensParam"] = "max_tokens"): SamplingParams {
  const stop = req.stop == null ? [] : typeof req.stop === "string" ? [req.stop] : req.stop;
  return {
    temperature: req.temperature ?? 1,
    topP: req.top_p ?? 1,
    topK: req.top_k ?? 0,
    minP: req.min_p ?? 0,
    maxTokens,
    maxTokensParam,
    stop: stop.filter((s) => s.length > 0),
    seed: req.seed ?? null,
    presencePenalty: req.presence_penalty ?? 0,
    frequencyPenalty: req.frequency_penalty ?? 0,
    logitBias: req.logit_bias ? Object.fromEntries(Object.entries(req.logit_bias).map(([k, v]) => [Number(k), v])) : null,
    logprobs,
  };
}

export function toGenerateRequest(req: ChatCompletionRequest): GenerateRequest {
  const tools: ToolSpec[] = (req.tools ?? []).map((t) => ({ name: t.function.name, description: t.function.description, parameters: t.function.parameters }));
  const toolChoice = toolChoiceOf(req, tools);
  const format = formatOf(req);
  if (format.type !== "text" && tools.length && toolChoice.type === "auto") {
    throw badRequest("response_format and tools cannot be combined on local models: a grammar constrains one or the other.", "response_format", "unsupported_parameter");
  }
  const logprobs = chatLogprobs(req, toolChoice);
  // The literal starts with its own keys, not the spread (server/objects.ts).
  return { history: toChatHistory(req.messages), n: req.n ?? 1, format, tools, toolChoice, ...sampling(req, req.max_completion_tokens ?? req.max_tokens ?? null, logprobs, req.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens") };
}

const CHAT_ONLY = ["response_format", "tools", "tool_choice", "functions", "function_call"] as const;

export function toCompleteRequest(req: CompletionRequest, prompt: string | number[]): CompleteRequest {
  if (req.echo) throw unsupported("echo", "echo");
  if (req.suffix) throw unsupported("suffix", "suffix (fill-in-the-middle)");
  if ((req.best_of ?? 1) > 1) throw unsupported("best_of", "best_of > 1");
  // Chat parameters the schema lets through (its objects are loose): a prompt has no grammar for them.
  for (const param of CHAT_ONLY) {
    if ((req as Record<string, unknown>)[param] != null) {
      throw badRequest(`${param} is not supported by /v1/completions; use /v1/chat/completions for it.`, param, "unsupported_parameter");
    }
  }
  return { prompt, n: req.n ?? 1, ...sampling(req, req.max_tokens ?? 16, req.logprobs ?? null) };
}

/** Chat's `logprobs: true` with `top_logprobs` alternatives (0 when absent), as OpenAI validates them. */
function chatLogprobs(req: ChatCompletionRequest, toolChoice: ToolChoice): number | null {
  if (!req.logprobs) {
    if (req.top_logprobs != null) throw badRequest("top_logprobs requires logprobs to be set to true.", "top_logprobs", "invalid_value");
    return null;
  }
  // Tool calls are parsed (or grammar-forced) out of the generated text, so their tokens belong to no message content.
  if (toolChoice.type !== "none") throw unsupported("logprobs", "logprobs together with tools (tool_choice other than 'none')");
  return req.top_logprobs ?? 0;
}

function toolChoiceOf(req: ChatCompletionRequest, tools: ToolSpec[]): ToolChoice {
  const choice = req.tool_choice;
  if (choice == null) return { type: tools.length ? "auto" : "none" };
  if (typeof choice === "string") {
    if (choice !== "none" && tools.length === 0) throw badRequest(`tool_choice '${choice}' needs tools.`, "tool_choice", "invalid_value");
    return { type: choice };
  }
  const name = choice.function.name;
  if (!tools.some((t) => t.name === name)) throw badRequest(`tool_choice names '${name}', which is not in tools.`, "tool_choice.function.name", "invalid_value");
  return { type: "function", name };
}

function formatOf(req: ChatCompletionRequest): OutputFormat {
  const f = req.response_format;
  if (!f || f.type === "text") return { type: "text" };
  if (f.type === "json_object") return { type: "json_object" };
  if (!f.json_schema.schema) throw badRequest("Missing required parameter: 'response_format.json_schema.schema'.", "response_format.json_schema.schema", "missing_required_parameter");
  return { type: "json_schema", schema: f.json_schema.schema };
}

export function keepAlive(value: string | number | null | undefined): number | null {
  if (value == null) return null;
  const ms = parseDuration(value);
  if (ms === null) throw badRequest(`Invalid value for 'keep_alive': '${value}' is not a duration such as 300, "5m" or -1.`, "keep_alive", "invalid_value");
  return ms;
}
