/**
 * The interface every provider implements: OpenAI-shaped requests in, a stream of events out,
 * always cancellable through an AbortSignal.
 */
import type { ModelInfo } from "../protocol";
import type { ChatCompletionRequest, CompletionRequest, EmbeddingRequest } from "../gateway/schema";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, as OpenAI sends it. */
  arguments: string;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "abort";

/** One answer's pieces carry its `index` (OpenAI's `n`); usage comes once, last. */
export type ChatEvent =
  | { type: "text"; index: number; text: string }
  | { type: "reasoning"; index: number; text: string }
  | { type: "tool_calls"; index: number; calls: ToolCall[] }
  /** A piece of a tool call as streaming providers send it; `id`/`name` come with the first piece. */
  | { type: "tool_call_delta"; index: number; callIndex: number; id?: string; name?: string; arguments: string }
  | { type: "choice_end"; index: number; finishReason: FinishReason }
  | { type: "usage"; usage: Usage };

export interface Embeddings {
  vectors: number[][];
  promptTokens: number;
}

/** What a provider gets besides the body: cancellation, the request id and queue hints. */
export interface RequestContext {
  signal: AbortSignal;
  requestId: string;
  /** From the x-faro-priority header; the body's `priority` wins when both are set. */
  priority: 0 | 1 | 2 | null;
}

export interface Provider {
  readonly name: string;
  listModels(): Promise<ModelInfo[]>;
  /** The model with this id, or null when this provider does not serve it. */
  findModel(id: string): Promise<ModelInfo | null>;
  chat(model: ModelInfo, req: ChatCompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent>;
  /** Legacy text completion; absent when the provider has none. */
  complete?(model: ModelInfo, req: CompletionRequest, ctx: RequestContext): AsyncIterable<ChatEvent>;
  embed?(model: ModelInfo, req: EmbeddingRequest, ctx: RequestContext): Promise<Embeddings>;
}
