/**
 * The custom `faro/...` methods between the extension (and, through it, the webview) and the
 * backend: the single place their names, params and results are typed. Other sides import this
 * file type-only, so it must stay free of runtime code.
 */

/** Sent by the extension as LSP `initializationOptions`. Every field is optional. */
export interface InitializationOptions {
  /** Folder for faro.db and the demo model (VS Code: globalStorageUri). */
  home?: string;
  modelsDirs?: string[];
  defaultModel?: string | null;
  endpoint?: { host?: string; port?: number; allowedOrigins?: string[]; apiKey?: string };
  engine?: { threads?: number; gpu?: "auto" | "cpu" };
  /** Model aliases: name -> "provider/model" or a local id (the faro.aliases setting). */
  aliases?: Record<string, string>;
}

/** Faro's details on a model, added to OpenAI's model object as `faro`. */
export interface ModelDetails {
  provider: "local";
  path: string;
  architecture: string | null;
  /** Parameter count, or null when the file does not say and it cannot be derived. */
  parameters: number | null;
  quantization: string | null;
  context_length: number | null;
  size_bytes: number;
  loaded: boolean;
  demo: boolean;
}

/** An entry of `GET /v1/models`: OpenAI's shape plus `faro`. */
export interface ModelInfo {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
  faro: ModelDetails;
}

export interface EndpointStatus {
  running: boolean;
  /** Base URL for OpenAI clients, e.g. http://127.0.0.1:4891/v1 */
  url: string | null;
  host: string;
  port: number | null;
  apiKeyRequired: boolean;
}

export type { QueueEntry } from "./engine/types";
export type { ResidentView as ResidentModel } from "./engine/modelPool";
import type { QueueEntry } from "./engine/types";
import type { ResidentView } from "./engine/modelPool";

export interface QueueListResult {
  requests: QueueEntry[];
  models: ResidentView[];
}

export interface ProviderInfo {
  id: string;
  /** local, openai (OpenAI-compatible), anthropic or gemini. */
  family: string;
  /** A key is known (set from VS Code or found in the environment); the key itself never leaves. */
  hasKey: boolean;
  baseUrl: string | null;
}

export interface ProvidersListResult {
  providers: ProviderInfo[];
}

export interface ModelsListResult {
  models: ModelInfo[];
  defaultModel: string | null;
  /** The user's model aliases (settings, config.json): names a request may use as its model. */
  aliases?: string[];
}

/** Requests the extension sends to the backend: method -> params and result. */
export interface FaroRequests {
  "faro/models/list": { params: Record<string, never>; result: ModelsListResult };
  "faro/models/select": { params: { model: string }; result: { defaultModel: string } };
  "faro/endpoint/start": {
    params: { host?: string; port?: number };
    result: EndpointStatus;
  };
  "faro/endpoint/stop": { params: Record<string, never>; result: EndpointStatus };
  "faro/endpoint/status": { params: Record<string, never>; result: EndpointStatus };
  "faro/queue/list": { params: Record<string, never>; result: QueueListResult };
  /** Cancels a waiting or running local request by its id (the x-request-id). */
  "faro/queue/cancel": { params: { id: string }; result: { cancelled: boolean } };
  "faro/models/unload": { params: { model: string }; result: { unloaded: boolean } };
  /** Hands a provider key from SecretStorage to the backend (memory only); null removes it. */
  "faro/providers/setKey": { params: { provider: string; key: string | null }; result: ProvidersListResult };
  "faro/providers/list": { params: Record<string, never>; result: ProvidersListResult };
}

/** Notifications the backend sends to the extension: method -> params. */
export interface FaroNotifications {
  "faro/endpoint/changed": EndpointStatus;
  "faro/models/changed": ModelsListResult;
  /** The queue or the resident models changed (throttled). */
  "faro/queue/changed": QueueListResult;
}

export type FaroRequestMethod = keyof FaroRequests;
export type FaroNotificationMethod = keyof FaroNotifications;
export type ParamsOf<M extends FaroRequestMethod> = FaroRequests[M]["params"];
export type ResultOf<M extends FaroRequestMethod> = FaroRequests[M]["result"];

