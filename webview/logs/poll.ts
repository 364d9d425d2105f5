/**
 * One live poll of the Logs dashboard: faro/logs/stats and the newest page of faro/logs/query
 * for a filter, in parallel. The extension runs it on a timer while the panel is visible; the
 * integration test runs it against the real backend. No DOM, no vscode.
 */
import type { LogQueryParams, LogQueryResult, LogStatsParams, LogStatsResult } from "../../server/protocol";
import { queryParams, statsParams } from "./filters";
import type { LiveUpdate, WatchParams } from "./panelProtocol";

export interface LogsApi {
  query(p: LogQueryParams): Promise<LogQueryResult>;
  stats(p: LogStatsParams): Promise<LogStatsResult>;
}

export const filterKey = (w: WatchParams) => JSON.stringify(w.filter);

export async function pollOnce(api: LogsApi, w: WatchParams, now: number): Promise<LiveUpdate> {
  const key = filterKey(w);
  const q = queryParams(w.filter, now, w.limit);
  if (!q.ok) return { at: now, filterKey: key, stats: null, newest: null, error: q.error };
  try {
    const [stats, newest] = await Promise.all([api.stats(statsParams(w.filter, now, w.utcOffsetMinutes)), api.query(q.value)]);
    return { at: now, filterKey: key, stats, newest, error: null };
  } catch (err) {
    // Shown in the panel in place of the data (and logged by the extension).
    return { at: now, filterKey: key, stats: null, newest: null, error: err instanceof Error ? err.message : String(err) };
  }
}
