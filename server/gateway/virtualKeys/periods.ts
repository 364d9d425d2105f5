/** Budget periods in UTC: a day, an ISO week (from Monday), a calendar month, or all time. */
import type { Period } from "../../store/virtualKeys";

export const DAY_MS = 86_400_000;

export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** When the period containing `now` began (ms, UTC midnight); 0 for `total`. */
export function periodStart(period: Period, now: number): number {
  const day = dayOf(now);
  if (period === "day") return day;
  if (period === "week") return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
  if (period === "month") {
    const d = new Date(day);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  return 0;
}

/** When the period containing `now` ends; null for `total` (it never resets). */
export function periodEnd(period: Period, now: number): number | null {
  if (period === "day") return dayOf(now) + DAY_MS;
  if (period === "week") return periodStart("week", now) + 7 * DAY_MS;
  if (period === "month") {
    const d = new Date(now);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return null;
}

export const PERIODS: readonly Period[] = ["day", "week", "month", "total"];
