import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Scheduler, type Job, type Priority, type SchedulerHost } from "../../../server/engine/scheduler";
import { FaroError } from "../../../server/errors";

/** A fake runner: `slots` per resident model, up to `maxResident` models, nothing runs by itself. */
class FakeHost implements SchedulerHost<Job> {
  resident = new Map<string, number>(); // model -> running jobs
  started: string[] = [];
  constructor(
    private slots = 1,
    private maxResident = 1,
  ) {}
  isResident(model: string) {
    return this.resident.has(model);
  }
  canStart(model: string) {
    const busy = this.resident.get(model);
    if (busy !== undefined) return busy < this.slots;
    if (this.resident.size < this.maxResident) return true;
    return [...this.resident.values()].some((n) => n === 0); // an idle model can be evicted
  }
  start(job: Job) {
    if (!this.resident.has(job.model) && this.resident.size >= this.maxResident) {
      const idle = [...this.resident.entries()].find(([, n]) => n === 0);
      if (idle) this.resident.delete(idle[0]);
    }
    this.resident.set(job.model, (this.resident.get(job.model) ?? 0) + 1);
    this.started.push(job.id);
  }
  end(job: Job) {
    this.resident.set(job.model, this.resident.get(job.model)! - 1);
  }
}

function setup(opts: { slots?: number; maxResident?: number; maxQueue?: number; agingMs?: number } = {}) {
  let clock = 0;
  const host = new FakeHost(opts.slots ?? 1, opts.maxResident ?? 1);
  const s = new Scheduler(host, { maxQueue: opts.maxQueue ?? 100, agingMs: opts.agingMs ?? 60_000, now: () => clock });
  const jobs = new Map<string, Job>();
  const add = (id: string, model: string, priority: Priority) => {
    const job = { id, model, priority, enqueuedAt: clock };
    jobs.set(id, job);
    s.enqueue(job);
    clock += 1;
  };
  const finish = (id: string) => {
    host.end(jobs.get(id)!);
    s.finished(id);
  };
  return { s, host, add, finish, tick: (ms: number) => (clock += ms) };
}

describe("ordering", () => {
  test("priority 0 first in arrival order, then loaded-model priority 1, then other priority 1, then 2", () => {
    const { s, host, add, finish } = setup();
    add("busy", "A", 1); // starts at once: A is now resident and its one slot busy
    add("p2", "A", 2);
    add("p1-other", "B", 1);
    add("p1-loaded", "A", 1);
    add("p0-b", "B", 0);
    add("p0-a", "A", 0);
    assert.deepEqual(s.ordered().map((j) => j.id), ["p0-b", "p0-a", "p1-loaded", "p1-other", "p2"]);
    assert.deepEqual(host.started, ["busy"]);
    finish("busy"); // A idle: B's urgent request may evict it
    assert.deepEqual(host.started, ["busy", "p0-b"]);
  });

  test("a request that cannot start yet does not block one that can (work conserving)", () => {
    const { host, add } = setup({ slots: 1, maxResident: 2 });
    add("a1", "A", 1);
    add("a2", "A", 0); // A's slot is busy
    add("b1", "B", 2); // B can load into the second place
    assert.deepEqual(host.started, ["a1", "b1"]);
  });

  test("slots per model run concurrently", () => {
    const { host, add, s } = setup({ slots: 3 });
    for (const id of ["x", "y", "z", "w"]) add(id, "A", 1);
    assert.deepEqual(host.started, ["x", "y", "z"]);
    assert.equal(s.waitingCount, 1);
    assert.equal(s.runningCount, 3);
  });
});

describe("aging", () => {
  test("waiting agingMs promotes one level per period, so background work gets its turn", () => {
    const { s, add, tick, finish, host } = setup({ agingMs: 1000 });
    add("run", "A", 1);
    add("old-bg", "A", 2);
    tick(1500);
    add("new-normal", "A", 1);
    // old-bg has aged to 1 and arrived earlier.
    assert.deepEqual(s.ordered().map((j) => j.id), ["old-bg", "new-normal"]);
    tick(990); // old-bg reaches 0; new-normal has waited 990 ms, still 1
    add("urgent", "A", 0);
    assert.deepEqual(s.ordered().map((j) => j.id), ["old-bg", "urgent", "new-normal"]);
    assert.equal(s.effectivePriority(s.ordered()[0]!), 0);
    finish("run");
    assert.equal(host.started.at(-1), "old-bg");
  });
});

describe("limits and cancellation", () => {
  test("a full queue refuses with 429 and retry headers the OpenAI SDK understands", () => {
    const { add } = setup({ maxQueue: 2 });
    add("run", "A", 1);
    add("w1", "A", 1);
    add("w2", "A", 1);
    assert.throws(
      () => add("w3", "A", 1),
      (e: FaroError) =>
        e.status === 429 &&
        e.code === "queue_full" &&
        Number(e.headers["retry-after-ms"]) >= 100 &&
        Number(e.headers["retry-after"]) >= 1 &&
        e.headers["x-should-retry"] === "true",
    );
  });

  test("the limit counts requests that would wait: one that can start now is taken even with a full queue (or --max-queue 0)", () => {
    const { s, host, add } = setup({ maxQueue: 1, slots: 1, maxResident: 2 });
    add("run", "A", 1);
    add("w1", "A", 1);
    assert.throws(() => add("w2", "A", 1), (e: FaroError) => e.status === 429);
    add("other", "B", 1); // B has room: it runs instead of being refused
    assert.deepEqual(host.started, ["run", "other"]);
    assert.deepEqual(s.ordered().map((j) => j.id), ["w1"], "the refused request left no trace");
    const none = setup({ maxQueue: 0 });
    none.add("first", "A", 1);
    assert.deepEqual(none.host.started, ["first"], "--max-queue 0: no waiting, but an idle engine still runs requests");
    assert.throws(() => none.add("second", "A", 1), (e: FaroError) => e.status === 429);
  });

  test("removing a waiting request frees its place; running ones are not removed here", () => {
    const { s, add, finish, host } = setup({ maxQueue: 1 });
    add("run", "A", 1);
    add("wait", "A", 1);
    assert.equal(s.remove("run"), false);
    assert.equal(s.isRunning("run"), true);
    assert.equal(s.remove("wait"), true);
    assert.equal(s.remove("wait"), false);
    add("next", "A", 1); // room again
    finish("run");
    assert.deepEqual(host.started, ["run", "next"]);
  });

  test("snapshot lists running then waiting with positions and waits", () => {
    const { s, add, tick } = setup();
    add("run", "A", 1);
    add("w", "A", 2);
    tick(50);
    const snap = s.snapshot();
    assert.deepEqual(snap.map((v) => [v.job.id, v.position]), [["run", null], ["w", 0]]);
    assert.equal(snap[1]!.waitMs, 51, "enqueued at t=1, now t=52");
  });
});
