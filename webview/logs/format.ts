/**
 * How the Logs dashboard writes numbers, times and one request's details. Pure (no DOM), so the
 * text people read is unit-tested.
 */
import type { LogRow, LogRowFull } from "../../server/protocol";

export const DASH = "—";

export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  if (v === 0) return "0 ms";
  if (v < 1) return `${v.toFixed(2)} ms`;
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 60_000) return `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(v / 60_000)} min ${Math.round((v % 60_000) / 1000)} s`;
}

/**
 * Digits after the point that tell apart the ticks of an axis `step` apart (0.05 -> 2). An axis
 * formats its ticks with them: formatted one by one, 0.05 and 0.1 both read "0.1".
 */
export function tickDecimals(step: number): number {
  if (!(step > 0) || step >= 1) return 0;
  return Math.min(12, -Math.floor(Math.log10(step) + 1e-9));
}

/**
 * Dollars with enough digits to see a fraction of a cent; null is an unknown price. With an
 * axis `step`, every tick gets the same digits ($0.00, $0.50, $1.00).
 */
export function usd(v: number | null | undefined, step?: number): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  if (v === 0) return "$0";
  if (step !== undefined && step < 1) return `$${v.toFixed(Math.max(2, tickDecimals(step)))}`;
  const a = Math.abs(v);
  if (a >= 100) return `$${v.toFixed(0)}`;
  if (a >= 1) return `$${v.toFixed(2)}`;
  if (a >= 0.01) return `$${v.toFixed(4)}`;
  return `$${v.toPrecision(2)}`;
}

/** 950, 1.2k, 3.4M. With an axis `step` below 1, ticks get the digits that tell them apart. */
export function count(v: number | null | undefined, step?: number): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  if (step !== undefined && step < 1) return v === 0 ? "0" : v.toFixed(tickDecimals(step));
  const a = Math.abs(v);
  if (a < 1000) return Number.isInteger(v) ? String(v) : v.toFixed(1);
  if (a < 1_000_000) return `${(v / 1000).toFixed(a < 10_000 ? 1 : 0)}k`;
  return `${(v / 1_000_000).toFixed(a < 10_000_000 ? 1 : 0)}M`;
}

export function percent(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  const p = v * 100;
  return `${p === 0 || p >= 10 ? p.toFixed(0) : p.toFixed(1)}%`;
}

