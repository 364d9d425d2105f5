/**
 * What the Compare webview and the extension say to each other over json-rpc-2.0, besides the
 * backend's own faro/... methods that the extension forwards unchanged, and how the extension
 * reads the prompt a restored panel was comparing from the webview's saved state.
 */
import type { Comparison, FaroRequestMethod } from "../../server/protocol";
import type { ComparisonView } from "./model";

export interface PanelContext {
  /** The `.prompt` compared (its URI), or null to compare models on a typed message. */
  uri: string | null;
  fileName: string | null;
  mode: "models" | "versions";
}

export interface PanelRequests {
  "panel/context": { params: Record<string, never>; result: PanelContext };
  /** Marks the winner; for a model column of a `.prompt`, writes it into the frontmatter (undoable). */
  "panel/markWinner": { params: { comparisonId: string; column: number | null }; result: { comparison: Comparison; note: string | null } };
  /** Asks where to save and writes the file; null when the user cancelled. */
  "panel/export": { params: { format: "markdown" | "csv"; content: string; name: string }; result: { path: string | null } };
  /** The extension's copy of a comparison that ran while the panel was hidden. */
  "panel/live": { params: { comparisonId: string }; result: ComparisonView | null };
}

/** The backend methods the webview may call through the extension. */
export type ForwardedMethod = Extract<FaroRequestMethod,
  "faro/models/list" | "faro/prompt/inputs" | "faro/prompt/history" | "faro/compare/start" | "faro/compare/cancel" | "faro/compare/list" | "faro/compare/get">;

/** Notifications from the extension: "panel/context" (retargeted) and the backend's "faro/compare/event". */
export type PanelNotification = "panel/context" | "faro/compare/event";

/** The PanelContext in a Compare webview's saved state (webview/compare/app.ts UiState.context), if well-formed. */
export function savedContext(state: unknown): PanelContext | null {
  const c = (state as { context?: unknown } | null | undefined)?.context as Partial<PanelContext> | null | undefined;
  if (!c || typeof c !== "object") return null;
  if (c.mode !== "models" && c.mode !== "versions") return null;
  if (c.uri !== null && typeof c.uri !== "string") return null;
  if (c.fileName !== null && typeof c.fileName !== "string") return null;
  return { uri: c.uri, fileName: c.fileName, mode: c.mode };
}
