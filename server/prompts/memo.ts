/**
 * A small most-recently-used cache from a source text to what parsing it gave. Typing changes
 * one part of a `.prompt` at a time, so the unchanged part (the frontmatter while the body is
 * edited, the body and its partials while the frontmatter is) is parsed once, not per keystroke.
 * Cached values are shared by every analysis: callers must treat them as read-only.
 */
export class TextMemo<V> {
  private readonly entries = new Map<string, V>();

  /**
   * `ownKeys`: keep a copy of each key text, for keys sliced from longer texts. V8 keeps the
   * whole text a slice was cut from alive, so remembering one line of a document would keep
   * that version of the document too (and the values parsed from the slice hold slices of it).
   */
  constructor(
    private readonly max: number,
    private readonly ownKeys = false,
  ) {}

  get(text: string, make: (text: string) => V): V {
    const hit = this.entries.get(text);
    if (hit !== undefined) {
      // Re-insert: Map keeps insertion order, so the first key is the least recently used.
      this.entries.delete(text);
      this.entries.set(text, hit);
      return hit;
    }
    // A concatenation flattened into a new string: the slice of it refers to that copy only.
    const key = this.ownKeys ? (" " + text).slice(1) : text;
    const value = make(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
