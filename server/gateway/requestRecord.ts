/**
 * What one API request leaves in the request log. The HTTP layer opens a record, the gateway
 * fills in model/provider/usage as they become known, the HTTP layer closes it with the status.
 */
export interface RequestRecord {
  id: string;
  createdAt: number;
  /** performance.now() at arrival, for latency and TTFT. */
  startedAt: number;
  route: string;
  model: string | null;
  provider: string | null;
  stream: boolean;
  ttftMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  finishReason: string | null;
  error: string | null;
  /** Retries across all attempts, and which top-level option answered (routing). */
  retries: number;
  fallbackIndex: number | null;
  /** performance.now() when the first provider call began: the rest is Faro's overhead. */
  upstreamStartedAt: number | null;
  /** x-portkey-trace-id, when the client sent one. */
  traceId: string | null;
  /** The stored `.prompt` this request ran (POST /v1/prompts/{id}/completions), if any. */
  promptId?: string | null;
  promptVersion?: number | null;
}

export function openRecord(id: string, route: string): RequestRecord {
  return {
    id,
    createdAt: Date.now(),
    startedAt: performance.now(),
    route,
    model: null,
    provider: null,
    stream: false,
    ttftMs: null,
    promptTokens: null,
    completionTokens: null,
    finishReason: null,
    error: null,
    retries: 0,
    fallbackIndex: null,
    traceId: null,
    upstreamStartedAt: null,
  };
}
