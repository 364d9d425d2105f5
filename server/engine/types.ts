/** Types the local engine exposes to its callers (providers/local). */
import type { BatchGather } from "./batchGather";
import type { ChatHistoryItem } from "node-llama-cpp";
import type { Priority } from "./scheduler";

export interface ToolSpec {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters?: Record<string, unknown>;
}

export type ToolChoice = { type: "auto" } | { type: "none" } | { type: "required" } | { type: "function"; name: string };

/** How the output is constrained: free text, any JSON, or JSON matching a schema. */
export type OutputFormat = { type: "text" } | { type: "json_object" } | { type: "json_schema"; schema: Record<string, unknown> };

export interface SamplingParams {
  temperature: number;
  topP: number;
  /** Sample among the K most likely tokens (llama.cpp's top_k); 0: all of them, as OpenAI does. */
  topK: number;
  /** Drop tokens less likely than min_p times the likeliest one (llama.cpp's min_p); 0: none. */
  minP: number;
  /** null: up to the end of the context. */
  maxTokens: number | null;
  /** The request field maxTokens came from, which a refusal names (a legacy completion's default counts as max_tokens). */
  maxTokensParam: "max_tokens" | "max_completion_tokens";
  stop: string[];
  seed: number | null;
  presencePenalty: number;
  frequencyPenalty: number;
  /** OpenAI's logit_bias: token id -> value added to its logit (-100 bans it). */
  logitBias: Record<number, number> | null;
  /** Log probabilities wanted: null for none, else how many alternatives per token (OpenAI's top_logprobs). */
  logprobs: number | null;
}

export interface GenerateRequest extends SamplingParams {
  history: ChatHistoryItem[];
  /** Independent answers to produce (OpenAI's `n`). */
  n: number;
  format: OutputFormat;
  tools: ToolSpec[];
  toolChoice: ToolChoice;
}

export interface CompleteRequest extends SamplingParams {
  /** Text, or token ids of the model's own vocabulary. */
  prompt: string | number[];
  n: number;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Input tokens the provider served from its prompt cache (part of prompt_tokens), when reported. */
  prompt_tokens_details?: { cached_tokens: number };
}

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as a JSON string, as OpenAI sends them. */
  arguments: string;
}

/** One alternative for a position, in OpenAI's shape: its text, ln p, and UTF-8 bytes. */
export interface TopLogprob {
  token: string;
  logprob: number;
  bytes: number[];
}

/** A generated token's log probability and the most likely alternatives (OpenAI's chat shape). */
export interface TokenLogprob extends TopLogprob {
  top_logprobs: TopLogprob[];
  /** Legacy completions only: where the token starts in prompt + completion, in characters. */
  text_offset?: number;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "abort";

export type GenerateEvent =
  /** `logprobs`: the tokens that make up `text` (when the request asked for log probabilities). */
  | { type: "text"; index: number; text: string; logprobs?: TokenLogprob[] }
  | { type: "reasoning"; index: number; text: string }
  | { type: "tool_calls"; index: number; calls: ToolCall[] }
  | { type: "choice_end"; index: number; finishReason: FinishReason }
  /**
   * Last: token counts in OpenAI's shape, so providers pass the stream through unchanged.
   * `unreported`: the provider sent no counts (zeros here); the gateway estimates them.
   */
  | { type: "usage"; usage: Usage; unreported?: true };

export interface EmbedResult {
  vectors: number[][];
  promptTokens: number;
}

/** How a request is queued: its id (also the HTTP request id), priority and keep-alive. */
export interface JobMeta {
  id: string;
  priority: Priority;
  /** ms to keep the model loaded once idle; null = the default; Infinity = forever. */
  keepAliveMs: number | null;
}

export interface EngineOptions {
  /** 0: choose from the model (see threads.ts). */
  threads: number;
  gpu: "auto" | "cpu";
  /** Parallel sequences per loaded model, decoded in one batch. */
  slots: number;
  /** Upper bound for a context's size in tokens (the model's own limit also applies). */
  maxContextSize: number;
  /** Tokens per decode batch; 0 lets node-llama-cpp choose. */
  batchSize: number;
  /** How many concurrent streams a decode batch waits for (batchGather.ts). */
  batchGather: BatchGather;
  maxLoadedModels: number;
  /** Idle time before a model is unloaded; Infinity keeps it. */
  keepAliveMs: number;
  /** Waiting requests beyond this get 429. */
  maxQueue: number;
  /** Waiting this long promotes a request one priority level. */
  agingMs: number;
}

export interface QueueEntry {
  id: string;
  model: string;
  priority: Priority;
  effective_priority: Priority;
  state: "waiting" | "loading" | "running";
  /** Position among waiting requests (0 = next), null when running. */
  position: number | null;
  wait_ms: number;
}

export interface EngineStats {
  loaded: string[];
  active: number;
  waiting: number;
  /** Decode batches sent so far, and the sequences they carried (their ratio: how well concurrent streams batch). */
  decodeBatches: number;
  decodedSequences: number;
}
