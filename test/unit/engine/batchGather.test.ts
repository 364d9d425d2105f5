import { test } from "node:test";
import assert from "node:assert/strict";
import { countingStrategy, DecodeGate, fairShare, gateDecodes } from "../../../server/engine/batchGather";

const item = (tokens: number, evaluationPriority = 5) => ({ tokens: Array.from({ length: tokens }, (_, i) => i), evaluationPriority });

const tick = () => new Promise<void>((r) => setImmediate(r));

test("the gate lets decodes in together once every generating sequence has asked", async () => {
  let generating = 3;
  const gate = new DecodeGate(() => generating, 10_000);
  const entered: string[] = [];
  const ask = (name: string) => void gate.enter().then(() => entered.push(name));
  ask("a");
  ask("b");
  await tick();
  assert.deepEqual(entered, [], "two of three asked: they wait");
  ask("c");
  await tick();
  assert.deepEqual(entered, ["a", "b", "c"], "the third opens the gate for all, in the order they asked");
  generating = 1;
  ask("alone");
  await tick();
  assert.deepEqual(entered.at(-1), "alone", "one stream alone never waits");
});

test("the gate opens after maxWaitMs for a sequence that does not come", async () => {
  const gate = new DecodeGate(() => 2, 30);
  let entered = false;
  void gate.enter().then(() => (entered = true));
  await tick();
  assert.equal(entered, false);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(entered, true, "opened by its timer");
});

test("gateDecodes wraps the context's decode entry, and leaves a context without one alone", async () => {
  const calls: unknown[][] = [];
  const context = {
    _decodeTokens(this: unknown, ...args: unknown[]) {
      calls.push([this === context, ...args]);
      return Promise.resolve("logits");
    },
  };
  const gate = new DecodeGate(() => 1);
  assert.equal(gateDecodes(context, gate), true);
  assert.equal(await context._decodeTokens({ sequenceId: 0 }, "mapper"), "logits");
  assert.deepEqual(calls, [[true, { sequenceId: 0 }, "mapper"]], "called on the context, with its arguments");
  assert.equal(gateDecodes({}, gate), false);
});

test("the counting strategy shares fairly and counts batches and their sequences", () => {
  const counts = { batches: 0, sequences: 0 };
  const strategy = countingStrategy(counts);
  assert.deepEqual(strategy({ items: [item(1), item(1), item(1)], size: 512 }).map((p) => p.processAmount), [1, 1, 1]);
  assert.deepEqual(strategy({ items: [], size: 512 }), []);
  assert.deepEqual(counts, { batches: 1, sequences: 3 }, "an empty round is not a batch");
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