// ---- The .prompt language (server/lsp/): runs, versions, labels. ----
// Declared as more members of FaroRequests/FaroNotifications (interface merging), in one block.

export interface PromptRunParams {
  /** The `.prompt` document (its prompt id is its workspace-relative path without extension). */
  uri: string;
  /** Chosen by the client so it can route events before the reply arrives; generated if absent. */
  runId?: string;
  /** Values for the template (over input.default). */
  variables?: Record<string, unknown>;
  /** Run with row N (0-based) of the prompt's `faro.dataset` as variables. */
  datasetRow?: number;
  /** A model other than the prompt's. */
  model?: string;
  /** Run a recorded version instead of the editor's text. */
  version?: number;
  label?: string;
}

export interface PromptRunStarted {
  runId: string;
  promptId: string;
  /** The recorded version run; null when the editor's text differs from every recorded one. */
  version: number | null;
  /** The model asked for (`default` until the gateway resolves it). */
  model: string;
}

export type PromptRunEvent =
  | { runId: string; type: "text"; text: string }
  | {
      runId: string;
      type: "done";
      requestId: string;
      model: string | null;
      provider: string | null;
      /** stop, length, tool_calls, or cancelled. */
      finishReason: string;
      /** Calls of the prompt's `tools` the model made; arguments are JSON text. */
      toolCalls: Array<{ id: string; name: string; arguments: string }>;
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
      latencyMs: number;
      ttftMs: number | null;
      /** 0 for local models; null when the price is unknown. */
      costUsd: number | null;
    }
  | { runId: string; type: "error"; message: string; code: string | null; status: number };

export interface PromptVersionInfo {
  version: number;
  hash: string;
  createdAt: number;
  labels: string[];
}

export interface PromptHistoryResult {
  promptId: string;
  /** Newest first. */
  versions: PromptVersionInfo[];
  /** label -> version */
  labels: Record<string, number>;
}

export interface PromptSourceResult {
  promptId: string;
  version: number;
  hash: string;
  createdAt: number;
  source: string;
}

export interface PromptInputsResult {
  variables: Array<{ name: string; type: string; optional: boolean; description: string | null; default?: unknown }>;
  /** The dataset file, when the prompt names one. */
  datasetFile: string | null;
  rows: Array<Record<string, unknown>>;
}

export interface PromptListResult {
  prompts: Array<{ promptId: string; latestVersion: number; updatedAt: number; labels: Record<string, number> }>;
}

export interface FaroRequests {
  /** Starts a run; its output comes as faro/prompt/runEvent notifications. */
  "faro/prompt/run": { params: PromptRunParams; result: PromptRunStarted };
  "faro/prompt/cancel": { params: { runId: string }; result: { cancelled: boolean } };
  "faro/prompt/history": { params: { uri?: string; promptId?: string }; result: PromptHistoryResult };
  "faro/prompt/version": { params: { promptId: string; version: number }; result: PromptSourceResult };
  /** Points a label at a version (`version: null` removes it). */
  "faro/prompt/label": { params: { promptId: string; label: string; version: number | null }; result: PromptHistoryResult };
  "faro/prompt/list": { params: Record<string, never>; result: PromptListResult };
  /** What a run can take: the declared variables (with defaults) and the rows of `faro.dataset`. */
  "faro/prompt/inputs": { params: { uri: string }; result: PromptInputsResult };
}

export interface FaroNotifications {
  "faro/prompt/runEvent": PromptRunEvent;
  /** A save recorded a new version. */
  "faro/prompt/versionsChanged": { promptId: string; version: number };
}

// ---- Comparisons (server/compare/, the Compare webview): N models or N prompt versions, k runs each. ----

