/**
 * Durations as people write them for keep-alive and aging (Ollama's `keep_alive` style):
 * a number of seconds, or "500ms", "30s", "5m", "1h"; any negative value means forever.
 */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, Infinity for "forever", or null when the text is not a duration. */
export function parseDuration(value: string | number): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? (value < 0 ? Infinity : value * 1000) : null;
  const m = value.trim().match(/^(-?\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/);
  if (!m) return null;
  const n = Number(m[1]);
  if (n < 0) return Infinity;
  return n * UNITS[m[2] ?? "s"]!;
}
