/**
 * Which queued decodes go into the next batch, so that concurrent streams decode together.
 *
 * node-llama-cpp decodes in a loop: as soon as a batch is done it builds the next one from the
 * sequences that have asked again by then. Each sequence resumes through a chain of promises
 * after its token comes back, so the last ones resume after the loop has already looked: with
 * 4 streams on one context, measured batches carried 1 to 3 sequences and never 4, so a step of
 * every stream cost two decodes instead of one.
 *
 * This strategy (node-llama-cpp's `itemPrioritizationStrategy`) answers "nothing yet" while
 * fewer sequences have asked than are generating; the loop then goes round again, a few
 * microtasks later, without decoding. It holds at most `maxHolds` times in a row, so a sequence
 * that is finishing, or busy with something slower, never keeps the others waiting for more
 * than that. What goes into a batch is then shared out fairly: every sequence gets an equal
 * share of the batch's tokens, and what is left goes to the longest prompts first.
 */

export interface BatchItem {
  readonly tokens: readonly unknown[];
  readonly evaluationPriority: number;
}

export interface PrioritizedItem<T extends BatchItem> {
  item: T;
  processAmount: number;
}

export const DEFAULT_MAX_HOLDS = 64;

/** Decode batches sent and the sequences they carried, over the process' life (for /metrics). */
export interface BatchCounts {
  batches: number;
  sequences: number;
}

export function gatheringStrategy(busy: () => number, counts: BatchCounts = { batches: 0, sequences: 0 }, maxHolds = DEFAULT_MAX_HOLDS) {
  let holds = 0;
  return <T extends BatchItem>({ items, size }: { items: readonly T[]; size: number }): PrioritizedItem<T>[] => {
    if (items.length < busy() && holds < maxHolds) {
      holds++;
      return [];
    }
    holds = 0;
    const batch = fairShare(items, size);
    if (batch.length > 0) {
      counts.batches++;
      counts.sequences += batch.length;
    }
    return batch;
  };
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
