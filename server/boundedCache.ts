/**
 * Values parsed from strings that every request repeats (a routing config header, a custom host,
 * an upstream URL): made once per distinct string instead of once per request. Bounded, oldest
 * first out, so a client sending a different string each time cannot grow it without end. A
 * `make` that throws caches nothing.
 */
export class BoundedCache<T> {
  private readonly values = new Map<string, T>();

  constructor(private readonly max = 256) {}

  get(key: string, make: (key: string) => T): T {
    const cached = this.values.get(key);
    if (cached !== undefined || this.values.has(key)) return cached as T;
    const value = make(key);
    if (this.values.size >= this.max) this.values.delete(this.values.keys().next().value!);
    this.values.set(key, value);
    return value;
  }
}
