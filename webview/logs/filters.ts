/**
 * The Logs dashboard's filter bar as data: what the user typed (FilterState, kept in the webview
 * state) turned into faro/logs/query and faro/logs/stats params, with a precise message for
 * input that cannot be a filter. Pure: shared by the webview and the extension's poller.
 */
import type { LogFilter, LogQueryParams, LogStatsParams } from "../../server/protocol";

export const RANGES = {
  "15m": { label: "Last 15 minutes", ms: 15 * 60_000 },
  "1h": { label: "Last hour", ms: 3_600_000 },
  "6h": { label: "Last 6 hours", ms: 6 * 3_600_000 },
  "24h": { label: "Last 24 hours", ms: 86_400_000 },
  "7d": { label: "Last 7 days", ms: 7 * 86_400_000 },
  "30d": { label: "Last 30 days", ms: 30 * 86_400_000 },
} as const;
export type RangeKey = keyof typeof RANGES;

export const STATUS_CHOICES = ["", "ok", "error", "2xx", "4xx", "5xx"] as const;

export interface FilterState {
  range: RangeKey;
  model: string;
  provider: string;
  /** "", ok, error, 2xx..5xx, or an HTTP status typed as digits ("429"). */
  status: string;
  /** A prompt id, optionally with a version: "summarize" or "summarize@3". */
  prompt: string;
  /** Metadata tags, "key=value" separated by commas: "team=search, env=dev". */
  tags: string;
}

export const DEFAULT_FILTER: FilterState = { range: "24h", model: "", provider: "", status: "", prompt: "", tags: "" };

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** "team=search, env=dev" → { team: "search", env: "dev" }; a value may contain '='. */
export function parseTags(text: string): Parsed<Record<string, string> | undefined> {
  const tags: Record<string, string> = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0) return { ok: false, error: `Tag '${part}' must be key=value (e.g. team=search).` };
    const key = part.slice(0, eq).trim();
    if (!key) return { ok: false, error: `Tag '${part}' has an empty key.` };
    if (key in tags) return { ok: false, error: `Tag '${key}' is given twice.` };
    tags[key] = part.slice(eq + 1).trim();
  }
  return { ok: true, value: Object.keys(tags).length ? tags : undefined };
}

export function parseStatus(text: string): Parsed<LogFilter["status"]> {
  const s = text.trim().toLowerCase();
  if (!s) return { ok: true, value: undefined };
  if ((STATUS_CHOICES as readonly string[]).includes(s) || s === "3xx") return { ok: true, value: s as LogFilter["status"] };
  if (/^\d{3}$/.test(s) && Number(s) >= 100 && Number(s) <= 599) return { ok: true, value: Number(s) };
  return { ok: false, error: `Status '${text.trim()}' must be ok, error, 2xx..5xx or an HTTP status (100-599).` };
}

export function parsePrompt(text: string): Parsed<{ promptId?: string; promptVersion?: number }> {
  const s = text.trim();
  if (!s) return { ok: true, value: {} };
  const m = /^(.+?)@(\d+)$/.exec(s);
  if (!m) return { ok: true, value: { promptId: s } };
  const version = Number(m[2]);
  if (version < 1) return { ok: false, error: `Prompt version in '${s}' must be 1 or more.` };
  return { ok: true, value: { promptId: m[1]!.trim(), promptVersion: version } };
}

/** The row filter for a moment `now` (relative ranges end now). */
export function toFilter(state: FilterState, now: number): Parsed<LogFilter> {
  const range = RANGES[state.range];
  if (!range) return { ok: false, error: `Unknown time range '${String(state.range)}'.` };
  const status = parseStatus(state.status);
  if (!status.ok) return status;
  const tags = parseTags(state.tags);
  if (!tags.ok) return tags;
  const prompt = parsePrompt(state.prompt);
  if (!prompt.ok) return prompt;
  const filter: LogFilter = { since: Math.max(0, now - range.ms), ...prompt.value };
  if (state.model.trim()) filter.model = state.model.trim();
  if (state.provider.trim()) filter.provider = state.provider.trim();
  if (status.value !== undefined) filter.status = status.value;
  if (tags.value) filter.metadata = tags.value;
  return { ok: true, value: filter };
}

export function queryParams(state: FilterState, now: number, limit: number, cursor?: string | null): Parsed<LogQueryParams> {
  const f = toFilter(state, now);
  if (!f.ok) return f;
  return { ok: true, value: cursor ? { ...f.value, limit, cursor } : { ...f.value, limit } };
}

/** Stats are rolled up per model/provider only: status, prompt and tags do not narrow the charts. */
export function statsParams(state: FilterState, now: number, utcOffsetMinutes: number, maxPoints = 120): LogStatsParams {
  const p: LogStatsParams = { since: Math.max(0, now - RANGES[state.range].ms), until: now, maxPoints, utcOffsetMinutes };
  if (state.model.trim()) p.model = state.model.trim();
  if (state.provider.trim()) p.provider = state.provider.trim();
  return p;
}

/** A filter state read back from webview state (older or hand-edited): unknown fields dropped, missing ones defaulted. */
export function restoreFilter(saved: unknown): FilterState {
  const s = (saved && typeof saved === "object" ? saved : {}) as Record<string, unknown>;
  const str = (k: keyof FilterState) => (typeof s[k] === "string" ? (s[k] as string) : DEFAULT_FILTER[k]);
  const range = typeof s.range === "string" && s.range in RANGES ? (s.range as RangeKey) : DEFAULT_FILTER.range;
  return { range, model: str("model"), provider: str("provider"), status: str("status"), prompt: str("prompt"), tags: str("tags") };
}
