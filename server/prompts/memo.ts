/**
 * A small most-recently-used cache from a source text to what parsing it gave. Typing changes
 * one part of a `.prompt` at a time, so the unchanged part (the frontmatter while the body is
 * edited, the body and its partials while the frontmatter is) is parsed once, not per keystroke.
 * Cached values are shared by every analysis: callers must treat them as read-only.
 */
export class TextMemo<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(text: string, make: (text: string) => V): V {
    const hit = this.entries.get(text);
    if (hit !== undefined) {
      // Re-insert: Map keeps insertion order, so the first key is the least recently used.
      this.entries.delete(text);
      this.entries.set(text, hit);
      return hit;
    }
    const value = make(text);
    this.entries.set(text, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