export interface CompareStartParams {
  /** The `.prompt` compared. Without it, `message` is sent as one user message. */
  uri?: string;
  message?: string;
  /** One column per model; with `versions`, at most one model, which then overrides each version's. */
  models?: string[];
  /** One column per recorded version of the prompt at `uri`. */
  versions?: number[];
  variables?: Record<string, unknown>;
  /** Runs per column (1-10), one after another, to show spread. Default 1. */
  repeats?: number;
  /** A cap on output tokens for every run (a raw `message` has no config of its own). */
  maxTokens?: number;
  title?: string;
}

export interface CompareColumn {
  index: number;
  /** The model id or `v3`; unique within a comparison. */
  label: string;
  /** The model asked for; null when it is the prompt version's own model. */
  model: string | null;
  version: number | null;
}

/** One finished run of a column. */
export interface CompareRunResult {
  requestId: string;
  /** The model that answered (an alias or `default` resolved). */
  model: string | null;
  provider: string | null;
  text: string;
  /** stop, length, tool_calls, or cancelled. */
  finishReason: string;
  ttftMs: number | null;
  latencyMs: number;
  tokensIn: number | null;
  tokensOut: number | null;
  /** Output tokens per second of generation (after the first token); null when unknown. */
  tokensPerSecond: number | null;
  /** 0 for local models; null when the price is unknown. */
  costUsd: number | null;
}

export interface CompareRunError {
  message: string;
  code: string | null;
  status: number;
}

/** A run is either a result or the error that took its place. */
export type CompareRun = { ok: true; result: CompareRunResult } | { ok: false; error: CompareRunError };

export type CompareStatus = "running" | "done" | "cancelled";

export interface Comparison {
  id: string;
  createdAt: number;
  title: string;
  promptId: string | null;
  spec: CompareStartParams;
  status: CompareStatus;
  columns: Array<CompareColumn & { runs: CompareRun[] }>;
  /** The winning column's label, or null. */
  winner: string | null;
}

export interface CompareStarted {
  comparisonId: string;
  title: string;
  promptId: string | null;
  columns: CompareColumn[];
  repeats: number;
}

export type CompareEvent =
  | { comparisonId: string; column: number; run: number; type: "text"; text: string }
  | { comparisonId: string; column: number; run: number; type: "done"; result: CompareRunResult }
  | { comparisonId: string; column: number; run: number; type: "error"; error: CompareRunError }
  /** Every column has ended (or the comparison was cancelled); the row is saved. */
  | { comparisonId: string; type: "finished"; status: CompareStatus };

export interface ComparisonSummary {
  id: string;
  createdAt: number;
  title: string;
  promptId: string | null;
  status: CompareStatus;
  labels: string[];
  winner: string | null;
}

export interface FaroRequests {
  /** Starts a comparison; runs stream as faro/compare/event notifications keyed by its id. */
  "faro/compare/start": { params: CompareStartParams; result: CompareStarted };
  "faro/compare/cancel": { params: { comparisonId: string }; result: { cancelled: boolean } };
  /** Newest first. */
  "faro/compare/list": { params: { limit?: number; promptId?: string }; result: { comparisons: ComparisonSummary[] } };
  "faro/compare/get": { params: { comparisonId: string }; result: Comparison };
  /** Marks a column the winner (`column: null` clears it). */
  "faro/compare/setWinner": { params: { comparisonId: string; column: number | null }; result: Comparison };
}

export interface FaroNotifications {
  "faro/compare/event": CompareEvent;
}

// ---- The request log (server/store/logQuery.ts, logStats.ts): query, one row, aggregates, export. ----
// Times are ms since the epoch. The dashboard webview charts these shapes directly.

/** Filters shared by faro/logs/query, faro/logs/export (and GET /v1/logs as query parameters). */
export interface LogFilter {
  /** created_at >= since (inclusive). */
  since?: number;
  /** created_at < until (exclusive). */
  until?: number;
  model?: string;
  provider?: string;
  /** An HTTP status (429), a class ("2xx".."5xx"), "error" (>= 400) or "ok" (< 400). */
  status?: number | "2xx" | "3xx" | "4xx" | "5xx" | "error" | "ok";
  /** e.g. "POST /v1/chat/completions". */
  route?: string;
  promptId?: string;
  promptVersion?: number;
  /** Every key must be present in the row's metadata with this value (compared as text). */
  metadata?: Record<string, string>;
  virtualKeyId?: string;
  /** "none": the cache was not used. */
  cacheStatus?: "hit" | "miss" | "refresh" | "none";
  /** Case-insensitive substring of the error message. */
  errorText?: string;
  traceId?: string;
}

