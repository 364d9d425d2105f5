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
 * How many to wait for (`--batch-gather`, `gatherTarget`). On a GPU a fuller batch costs little
 * more than a partial one, so by default the gate waits for every generating stream there. On a
 * CPU each sequence past the first few costs nearly its full share (measured on the 2-core CI
 * machine, 86M Q8_0: one sequence 17 ms a step, three 23 ms, six or seven 65 ms), while letting a
 * batch go early overlaps the next group's sampling with it; so on a CPU a batch goes once 3
 * streams are in it. bench:engine, medians of 9 (tok/s at 2 / 4 / 8 streams): wait for 3
 * 68.1 / 126.8 / 104.6, wait for all 67.4 / 92.4 / 110.6, no gate 59.0 / 76.1 / 72.5 (below one
 * stream at a time at 2).
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
 * but rendering its prompt, or finishing its answer) does the wait end after `maxWaitMs`; it is
 * then away, not waited for, until it asks again.
 */
export class DecodeGate {
  private waiting: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  /** Decodes let in and not answered yet: one-token steps, and prompts. */
  private steps = 0;
  private prompts = 0;
  /** Generating sequences that did not ask within maxWaitMs, not waited for until they do. */
  private away = 0;

  constructor(
    private readonly generating: () => number,
    private readonly maxWaitMs = DEFAULT_MAX_WAIT_MS,
    /** Let a batch go once this many sequences are in it (or every generating one, if fewer). */
    private readonly minBatch = Infinity,
  ) {}

  /** Runs `decode` (of `tokens` tokens) once let in. */
  async pass<T>(tokens: number, decode: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.check();
    });
    const prompt = tokens > 1;
    if (prompt) this.prompts++;
    else this.steps++;
    try {
      return await decode();
    } finally {
      if (prompt) this.prompts--;
      else this.steps--;
      // Its sequence usually comes back at once; if it finished instead, the others must not wait for it.
      this.check();
    }
  }

  private check(): void {
    if (this.waiting.length === 0) return;
    const present = this.waiting.length + this.prompts;
    const expected = this.expected(present);
    if (present >= Math.min(expected, this.minBatch)) return this.open();
    if (present + this.steps >= expected) return this.disarm(); // all accounted for: wait for the steps
    this.timer ??= setTimeout(this.timeout, this.maxWaitMs);
  }

  /** Generating sequences to wait for: all but those away. One away is back once it asks (or ends). */
  private expected(present: number): number {
    const generating = this.generating();
    this.away = Math.min(this.away, Math.max(0, generating - present - this.steps));
    return generating - this.away;
  }

  /**
   * A sequence that has not asked within `maxWaitMs` is doing something else: rendering its
   * prompt, finishing its answer, or waiting inside node-llama-cpp. It is away: the others go on
   * as one batch, and are not split by this timer at every step until it comes back. Traced
   * before this: of 4 streams on reused sequences, one took its sequence and asked for nothing
   * for 1.7 s, until another stream ended; all that time the timer split the other three into
   * batches of 2 and 1, and the repetition made 62 tok/s instead of 125-140.
   */
  private readonly timeout = (): void => {
    this.timer = null;
    this.away = Math.max(0, this.generating() - this.waiting.length - this.prompts - this.steps);
    this.check();
  };

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

/** What `--batch-gather` asks for. */
export type BatchGather = "auto" | "all" | "never" | number;

/**
 * How many streams a decode batch waits for: `auto` is 3 on a CPU and all with GPU layers (see
 * above); null means no gate.
 */
export function gatherTarget(setting: BatchGather, onGpu: boolean): number | null {
  if (setting === "never") return null;
  if (setting === "all") return Infinity;
  if (setting === "auto") return onGpu ? Infinity : 3;
  return setting;
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
