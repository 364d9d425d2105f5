/**
 * Protocol: comparisons (server/compare/, the Compare webview): N models or N prompt versions,
 * k runs each. Types only; re-exported by server/protocol.ts.
 */

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

export interface CompareRequests {
  /** Starts a comparison; runs stream as faro/compare/event notifications keyed by its id. */
  "faro/compare/start": { params: CompareStartParams; result: CompareStarted };
  "faro/compare/cancel": { params: { comparisonId: string }; result: { cancelled: boolean } };
  /** Newest first. */
  "faro/compare/list": { params: { limit?: number; promptId?: string }; result: { comparisons: ComparisonSummary[] } };
  "faro/compare/get": { params: { comparisonId: string }; result: Comparison };
  /** Marks a column the winner (`column: null` clears it). */
  "faro/compare/setWinner": { params: { comparisonId: string; column: number | null }; result: Comparison };
}

export interface CompareNotifications {
  "faro/compare/event": CompareEvent;
}