export interface LogQueryParams extends LogFilter {
  /** 1..1000, default 50. */
  limit?: number;
  /** nextCursor of the previous page; pages go newest first. */
  cursor?: string | null;
}

/** A request log row without its bodies. JSON columns are parsed. */
export interface LogRow {
  id: string;
  createdAt: number;
  route: string;
  model: string | null;
  provider: string | null;
  stream: boolean;
  status: number;
  latencyMs: number;
  ttftMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  finishReason: string | null;
  error: string | null;
  promptId: string | null;
  promptVersion: number | null;
  retries: number;
  fallbackIndex: number | null;
  traceId: string | null;
  costUsd: number | null;
  cachedTokens: number | null;
  cacheStatus: string | null;
  metadata: Record<string, unknown> | null;
  virtualKeyId: string | null;
  guardrails: unknown[] | null;
  /** The routing trail: one entry per attempt (provider, model, status, error). */
  attempts: unknown[] | null;
}

/** One row with everything: bodies are present only when body logging was on (redacted text). */
export interface LogRowFull extends LogRow {
  requestBody: string | null;
  responseBody: string | null;
}

export interface LogQueryResult {
  rows: LogRow[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface LogStatsParams {
  /** Default: 24 hours before `until`. Minute resolution (floored). */
  since?: number;
  /** Default: now. */
  until?: number;
  model?: string;
  provider?: string;
  route?: string;
  /** Most points in `series` (default 240, 1..2000): the bucket widens to fit. */
  maxPoints?: number;
  /** Day boundaries of `daily` in this offset from UTC (e.g. 120 for UTC+2); default 0. */
  utcOffsetMinutes?: number;
}

/** Aggregates for one model + provider (or for everything, in `totals`). */
export interface LogStatsModel {
  model: string | null;
  provider: string | null;
  requests: number;
  errors: number;
  /** errors / requests, 0..1 (errors: status >= 400, 499 = client went away). */
  errorRate: number;
  latencyAvgMs: number | null;
  /** Approximate: interpolated within log-spaced histogram buckets (1, 2, 3, 5, 7, 10, 15... ms). */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  latencyMaxMs: number | null;
  ttftAvgMs: number | null;
  /** Completion tokens per second after the first token, successful answers only. */
  tokensPerSecond: number | null;
  promptTokens: number;
  completionTokens: number;
  /** Sum of known costs (rows without a price count 0). */
  costUsd: number;
  cacheHits: number;
  /** Misses and refreshes. */
  cacheMisses: number;
  /** hits / (hits + misses); null when the cache was not used. */
  cacheHitRate: number | null;
}

export interface LogStatsResult {
  since: number;
  until: number;
  totals: LogStatsModel;
  /** Busiest first. */
  models: LogStatsModel[];
  /** One entry per day that had requests, oldest first; `day` is YYYY-MM-DD. */
  daily: Array<{ day: string; requests: number; errors: number; costUsd: number; promptTokens: number; completionTokens: number }>;
  /** Dense time series (zeros included), oldest first: one point per `bucketMs` from `since`. */
  series: {
    bucketMs: number;
    points: Array<{ t: number; requests: number; errors: number; cacheHits: number; completionTokens: number; requestsPerMinute: number }>;
  };
}

export interface LogExportParams extends LogFilter {
  format: "jsonl" | "csv";
  /** Write to this file (absolute path) and return its row count; without it the text comes back (at most 10,000 rows). */
  path?: string;
  /** Include request/response bodies (when they were logged). Default false. */
  includeBodies?: boolean;
}

export interface LogExportResult {
  rows: number;
  path: string | null;
  /** The export itself when no path was given. */
  data: string | null;
}

export interface FaroRequests {
  /** Request log rows, newest first, filtered, keyset-paginated. */
  "faro/logs/query": { params: LogQueryParams; result: LogQueryResult };
  /** One row with its bodies and trail; 404 when the id is unknown (or deleted by retention). */
  "faro/logs/get": { params: { id: string }; result: LogRowFull };
  "faro/logs/stats": { params: LogStatsParams; result: LogStatsResult };
  /** Rows oldest first as JSON Lines or CSV (RFC 4180). */
  "faro/logs/export": { params: LogExportParams; result: LogExportResult };
}

// ---- Virtual keys (server/gateway/virtualKeys/): keys with budgets, rate limits, allowed models. ----

export type KeyPeriod = "day" | "week" | "month" | "total";

/** A virtual key as listed: never its secret, only the prefix that recognises it. */
export interface VirtualKeyInfo {
  id: string;
  name: string;
  /** e.g. `fk-3Fq9x2`, the start of the secret. */
  prefix: string;
  budgetUsd: number | null;
  period: KeyPeriod;
  rpm: number | null;
  tpm: number | null;
  /** Allowed models (`provider/model`, a plain name, or `provider/*`); null: any. */
  models: string[] | null;
  createdAt: number;
  revokedAt: number | null;
  /** Spent in the current period (UTC), and when it began and ends (null: `total` never resets). */
  spentUsd: number;
  periodStart: number;
  periodEnd: number | null;
}

export interface KeysCreateParams {
  name: string;
  budgetUsd?: number | null;
  period?: KeyPeriod;
  rpm?: number | null;
  tpm?: number | null;
  models?: string[] | null;
}

export interface KeysUsageRow {
  /** Start of the period (UTC ms): a day, week or month as the key's period; months for `total`. */
  periodStart: number;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

export interface KeysUsageResult {
  key: VirtualKeyInfo;
  rows: KeysUsageRow[];
  total: Omit<KeysUsageRow, "periodStart">;
}

export interface FaroRequests {
  /** The secret comes back once, here; only its sha256 is stored. */
  "faro/keys/create": { params: KeysCreateParams; result: { key: VirtualKeyInfo; secret: string } };
  "faro/keys/list": { params: Record<string, never>; result: { keys: VirtualKeyInfo[] } };
  "faro/keys/revoke": { params: { name: string }; result: { key: VirtualKeyInfo } };
  "faro/keys/usage": { params: { name: string }; result: KeysUsageResult };
}

// ---- Model downloads and provider key checks (server/engine/downloads.ts, providers/keyCheck.ts). ----

export type { DownloadProgress as ModelDownloadProgress, DownloadResult as ModelDownloadResult } from "./engine/downloads";
import type { DownloadProgress, DownloadResult } from "./engine/downloads";

export interface ProviderCheckResult {
  provider: string;
  /** ok: the key works; refused: 401/403 (or Gemini's invalid key); unreachable: no answer; unexpected: another status. */
  status: "ok" | "refused" | "unreachable" | "unexpected";
  httpStatus: number | null;
  /** Says what happened; never contains the key. */
  message: string;
  /** Model ids the provider listed (empty unless ok). */
  models: string[];
}

export interface FaroRequests {
  /** Downloads a URL or `hf:` URI into the first models folder; progress comes as faro/models/downloadProgress. */
  "faro/models/download": { params: { source: string; id?: string }; result: DownloadResult };
  /** Stops a download; its partial file is kept so the same download resumes. */
  "faro/models/downloadCancel": { params: { id: string }; result: { cancelled: boolean } };
  /** Checks a key with a cheap authenticated call; without `key`, the key Faro already has. */
  "faro/providers/check": { params: { provider: string; key?: string | null; baseUrl?: string | null }; result: ProviderCheckResult };
}

export interface FaroNotifications {
  "faro/models/downloadProgress": DownloadProgress;
}
