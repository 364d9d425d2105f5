/**
 * The table's rows as data: pages appended on "load more", and the newest rows from a live poll
 * merged in front without duplicates. Pure (no DOM).
 */
import type { LogRow } from "../../server/protocol";

export interface RowList {
  rows: LogRow[];
  /** Cursor of the next (older) page; null when the oldest row is loaded. */
  nextCursor: string | null;
}

export const EMPTY_ROWS: RowList = { rows: [], nextCursor: null };

/** An older page after the current rows ("load more"). */
export function appendPage(list: RowList, page: RowList): RowList {
  const seen = new Set(list.rows.map((r) => r.id));
  return { rows: [...list.rows, ...page.rows.filter((r) => !seen.has(r.id))], nextCursor: page.nextCursor };
}

/**
 * Merges the newest page (newest first, same filter) from a poll. When it overlaps the rows
 * shown, the new ones go in front and the loaded older pages stay. When it does not (more rows
 * arrived than a page holds, or the list is empty), the newest page replaces the list: a gap
 * would otherwise hide rows between the two.
 */
export function mergeNewest(list: RowList, newest: RowList): { list: RowList; added: number } {
  const shown = new Set(list.rows.map((r) => r.id));
  const overlap = newest.rows.findIndex((r) => shown.has(r.id));
  if (list.rows.length === 0 || overlap < 0) {
    const added = newest.rows.filter((r) => !shown.has(r.id)).length;
    return { list: { rows: newest.rows, nextCursor: newest.nextCursor }, added };
  }
  const fresh = newest.rows.slice(0, overlap).filter((r) => !shown.has(r.id));
  if (fresh.length === 0) return { list, added: 0 };
  return { list: { rows: [...fresh, ...list.rows], nextCursor: list.nextCursor }, added: fresh.length };
}
