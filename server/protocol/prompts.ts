/**
 * Protocol: the .prompt language (server/lsp/, server/prompts/): runs and their streamed events,
 * recorded versions and labels, run inputs. Types only; re-exported by server/protocol.ts.
 */

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

export interface PromptRequests {
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
  /**
   * A save the language client could not send (made while the backend was starting or
   * restarting), with the text saved then: recorded as a version like any save.
   */
  "faro/prompt/recordSave": { params: { uri: string; text: string }; result: { promptId: string; version: number; created: boolean } };
}

export interface PromptNotifications {
  "faro/prompt/runEvent": PromptRunEvent;
  /** A save recorded a new version. */
  "faro/prompt/versionsChanged": { promptId: string; version: number };
}
