/**
 * Text the extension shows for models and backend state (quick pick rows, status bar). Kept free
 * of `vscode` so it is unit-tested under plain Node.
 */
import { inspect } from "node:util";
import type { EndpointStatus, ModelInfo } from "../server/protocol";

/**
 * The language id of `.prompt` files (package.json contributes.languages; the backend's
 * PROMPT_LANGUAGE_ID). Not `prompt`: VS Code's own prompt-basics extension gives Copilot's
 * `.prompt.md` files that id, and sharing it activated the Markdown extension with Faro.
 */
export const PROMPT_LANGUAGE_ID = "dotprompt";

/** File sizes in decimal units, as file managers show them: "470 KB", "1.3 GB" (the download line's rule). */
import { bytesText } from "../server/engine/downloadText";
export const formatBytes = bytesText;

/** Parameter counts the way model cards write them: "150M", "1.2B", "7B". */
export function formatParameters(count: number): string {
  const scales: Array<[number, string]> = [
    [1e12, "T"],
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "K"],
  ];
  for (const [scale, suffix] of scales) {
    if (count >= scale) {
      const value = count / scale;
      const text = value >= 10 ? value.toFixed(0) : value.toFixed(1).replace(/\.0$/, "");
      return `${text}${suffix}`;
    }
  }
  return String(count);
}

export interface ModelPickRow {
  label: string;
  description: string;
  detail: string;
  current: boolean;
}

export function modelPickRow(model: ModelInfo, defaultModel: string | null): ModelPickRow {
  const current = model.id === defaultModel;
  const { faro } = model;
  const parts = [
    current ? "current" : null,
    faro.demo ? "demo" : null,
    faro.quantization,
    faro.parameters === null ? null : `${formatParameters(faro.parameters)} params`,
    formatBytes(faro.size_bytes),
  ];
  return {
    label: model.id,
    description: parts.filter((p): p is string => p !== null && p !== "").join(" · "),
    detail: faro.path,
    current,
  };
}

export type BackendState = "idle" | "starting" | "ready" | "error";

export interface StatusView {
  state: BackendState;
  model: string | null;
  endpoint: EndpointStatus | null;
  /** Why the backend is down, when state is "error". */
  error?: string;
}

/** Status bar text and tooltip; codicons ($(name)) are rendered by VS Code. */
export function statusText(view: StatusView): { text: string; tooltip: string } {
  switch (view.state) {
    case "idle":
      return {
        text: "$(hubot) Faro",
        tooltip: "Faro backend not started yet. Click to select a model (starts it).",
      };
    case "starting":
      return { text: "$(loading~spin) Faro", tooltip: "Faro backend is starting…" };
    case "error":
      return {
        text: "$(error) Faro",
        tooltip: `Faro backend is not running${view.error ? `: ${view.error}` : ""}. Run "Faro: Restart Backend".`,
      };
    case "ready": {
      const endpoint = view.endpoint?.running && view.endpoint.url
        ? `Endpoint: ${view.endpoint.url}`
        : "Endpoint: stopped";
      return {
        text: `$(hubot) ${view.model ?? "Faro: no model"}`,
        tooltip: [
          "Faro backend running",
          `Model: ${view.model ?? "none selected"}`,
          endpoint,
          "Click to select a model.",
        ].join("\n"),
      };
    }
  }
}

/** The message of anything thrown, for logs and notifications. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "string") return err;
  // inspect (unlike JSON.stringify) copes with cycles and never throws.
  return inspect(err, { depth: 3, breakLength: Infinity });
}
