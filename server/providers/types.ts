/**
 * The interface every provider implements: OpenAI-shaped requests in, a stream of events out,
 * always cancellable through an AbortSignal.
 */
import type { ModelInfo } from "../protocol";
import type { ChatCompletionRequest } from "../gateway/schema";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type ChatEvent =
  | { type: "text"; text: string }
  | { type: "done"; finishReason: "stop" | "length" | "abort"; usage: Usage };

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
}
