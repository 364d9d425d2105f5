import { test } from "node:test";
import assert from "node:assert/strict";
import { fairShare, gatheringStrategy } from "../../../server/engine/batchGather";

const item = (tokens: number, evaluationPriority = 5) => ({ tokens: Array.from({ length: tokens }, (_, i) => i), evaluationPriority });

test("holds the batch while fewer sequences have asked than are generating, at most maxHolds times in a row", () => {
  let busy = 3;
  const counts = { batches: 0, sequences: 0 };
  const strategy = gatheringStrategy(() => busy, counts, 2);
  const two = [item(1), item(1)];
  assert.deepEqual(strategy({ items: two, size: 512 }), []);
  assert.deepEqual(strategy({ items: two, size: 512 }), []);
  // Held twice: the third time the two that asked go, so a slow sequence never stalls the others.
  assert.deepEqual(strategy({ items: two, size: 512 }).map((p) => p.processAmount), [1, 1]);
  // Every generating sequence asked: no hold.
  assert.equal(strategy({ items: [item(1), item(1), item(1)], size: 512 }).length, 3);
  busy = 1;
  assert.equal(strategy({ items: [item(1)], size: 512 }).length, 1, "one stream alone never waits");
  assert.deepEqual(counts, { batches: 3, sequences: 6 }, "held rounds are not batches");
});

test("fair share: each item an equal part of the batch, the rest to the items still wanting, by priority then length", () => {
  const [a, b, c] = [item(100), item(1), item(300, 9)];
  const out = fairShare([a, b, c], 120);
  assert.deepEqual(out.map((p) => p.processAmount), [40, 1, 79]);
  assert.equal(out.reduce((n, p) => n + p.processAmount, 0), 120, "the whole batch is used");
  assert.deepEqual(fairShare([item(3), item(2)], 512).map((p) => p.processAmount), [3, 2], "small items are taken whole");
  assert.deepEqual(fairShare([item(5), item(5), item(5)], 2).map((p) => p.processAmount), [1, 1], "more items than room: one token each while it lasts");
  assert.deepEqual(fairShare([], 10), []);
});
