/**
 * A per-target circuit breaker: after `threshold` failures in a row (server errors, 429,
 * timeouts, unreachable) a target is skipped for `cooldownMs`, then one trial request decides
 * whether it is back. Keeps a failing provider from slowing every request down.
 */
export interface BreakerOptions {
  threshold: number;
  cooldownMs: number;
  now?: () => number;
}

interface State {
  failures: number;
  openUntil: number;
  trialInFlight: boolean;
}

export class CircuitBreaker {
  private readonly states = new Map<string, State>();
  private readonly now: () => number;

  constructor(private readonly opts: BreakerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Whether a request may go to this target now (an open circuit past its cooldown lets one through). */
  allow(key: string): boolean {
    const s = this.states.get(key);
    if (!s || s.openUntil === 0) return true;
    if (this.now() < s.openUntil || s.trialInFlight) return false;
    s.trialInFlight = true;
    return true;
  }

  success(key: string): void {
    this.states.delete(key);
  }

  failure(key: string, status: number): void {
    if (!countsAsOutage(status)) {
      // The provider answered (a 4xx): it is up, so a trial closes the circuit. A client that
      // left (499) proves nothing either way: the next request gets the trial.
      if (this.states.get(key)?.trialInFlight) {
        if (status === 499) this.abandon(key);
        else this.success(key);
      }
      return;
    }
    const s = this.states.get(key) ?? { failures: 0, openUntil: 0, trialInFlight: false };
    s.failures++;
    s.trialInFlight = false;
    if (s.failures >= this.opts.threshold) s.openUntil = this.now() + this.opts.cooldownMs;
    this.states.set(key, s);
  }

  /** A call that ended without a verdict on the target (a bug, not an answer): frees its trial. */
  abandon(key: string): void {
    const s = this.states.get(key);
    if (s) s.trialInFlight = false;
  }

  /** Seconds until the target is tried again, for messages; 0 when closed. */
  remainingMs(key: string): number {
    const s = this.states.get(key);
    return s ? Math.max(0, s.openUntil - this.now()) : 0;
  }
}

function countsAsOutage(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}
