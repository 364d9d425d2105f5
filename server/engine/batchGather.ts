/**
 * Concurrent streams on one context, decoded together.
 *
 * node-llama-cpp decodes in a loop: when a batch is done it builds the next one from the decodes
 * queued by then, and goes on at once while any are queued. Each sequence queues its next decode
 * after sampling its token, and sampling is native work that completes as its own I/O callback,
 * so the sequences come back at slightly different times. Left alone, the first to come back is
 * decoded without the others, and the others queue while that runs, so the loop alternates
 * between two partial batches for good: with 4 streams, measured batches carried 1 to 3
 * sequences and never 4, and every step of every stream cost two decodes instead of one.
 *
 * The gate (`gateDecodes`, `DecodeGate`) sits in front of the context's queue: a sequence asking
 * for a decode waits until every generating sequence has asked, then all enter the queue in the
 * same tick, so the loop sees them together; one stream alone never waits. `fairShare` then
 * splits the batch's tokens between them.
 *
 * Gathering is not always worth it. Left alone, one group samples while the other decodes, and
 * on a CPU with few cores that overlap can be worth more than a fuller batch (measured on the
 * 2-core CI machine: at 4 streams the gate cost 15-20% of tokens/s, at 8 it gained 10%; on a GPU a
 * full batch costs little more than a partial one). So the gate measures both ways on the machine
 * it runs on (`GatherChoice`): per number of generating streams, tokens/s gathered and not, and
 * gathers only where that was faster, trying the other way again now and then.
 */

export interface BatchItem {
  readonly tokens: readonly unknown[];
  readonly evaluationPriority: number;
}

export interface PrioritizedItem<T extends BatchItem> {
  item: T;
  processAmount: number;
}

/** Longest a decode waits for a generating sequence that is not decoding (a decode step takes 10-100 ms here). */
export const DEFAULT_MAX_WAIT_MS = 4;

/** Decode batches sent and the sequences they carried, over the process' life (for /metrics). */
export interface BatchCounts {
  batches: number;
  sequences: number;
}

/** node-llama-cpp's `itemPrioritizationStrategy`: the fair share, counted. */
export function countingStrategy(counts: BatchCounts = { batches: 0, sequences: 0 }) {
  return <T extends BatchItem>({ items, size }: { items: readonly T[]; size: number }): PrioritizedItem<T>[] => {
    const batch = fairShare(items, size);
    if (batch.length > 0) {
      counts.batches++;
      counts.sequences += batch.length;
    }
    return batch;
  };
}

/**
 * A waiting room for decodes. A decode waits until every generating sequence is accounted for:
 * waiting here, or in node-llama-cpp with a prompt (many tokens, decoded over several batches:
 * the others join those batches). A sequence whose one-token step is still being decoded and
 * sampled will be back: the others wait for it, however long, so a stream that fell behind
 * catches up instead of splitting every step in two. Only for a sequence that is neither (taken
 * but rendering its prompt, or finishing its answer) does the wait end after `maxWaitMs`.
 */
export class DecodeGate {
  private waiting: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  /** Decodes let in and not answered yet: one-token steps, and prompts. */
  private steps = 0;
  private prompts = 0;

  constructor(
    private readonly generating: () => number,
    private readonly maxWaitMs = DEFAULT_MAX_WAIT_MS,
    /** Whether to gather at a given number of generating streams; null: always. */
    private readonly choice: GatherChoice | null = null,
  ) {}

