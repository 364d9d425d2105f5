/**
 * A download's progress in words, one line: "12.3 MB of 27.0 MB (45%) · 5.1 MB/s · 3 s left".
 * Shared by `faro models pull` and the extension's progress notification.
 */
import type { DownloadProgress } from "./downloads";

/** Decimal units as file managers show them: "470 KB", "1.3 GB". */
export function bytesText(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "? B";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function durationText(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** The share done, 0-100, or null when the size is unknown. */
export function percentDone(p: DownloadProgress): number | null {
  return p.totalBytes ? Math.min(100, (p.receivedBytes / p.totalBytes) * 100) : null;
}

export function progressText(p: DownloadProgress): string {
  const pct = percentDone(p);
  const size = p.totalBytes ? `${bytesText(p.receivedBytes)} of ${bytesText(p.totalBytes)} (${Math.floor(pct!)}%)` : bytesText(p.receivedBytes);
  const parts = [size, `${bytesText(p.bytesPerSecond)}/s`];
  if (p.etaSeconds !== null) parts.push(p.etaSeconds === 0 ? "done" : `${durationText(p.etaSeconds)} left`);
  if (p.resumedFrom > 0) parts.push(`resumed at ${bytesText(p.resumedFrom)}`);
  return parts.join(" · ");
}
