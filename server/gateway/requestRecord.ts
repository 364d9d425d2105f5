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
  /** Filled by the #5 pipeline stages (cost, cache, virtual keys, guardrails, body logging). */
  costUsd: number | null;
  /**
   * What Faro spent on the request's behalf besides its answer: the semantic cache's embedding
   * with a priced (cloud) model, hit or miss. Kept apart because the answer's usage sets costUsd
   * after it; requestCost() is the request's cost for the log, headers and a virtual key's spend.
   */
  extraCostUsd: number;
  cachedTokens: number | null;
  cacheStatus: CacheStatus | null;
  metadata: Record<string, unknown> | null;
  virtualKeyId: string | null;
  guardrails: GuardrailVerdict[];
  /** The routing trail's attempts (provider, model, status, error), for the log. */
  attempts: unknown[] | null;
  requestBody: string | null;
  responseBody: string | null;
  /**
   * Work the log row (and a virtual key's spend) waits for, which the client must not: counting
   * the tokens of an answer cut short. A failure there is the writer of the row's to report.
   */
  pending: Promise<void> | null;
}

/** The request's whole cost: its answer's (null when unknown) and what was spent on its behalf. */
export function requestCost(record: Pick<RequestRecord, "costUsd" | "extraCostUsd">): number | null {
  if (record.extraCostUsd === 0) return record.costUsd;
  return (record.costUsd ?? 0) + record.extraCostUsd;
}

export type CacheStatus = "hit" | "miss" | "refresh";

/** One guardrail check's outcome, as logged. */
export interface GuardrailVerdict {
  /** e.g. "pii", "json_schema", "regex", "words". */
  check: string;
  /** input (before the request leaves) or output (on the answer). */
  stage: "input" | "output";
  verdict: "pass" | "redacted" | "blocked" | "failed";
  /** Counts per detected type, or a short reason; never the matched text. */
  detail?: Record<string, unknown>;
}

export function openRecord(id: string, route: string, startedAt = performance.now()): RequestRecord {
  return {
    id,
    createdAt: Date.now(),
    startedAt,
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
    costUsd: null,
    extraCostUsd: 0,
    cachedTokens: null,
    cacheStatus: null,
    metadata: null,
    virtualKeyId: null,
    guardrails: [],
    attempts: null,
    requestBody: null,
    responseBody: null,
    pending: null,
  };
}
