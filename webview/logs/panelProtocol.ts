/**
 * What the Logs webview and the extension say to each other over json-rpc-2.0, besides the
 * backend's faro/logs/* methods that the extension forwards unchanged. Type-only.
 */
import type { FaroRequestMethod, LogQueryResult, LogStatsResult } from "../../server/protocol";
import type { FilterState } from "./filters";

/** The backend methods the Logs webview may call through the extension. */
export type ForwardedMethod = Extract<FaroRequestMethod, "faro/logs/query" | "faro/logs/get" | "faro/logs/stats">;

export interface WatchParams {
  filter: FilterState;
  /** Rows in the newest page (the table's first page). */
  limit: number;
  /** The webview's offset from UTC in minutes (days of the cost chart start at local midnight). */
  utcOffsetMinutes: number;
}

/** One poll: the charts' aggregates and the newest rows for the watched filter. */
export interface LiveUpdate {
  at: number;
  /** JSON of the filter it was made for (a reply to an older filter is ignored). */
  filterKey: string;
  stats: LogStatsResult | null;
  newest: LogQueryResult | null;
  /** Why there is no data (a filter that cannot be used, the backend's error). */
  error: string | null;
}

export interface PanelRequests {
  /** Polls now and then every few seconds while the panel is visible, for this filter. */
  "panel/watch": { params: WatchParams; result: LiveUpdate };
  /** Asks where to save, then faro/logs/export writes the file; path null when cancelled. */
  "panel/export": { params: { filter: FilterState; format: "csv" | "jsonl"; includeBodies: boolean }; result: { path: string | null; rows: number } };
}

/** Pushed by the extension after each background poll. */
export const LIVE_NOTIFICATION = "logs/live";
