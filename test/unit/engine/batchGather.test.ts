import { test } from "node:test";
import assert from "node:assert/strict";
import { countingStrategy, DecodeGate, fairShare, gateDecodes, gatherTarget } from "../../../server/engine/batchGather";
import { resolveServeConfig } from "../../../server/config";

const item = (tokens: number, evaluationPriority = 5) => ({ tokens: Array.from({ length: tokens }, (_, i) => i), evaluationPriority });

const tick = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A decode that records when it ran and ends when told. */
function decode(log: string[], name: string) {
  let end!: () => void;
  const done = new Promise<void>((r) => (end = r));
  return { run: () => (log.push(name), done), end };
}

test("the gate lets decodes in together once every generating sequence has asked", async () => {
  let generating = 3;
  const gate = new DecodeGate(() => generating, 10_000);
  const ran: string[] = [];
  const [a, b, c] = ["a", "b", "c"].map((n) => decode(ran, n));
  void gate.pass(1, a!.run);
  void gate.pass(1, b!.run);
  await tick();
  assert.deepEqual(ran, [], "two of three asked: they wait");
  void gate.pass(1, c!.run);
  await tick();
  assert.deepEqual(ran, ["a", "b", "c"], "the third opens the gate for all, in the order they asked");
  generating = 1;
  const alone = decode(ran, "alone");
  void gate.pass(1, alone.run);
  await tick();
  assert.equal(ran.at(-1), "alone", "one stream alone never waits");
});

test("a stream whose step is still decoding is waited for, past maxWaitMs, and the group goes together", async () => {
  const gate = new DecodeGate(() => 2, 20);
  const ran: string[] = [];
  const late = decode(ran, "late step");
  void gate.pass(1, late.run); // one of two: waits for the other, which is idle...
  await sleep(40); // ...so the timer lets it in alone: it fell behind
  assert.deepEqual(ran, ["late step"]);
  const other = decode(ran, "other");
  const otherDone = gate.pass(1, other.run);
  await sleep(60);
  assert.deepEqual(ran, ["late step"], "the other waits for the step in flight, beyond maxWaitMs");
  late.end();
  await tick();
  const again = decode(ran, "late again");
  void gate.pass(1, again.run);
  await tick();
  assert.deepEqual(ran, ["late step", "other", "late again"], "both go in together: back in step");
  other.end();
  await otherDone;
});

test("a prompt being decoded counts as present: the others join its batches", async () => {
  const gate = new DecodeGate(() => 2, 10_000);
  const ran: string[] = [];
  const prompt = decode(ran, "prompt");
  void gate.pass(1, decode(ran, "step of a").run);
  void gate.pass(40, prompt.run);
  await tick();
  assert.deepEqual(ran, ["step of a", "prompt"]);
  const step = decode(ran, "step");
  void gate.pass(1, step.run);
  await tick();
  assert.equal(ran.at(-1), "step", "not held while the prompt is decoded");
});

test("the gate opens after maxWaitMs for a sequence that is not decoding, and when a stream ends", async () => {
  let generating = 2;
  const gate = new DecodeGate(() => generating, 30);
  const ran: string[] = [];
  void gate.pass(1, decode(ran, "a").run);
  await tick();
  assert.deepEqual(ran, []);
  await sleep(60);
  assert.deepEqual(ran, ["a"], "opened by its timer");

  const gate2 = new DecodeGate(() => generating, 10_000);
  const last = decode(ran, "last step");
  void gate2.pass(1, decode(ran, "x").run);
  void gate2.pass(1, last.run); // both in: x and the last step run
  await tick();
  void gate2.pass(1, decode(ran, "y").run); // waits for the last step's stream
  await tick();
  assert.equal(ran.at(-1), "last step");
  generating = 1; // that stream ends instead of coming back
  last.end();
  await tick();
  assert.equal(ran.at(-1), "y", "its end lets the other in");
});

test("a sequence that did not ask within maxWaitMs is away: the others are not split by the timer at every step, and it is waited for again once it asks", async () => {
  const gate = new DecodeGate(() => 3, 20);
  const ran: string[] = [];
  /** A stream asks for its next step (`tokens` to decode). */
  const ask = (name: string, tokens = 1) => {
    const d = decode(ran, name);
    void gate.pass(tokens, d.run);
    return d;
  };
  /** A step ends; the stream it belongs to asks for its next one. */
  const next = async (step: { end: () => void }, name: string) => {
    step.end();
    await tick();
    return ask(name);
  };
  const a1 = ask("a1");
  const b1 = ask("b1");
  await sleep(40);
  assert.deepEqual(ran, ["a1", "b1"], "c never asked: after maxWaitMs a and b go");
  const a2 = await next(a1, "a2");
  await sleep(60);
  assert.deepEqual(ran, ["a1", "b1"], "a waits for b's step, not for c: no timer splits them");
  const b2 = await next(b1, "b2");
  await tick();
  assert.deepEqual(ran, ["a1", "b1", "a2", "b2"], "a and b go together");
  ask("c prompt", 30);
  await tick();
  assert.equal(ran.length, 4, "c asked at last: it waits for the steps in flight, like anyone");
  await next(a2, "a3");
  await sleep(40);
  assert.equal(ran.length, 4, "c is back: a and c wait for b's step");
  await next(b2, "b3");
  await tick();
  assert.deepEqual(ran.slice(4), ["c prompt", "a3", "b3"], "all three go together");
});

test("with a batch size to wait for, a batch goes once that many have asked, or all generating if fewer", async () => {
  let generating = 4;
  const gate = new DecodeGate(() => generating, 10_000, 3);
  const ran: string[] = [];
  void gate.pass(1, decode(ran, "a").run);
  void gate.pass(1, decode(ran, "b").run);
  await tick();
  assert.deepEqual(ran, [], "two of the three it waits for");
  void gate.pass(1, decode(ran, "c").run);
  await tick();
  assert.deepEqual(ran, ["a", "b", "c"], "three go without the fourth");
  generating = 2;
  const gate2 = new DecodeGate(() => generating, 10_000, 3);
  void gate2.pass(1, decode(ran, "x").run);
  await tick();
  assert.equal(ran.length, 3, "two streams: it waits for both");
  void gate2.pass(1, decode(ran, "y").run);
  await tick();
  assert.deepEqual(ran.slice(3), ["x", "y"]);
});

test("--batch-gather: auto waits for 3 on a CPU and for all on a GPU; all, never and a number as given", () => {
  assert.equal(gatherTarget("auto", false), 3);
  assert.equal(gatherTarget("auto", true), Infinity);
  assert.equal(gatherTarget("all", false), Infinity);
  assert.equal(gatherTarget("never", true), null);
  assert.equal(gatherTarget(5, false), 5);
  const parsed = (flag: string[], env: NodeJS.ProcessEnv = {}) => resolveServeConfig(flag, env).config.batchGather;
  assert.equal(parsed([]), "auto");
  assert.equal(parsed(["--batch-gather", "all"]), "all");
  assert.equal(parsed([], { FARO_BATCH_GATHER: "4" }), 4);
  assert.equal(parsed(["--batch-gather", "never"], { FARO_BATCH_GATHER: "4" }), "never", "the flag wins");
  assert.throws(() => parsed(["--batch-gather", "1"]), /a number of streams from 2 to 64, not '1'/);
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
  assert.equal(await context._decodeTokens({ sequenceId: 0, tokens: [7] }, "mapper"), "logits");
  assert.deepEqual(calls, [[true, { sequenceId: 0, tokens: [7] }, "mapper"]], "called on the context, with its arguments");
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
