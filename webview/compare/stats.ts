/** Spread of a column's k runs (min / median / max per metric) and how the view prints numbers. DOM-free. */
import type { CompareRunResult } from "../../server/protocol";
import type { ColumnView } from "./model";

export interface Spread {
  min: number;
  median: number;
  max: number;
  /** How many runs had a value. */
  n: number;
}

/** min/median/max of the known values (nulls are unknown, not zero); null when none is known. */
export function spread(values: ReadonlyArray<number | null>): Spread | null {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  const n = known.length;
  if (n === 0) return null;
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? known[mid]! : (known[mid - 1]! + known[mid]!) / 2;
  return { min: known[0]!, median, max: known[n - 1]!, n };
}

export const METRICS = [
  { key: "ttftMs", label: "TTFT", unit: "ms" },
  { key: "latencyMs", label: "Latency", unit: "ms" },
  { key: "tokensIn", label: "Tokens in", unit: "" },
  { key: "tokensOut", label: "Tokens out", unit: "" },
  { key: "tokensPerSecond", label: "Tokens/s", unit: "" },
  { key: "costUsd", label: "Cost", unit: "usd" },
] as const satisfies ReadonlyArray<{ key: keyof CompareRunResult; label: string; unit: string }>;

export type MetricKey = (typeof METRICS)[number]["key"];

export interface ColumnStats {
  metrics: Record<MetricKey, Spread | null>;
  /** Distinct finish reasons of the finished runs, in order of first appearance. */
  finishReasons: string[];
  done: number;
  errors: number;
}

export function columnStats(col: ColumnView): ColumnStats {
  const results = col.runs.map((r) => r.result).filter((r): r is CompareRunResult => r !== null);
  const metrics = Object.fromEntries(METRICS.map((m) => [m.key, spread(results.map((r) => r[m.key]))])) as Record<MetricKey, Spread | null>;
  return {
    metrics,
    finishReasons: [...new Set(results.map((r) => r.finishReason))],
    done: results.length,
    errors: col.runs.filter((r) => r.error !== null).length,
  };
}

/** One value of a metric: "—" when unknown. */
export function formatValue(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return "—";
  if (unit === "ms") return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
  if (unit === "usd") return formatUsd(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export function formatUsd(value: number): string {
  if (value === 0) return "$0";
  if (value < 0.01) return `$${value.toPrecision(2)}`;
  return `$${value.toFixed(4)}`;
}

/** "120 ms" for one run or equal runs, else "120 ms (98 ms–150 ms)": median with the range. */
export function formatSpread(s: Spread | null, unit: string): string {
  if (!s) return "—";
  const median = formatValue(s.median, unit);
  if (s.n === 1 || s.min === s.max) return median;
  return `${median} (${formatValue(s.min, unit)}–${formatValue(s.max, unit)})`;
}
