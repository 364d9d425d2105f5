/**
 * A one-minute sliding window of admitted requests and their tokens, per key: how many
 * requests and tokens the last 60 s hold, and how long until enough of them leave.
 */
export const WINDOW_MS = 60_000;

interface Entry {
  at: number;
  tokens: number;
}

export class RateWindow {
  private entries: Entry[] = [];

  /** Drops what left the window; returns requests and tokens still in it. */
  load(now: number): { requests: number; tokens: number } {
    const cut = now - WINDOW_MS;
    let i = 0;
    while (i < this.entries.length && this.entries[i]!.at <= cut) i++;
    if (i > 0) this.entries = this.entries.slice(i);
    let tokens = 0;
    for (const e of this.entries) tokens += e.tokens;
    return { requests: this.entries.length, tokens };
  }

  /** ms until the oldest `count` requests have left the window. */
  waitForRequests(count: number, now: number): number {
    const e = this.entries[Math.min(count, this.entries.length) - 1];
    return e ? Math.max(0, e.at + WINDOW_MS - now) : 0;
  }

  /** ms until at least `tokens` tokens have left the window. */
  waitForTokens(tokens: number, now: number): number {
    let freed = 0;
    for (const e of this.entries) {
      freed += e.tokens;
      if (freed >= tokens) return Math.max(0, e.at + WINDOW_MS - now);
    }
    return WINDOW_MS;
  }

  add(at: number, tokens: number): Entry {
    const e = { at, tokens };
    this.entries.push(e);
    return e;
  }

  /** Once the actual usage is known, the entry counts that instead of the estimate. */
  correct(entry: Entry, tokens: number): void {
    entry.tokens = tokens;
  }

  remove(entry: Entry): void {
    const i = this.entries.indexOf(entry);
    if (i > -1) this.entries.splice(i, 1);
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }
}

export type WindowEntry = ReturnType<RateWindow["add"]>;
