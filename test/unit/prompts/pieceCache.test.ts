/** The line-piece cache: one computation per text while remembered, the least recently used dropped first. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PieceCache } from "../../../server/prompts/pieceCache";

test("computes a text once, and when full drops the least recently used quarter", () => {
  const cache = new PieceCache<string>(8);
  const made: string[] = [];
  const get = (t: string) => cache.get(t, (own) => (made.push(own), own.toUpperCase()));
  for (const t of ["a", "b", "c", "d", "e", "f", "g", "h"]) assert.equal(get(t), t.toUpperCase());
  assert.equal(get("a"), "A");
  assert.equal(get("b"), "B");
  assert.deepEqual(made, ["a", "b", "c", "d", "e", "f", "g", "h"], "hits computed nothing");
  get("i"); // the ninth: c and d, least recently used, go
  assert.equal(cache.size, 7);
  made.length = 0;
  for (const t of ["a", "b", "e", "f", "g", "h", "i"]) get(t);
  assert.deepEqual(made, []);
  get("c");
  assert.deepEqual(made, ["c"]);
});

test("a piece sliced from a longer text is remembered under a copy with the same characters", () => {
  const cache = new PieceCache<number>(4);
  const doc = `${"x".repeat(100)}line {{one}}\n${"y".repeat(100)}`;
  const piece = doc.slice(100, 113);
  let seen = "";
  cache.get(piece, (own) => ((seen = own), 1));
  assert.equal(seen, "line {{one}}\n");
  assert.equal(cache.get("line {{one}}\n", () => 2), 1);
});
