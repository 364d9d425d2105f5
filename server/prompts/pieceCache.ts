/**
 * Remembers what was computed from each line-sized piece of the open prompts (template.ts):
 * thousands of entries, most of them hit on every keystroke, so a hit only stamps the entry
 * (no re-insertion as in memo.ts) and the least recently used quarter goes at once when full.
 */
export class PieceCache<V> {
  private readonly entries = new Map<string, { value: V; used: number }>();
  private clock = 0;

  constructor(private readonly max: number) {}

  get(text: string, make: (text: string) => V): V {
    const hit = this.entries.get(text);
    if (hit) {
      hit.used = ++this.clock;
      return hit.value;
    }
    // V8 keeps the whole text a slice was cut from alive (here: that version of the document,
    // also through the parse's tokens); a concatenation flattened into a new string does not.
    const own = (" " + text).slice(1);
    const value = make(own);
    this.entries.set(own, { value, used: ++this.clock });
    if (this.entries.size > this.max) this.evict();
    return value;
  }

  /** The value remembered for `text`, if any (stamped as used). */
  peek(text: string): V | undefined {
    const hit = this.entries.get(text);
    if (hit) hit.used = ++this.clock;
    return hit?.value;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  private evict(): void {
    const stamps = [...this.entries.values()].map((e) => e.used).sort((a, b) => a - b);
    const keepFrom = stamps[Math.floor(stamps.length / 4)]!;
    for (const [key, e] of this.entries) if (e.used < keepFrom) this.entries.delete(key);
  }
}
