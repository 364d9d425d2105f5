/**
 * What every provider streams back (ChatEvents, OpenAI-shaped pieces with a choice index) and
 * what it receives besides the body (RequestContext). The remote contract is upstream.ts.
 */
import type { EmbedResult, GenerateEvent } from "../engine/types";

// The engine's events are the shared vocabulary (providers -> engine is the allowed direction);
// remote providers add streamed tool-call pieces.
export type { FinishReason, TokenLogprob, ToolCall, Usage } from "../engine/types";

/** One answer's pieces carry its `index` (OpenAI's `n`); usage comes once, last. */
export type ChatEvent =
  | GenerateEvent
  /** A piece of a tool call as streaming providers send it; `id`/`name` come with the first piece. */
  | { type: "tool_call_delta"; index: number; callIndex: number; id?: string; name?: string; arguments: string }
  /** OpenAI's `refusal` (structured outputs): the model's reason for not answering, in place of content. */
  | { type: "refusal"; index: number; text: string };

export type Embeddings = EmbedResult;

/** What a provider gets besides the body: cancellation, the request id and queue hints. */
export interface RequestContext {
  signal: AbortSignal;
  requestId: string;
  /** From the x-faro-priority header; the body's `priority` wins when both are set. */
  priority: 0 | 1 | 2 | null;
}
