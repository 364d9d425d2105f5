/** Types the local engine exposes to its callers (providers/local). */
import type { ChatHistoryItem } from "node-llama-cpp";

export interface GenerateRequest {
  history: ChatHistoryItem[];
  temperature: number;
  topP: number;
  /** null: up to the end of the context. */
  maxTokens: number | null;
  stop: string[];
  seed: number | null;
  presencePenalty: number;
  frequencyPenalty: number;
}

export type FinishReason = "stop" | "length" | "abort";

export type GenerateEvent =
  | { type: "text"; text: string }
  | { type: "done"; finishReason: FinishReason; promptTokens: number; completionTokens: number };

export interface EngineOptions {
  /** 0: choose from the model (see threads.ts). */
  threads: number;
  gpu: "auto" | "cpu";
  /** Parallel sequences per loaded model: concurrent requests beyond this wait. */
  slots: number;
  /** Upper bound for a context's size in tokens (the model's own limit also applies). */
  maxContextSize: number;
}

export interface EngineStats {
  loaded: string[];
  active: number;
  waiting: number;
}
