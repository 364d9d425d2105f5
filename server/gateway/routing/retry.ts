/**
 * When and how long to wait before trying a target again: exponential backoff with jitter, or
 * the provider's Retry-After when it sent one. A target's retries wait 60 s in all at most (as
 * Portkey's): beyond that waiting is pointless and the next target is better.
 */
export const DEFAULT_RETRY_STATUSES = [429, 500, 502, 503, 504];
export const RETRY_WAIT_CAP_MS = 60_000;

export interface RetryPolicy {
  attempts: number;
  onStatusCodes: readonly number[];
  useRetryAfter: boolean;
  baseMs: number;
  maxMs: number;
}

export const NO_RETRY: RetryPolicy = { attempts: 0, onStatusCodes: DEFAULT_RETRY_STATUSES, useRetryAfter: true, baseMs: 100, maxMs: 5_000 };

/**
 * ms to wait before retry number `attempt` (1-based), or null when this failure is not retried
 * (`waitedMs`: what the target's earlier retries waited).
 */
export function retryDelay(policy: RetryPolicy, attempt: number, status: number, retryAfterMs: number | null, random = Math.random, waitedMs = 0): number | null {
  if (attempt > policy.attempts || !policy.onStatusCodes.includes(status)) return null;
  let wait: number;
  if (policy.useRetryAfter && retryAfterMs !== null) wait = retryAfterMs;
  else {
    const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
    wait = Math.round(exp / 2 + random() * (exp / 2)); // "equal jitter": never less than half
  }
  return waitedMs + wait <= RETRY_WAIT_CAP_MS ? wait : null;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