  /** Runs `decode` (of `tokens` tokens) once let in. */
  async pass<T>(tokens: number, decode: () => Promise<T>): Promise<T> {
    const prompt = tokens > 1;
    if (prompt) this.choice?.disturb();
    if (!this.choice || this.choice.gather(this.generating())) {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        this.check();
      });
    } else this.open(); // not gathering now: any still waiting from before go too
    if (prompt) this.prompts++;
    else this.steps++;
    try {
      return await decode();
    } finally {
      if (prompt) this.prompts--;
      else {
        this.steps--;
        this.choice?.stepDone(this.generating());
      }
      // Its sequence usually comes back at once; if it finished instead, the others must not wait for it.
      this.check();
    }
  }

  private check(): void {
    if (this.waiting.length === 0) return;
    const generating = this.generating();
    if (this.choice && !this.choice.gather(generating)) return this.open();
    const present = this.waiting.length + this.prompts;
    if (present >= generating) return this.open();
    if (present + this.steps >= generating) return this.disarm(); // all accounted for: wait for the steps
    this.timer ??= setTimeout(() => this.open(), this.maxWaitMs);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private open(): void {
    this.disarm();
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}

export type Way = "gather" | "free";

export interface Measured {
  /** Tokens per second, smoothed over the rounds measured (null: not measured yet). */
  gather: number | null;
  free: number | null;
  rounds: number;
}

/**
 * Learns, for each number of generating streams, whether gathering their decodes is faster here.
 * Time is cut into rounds of `roundSteps` one-token decodes at a steady stream count; a round that
 * saw a prompt decoded, or streams start or end, is thrown away. Each count first tries both ways,
 * then keeps the faster, and every `exploreEvery`-th round tries the other again (its rate may have
 * changed: another model loaded, the machine busier).
 */
export class GatherChoice {
  private readonly measured = new Map<number, Measured>();
  private readonly best = new Map<number, Way>();
  private round: { streams: number; way: Way; start: number; steps: number } | null = null;
  /** Told when a stream count's faster way is first known, and whenever it changes. */
  onChoice: ((streams: number, way: Way, rates: Readonly<Measured>) => void) | null = null;

  constructor(
    private readonly roundSteps = 32,
    private readonly exploreEvery = 8,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether decodes gather now, with `streams` generating. */
  gather(streams: number): boolean {
    if (streams <= 1) return true; // one stream alone never waits: nothing to choose
    if (this.round?.streams !== streams) this.round = { streams, way: this.next(streams), start: this.now(), steps: 0 };
    return this.round.way === "gather";
  }

  /** A one-token decode has finished. */
  stepDone(streams: number): void {
    const r = this.round;
    if (!r || r.streams !== streams) return;
    if (++r.steps < this.roundSteps) return;
    const rate = (r.steps * 1000) / Math.max(1e-3, this.now() - r.start);
    const m = this.stats(streams);
    const old = m[r.way];
    m[r.way] = old === null ? rate : 0.7 * old + 0.3 * rate;
    m.rounds++;
    if (m.gather !== null && m.free !== null) {
      const best: Way = m.gather >= m.free ? "gather" : "free";
      if (this.best.get(streams) !== best) {
        this.best.set(streams, best);
        this.onChoice?.(streams, best, { ...m });
      }
    }
    this.round = { streams, way: this.next(streams), start: this.now(), steps: 0 };
  }

  /** Something else took decode time (a prompt): the round in progress measures nothing. */
  disturb(): void {
    this.round = null;
  }

  /** What was measured at `streams` streams (tokens/s each way; for tests and logs). */
  rates(streams: number): Readonly<Measured> {
    return { ...this.stats(streams) };
  }

  private next(streams: number): Way {
    const m = this.stats(streams);
    if (m.gather === null) return "gather";
    if (m.free === null) return "free";
    const best = this.best.get(streams)!;
    const other: Way = best === "gather" ? "free" : "gather";
    return m.rounds % this.exploreEvery === this.exploreEvery - 1 ? other : best;
  }

  private stats(streams: number): Measured {
    let m = this.measured.get(streams);
    if (!m) this.measured.set(streams, (m = { gather: null, free: null, rounds: 0 }));
    return m;
  }
}

/** The gate's choice for `--batch-gather`: measured (auto), or none (always gather). */
export function gatherChoice(mode: "auto" | "always" | "never"): GatherChoice | null {
  return mode === "auto" ? new GatherChoice() : null;
}

/** The internal entry of node-llama-cpp 3.x through which every sequence queues its decodes. */
interface DecodeQueue {
  _decodeTokens: (...args: unknown[]) => Promise<unknown>;
}

/**
 * Puts `gate` in front of `context`'s decode queue. Returns false (and changes nothing) when this
 * node-llama-cpp has no such entry: then batches are whatever its loop gathers.
 */
export function gateDecodes(context: object, gate: DecodeGate): boolean {
  const queue = context as Partial<DecodeQueue>;
  const decode = queue._decodeTokens;
  if (typeof decode !== "function") return false;
  queue._decodeTokens = (...args: unknown[]) => {
    const tokens = (args[0] as { tokens?: { length: number } } | undefined)?.tokens?.length ?? 1;
    return gate.pass(tokens, () => decode.apply(context, args));
  };
  return true;
}

/** Every item an equal share of `size` tokens (at least what it needs, if less), then the rest by priority, longest first. */
export function fairShare<T extends BatchItem>(items: readonly T[], size: number): PrioritizedItem<T>[] {
  if (items.length === 0 || size <= 0) return [];
  const share = Math.max(1, Math.floor(size / items.length));
  let left = size;
  const out: PrioritizedItem<T>[] = [];
  for (const item of items) {
    if (left === 0) break;
    const n = Math.min(item.tokens.length, share, left);
    out.push({ item, processAmount: n });
    left -= n;
  }
  const wanting = out
    .filter((p) => p.processAmount < p.item.tokens.length)
    .sort((a, b) => b.item.evaluationPriority - a.item.evaluationPriority || b.item.tokens.length - a.item.tokens.length);
  for (const p of wanting) {
    if (left === 0) break;
    const more = Math.min(p.item.tokens.length - p.processAmount, left);
    p.processAmount += more;
    left -= more;
  }
  return out;
}
