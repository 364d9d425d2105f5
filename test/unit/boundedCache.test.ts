// The cache behind parsed configs, custom hosts and upstream URLs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BoundedCache } from "../../server/boundedCache";

test("a value is made once per key, null included; a make that throws caches nothing", () => {
  const cache = new BoundedCache<string | null>();
  let made = 0;
  const make = (k: string) => (made++, k === "none" ? null : k.toUpperCase());
  assert.equal(cache.get("a", make), "A");
  assert.equal(cache.get("a", make), "A");
  assert.equal(cache.get("none", make), null);
  assert.equal(cache.get("none", make), null);
  assert.equal(made, 2);
  assert.throws(() => cache.get("bad", () => { throw new Error("no"); }), /no/);
  assert.equal(cache.get("bad", make), "BAD", "the failure was not remembered");
});

test("past its size the oldest key goes first", () => {
  const cache = new BoundedCache<number>(2);
  let made = 0;
  const make = () => ++made;
  cache.get("a", make);
  cache.get("b", make);
  cache.get("c", make); // evicts a
  assert.equal(cache.get("b", make), 2);
  assert.equal(cache.get("c", make), 3);
  assert.equal(cache.get("a", make), 4, "a was made again");
});
