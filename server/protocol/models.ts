/**
 * Protocol: models: the catalog (`faro/models/list`), the default model, unloading, and
 * downloads (server/engine/downloads.ts). Types only; re-exported by server/protocol.ts.
 */
export type { DownloadProgress as ModelDownloadProgress, DownloadResult as ModelDownloadResult } from "../engine/downloads";
import type { DownloadProgress, DownloadResult } from "../engine/downloads";

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

export interface ModelsListResult {
  models: ModelInfo[];
  defaultModel: string | null;
  /** The user's model aliases (settings, config.json): names a request may use as its model. */
  aliases?: string[];
}

export interface ModelRequests {
  "faro/models/list": { params: Record<string, never>; result: ModelsListResult };
  "faro/models/select": { params: { model: string }; result: { defaultModel: string } };
  "faro/models/unload": { params: { model: string }; result: { unloaded: boolean } };
  /** Downloads a URL or `hf:` URI into the first models folder; progress comes as faro/models/downloadProgress. */
  "faro/models/download": { params: { source: string; id?: string }; result: DownloadResult };
  /** Stops a download; its partial file is kept so the same download resumes. */
  "faro/models/downloadCancel": { params: { id: string }; result: { cancelled: boolean } };
}

export interface ModelNotifications {
  "faro/models/changed": ModelsListResult;
  "faro/models/downloadProgress": DownloadProgress;
}
