// The endpoint's list of requests in flight: what Faro stops when it stops.
import { test } from "node:test";
import assert from "node:assert/strict";
import { InFlight, type Linked } from "../../../server/http/inflight";

interface Item extends Linked<Item> {
  id: number;
}
const item = (id: number): Item => ({ id, prev: null, next: null });
const ids = (list: InFlight<Item>) => list.list().map((i) => i.id);

test("items come out newest first, whichever are taken out, head, middle or tail", () => {
  const list = new InFlight<Item>();
  const [a, b, c, d] = [item(1), item(2), item(3), item(4)];
  for (const i of [a, b, c, d]) list.add(i);
  assert.deepEqual(ids(list), [4, 3, 2, 1]);
  list.delete(c);
  assert.deepEqual(ids(list), [4, 2, 1]);
  list.delete(d);
  assert.deepEqual(ids(list), [2, 1]);
  list.delete(a);
  assert.deepEqual(ids(list), [2]);
  assert.equal(list.size, 1);
  list.delete(b);
  assert.deepEqual(ids(list), []);
  assert.equal(list.size, 0);
});

test("an item taken out points nowhere, and taking it out again changes nothing", () => {
  const list = new InFlight<Item>();
  const [a, b, c] = [item(1), item(2), item(3)];
  for (const i of [a, b, c]) list.add(i);
  list.delete(b);
  assert.equal(b.prev, null);
  assert.equal(b.next, null);
  list.delete(b);
  list.delete(item(9));
  assert.deepEqual(ids(list), [3, 1]);
  assert.equal(list.size, 2);
});

test("list() is a copy: taking items out while going through it misses none", () => {
  const list = new InFlight<Item>();
  for (let i = 1; i <= 5; i++) list.add(item(i));
  const seen: number[] = [];
  for (const i of list.list()) {
    seen.push(i.id);
    list.delete(i);
  }
  assert.deepEqual(seen, [5, 4, 3, 2, 1]);
  assert.equal(list.size, 0);
});
