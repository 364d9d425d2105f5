/**
 * How often a crashed backend is restarted before Faro gives up: a sliding window of crash
 * times, so a backend that crashes now and then keeps coming back but a crash loop stops.
 */

export interface RestartDecision {
  restart: boolean;
  /** Crashes inside the window, this one included. */
  crashes: number;
}

export class RestartBudget {
  private crashes: number[] = [];

  constructor(
    readonly maxRestarts = 4,
    readonly windowMs = 3 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a crash and says whether the backend may be started again. */
  recordCrash(): RestartDecision {
    const at = this.now();
    this.crashes = this.crashes.filter((t) => at - t < this.windowMs);
    this.crashes.push(at);
    return { restart: this.crashes.length <= this.maxRestarts, crashes: this.crashes.length };
  }

  /** A restart the user asked for starts with a full budget. */
  reset(): void {
    this.crashes = [];
  }
}