export function rate(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? DASH : `${v < 10 ? v.toFixed(1) : Math.round(v)} tok/s`;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Local time: "14:03:07" today, "Mar 4 14:03" on another day. */
export function when(t: number, now: number): string {
  const d = new Date(t);
  const n = new Date(now);
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (d.toDateString() === n.toDateString()) return hms;
  return `${d.toLocaleString("en", { month: "short" })} ${d.getDate()} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Axis label for a time: minutes within a day, dates across days. */
export function axisTime(t: number, spanMs: number): string {
  const d = new Date(t);
  if (spanMs <= 2 * 86_400_000) return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return `${d.toLocaleString("en", { month: "short" })} ${d.getDate()}`;
}

export type StatusClass = "ok" | "client-error" | "server-error";

export function statusClass(status: number): StatusClass {
  return status >= 500 ? "server-error" : status >= 400 ? "client-error" : "ok";
}

/** Tokens in/out of a row, e.g. "120 → 48" (cached input shown when some was). */
export function tokens(r: Pick<LogRow, "promptTokens" | "completionTokens" | "cachedTokens">): string {
  if (r.promptTokens === null && r.completionTokens === null) return DASH;
  const cached = r.cachedTokens ? ` (${count(r.cachedTokens)} cached)` : "";
  return `${count(r.promptTokens)}${cached} → ${count(r.completionTokens)}`;
}

/** Completion tokens per second after the first token, as the stats count it. */
export function rowTokensPerSecond(r: Pick<LogRow, "status" | "completionTokens" | "latencyMs" | "ttftMs">): number | null {
  if (r.status >= 400 || !r.completionTokens) return null;
  const decodeMs = r.ttftMs !== null && r.latencyMs > r.ttftMs ? r.latencyMs - r.ttftMs : r.latencyMs;
  return decodeMs > 0 ? r.completionTokens / (decodeMs / 1000) : null;
}

export interface DetailSection {
  title: string;
  rows: Array<[string, string]>;
}

/** Everything faro/logs/get returns, grouped for the detail view (bodies are separate: preformatted). */
export function detailSections(r: LogRowFull, now: number): DetailSection[] {
  const sections: DetailSection[] = [
    {
      title: "Request",
      rows: [
        ["Id", r.id],
        ["Time", `${when(r.createdAt, now)} (${new Date(r.createdAt).toISOString()})`],
        ["Route", r.route],
        ["Model", r.model ?? DASH],
        ["Provider", r.provider ?? DASH],
        ["Status", String(r.status)],
        ["Stream", r.stream ? "yes" : "no"],
        ["Finish reason", r.finishReason ?? DASH],
        ["Error", r.error ?? DASH],
        ["Trace id", r.traceId ?? DASH],
        ["Virtual key", r.virtualKeyId ?? DASH],
        ["Prompt", r.promptId ? `${r.promptId}${r.promptVersion ? ` v${r.promptVersion}` : ""}` : DASH],
      ],
    },
    {
      title: "Performance and cost",
      rows: [
        ["Latency", ms(r.latencyMs)],
        ["Time to first token", ms(r.ttftMs)],
        ["Tokens in → out", tokens(r)],
        ["Tokens/s", rate(rowTokensPerSecond(r))],
        ["Cost", r.costUsd === null ? "unknown (no price for this model)" : usd(r.costUsd)],
        ["Cache", r.cacheStatus ?? "not used"],
        ["Retries", String(r.retries)],
        ["Answered by option", r.fallbackIndex === null ? DASH : String(r.fallbackIndex)],
      ],
    },
  ];
  const meta = Object.entries(r.metadata ?? {});
  if (meta.length) sections.push({ title: "Tags", rows: meta.map(([k, v]) => [k, text(v)]) });
  const attempts = (r.attempts ?? []).map((a, i): [string, string] => [`Attempt ${i + 1}`, attemptText(a)]);
  sections.push({ title: "Routing trail", rows: attempts.length ? attempts : [["Attempts", "one target, no retry or fallback recorded"]] });
  const verdicts = (r.guardrails ?? []).map((g, i): [string, string] => verdictRow(g, i));
  sections.push({ title: "Guardrails", rows: verdicts.length ? verdicts : [["Verdicts", "no guardrail ran"]] });
  return sections;
}

function text(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function attemptText(a: unknown): string {
  if (!a || typeof a !== "object") return text(a);
  const { provider, model, status, error, ...rest } = a as Record<string, unknown>;
  const parts = [`${text(provider ?? "?")}/${text(model ?? "?")}`, status !== undefined ? `status ${text(status)}` : null, error ? `error: ${text(error)}` : null];
  if (Object.keys(rest).length) parts.push(JSON.stringify(rest));
  return parts.filter(Boolean).join(" · ");
}

function verdictRow(g: unknown, i: number): [string, string] {
  if (!g || typeof g !== "object") return [`Check ${i + 1}`, text(g)];
  const { check, stage, verdict, detail } = g as Record<string, unknown>;
  const label = `${text(check ?? `check ${i + 1}`)}${stage ? ` (${text(stage)})` : ""}`;
  return [label, `${text(verdict ?? "?")}${detail ? ` · ${JSON.stringify(detail)}` : ""}`];
}

/** A logged body, pretty-printed when it is JSON; null when bodies were not logged. */
export function prettyBody(body: string | null): string | null {
  if (body === null) return null;
  try {
    return JSON.stringify(JSON.parse(body) as unknown, null, 2);
  } catch {
    return body; // A stream's assembled answer or redacted text: shown as logged.
  }
}
