// RestartBudget: a crash loop stops after the budget; occasional crashes keep restarting.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RestartBudget } from "../../../extension/restartPolicy";

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test("allows 4 restarts within the window and refuses the 5th crash", () => {
  const c = clock();
  const budget = new RestartBudget(4, 180_000, c.now);
  for (let i = 1; i <= 4; i++) {
    assert.deepEqual(budget.recordCrash(), { restart: true, crashes: i });
    c.advance(10_000);
  }
  assert.deepEqual(budget.recordCrash(), { restart: false, crashes: 5 });
});

test("crashes older than the window no longer count", () => {
  const c = clock();
  const budget = new RestartBudget(4, 180_000, c.now);
  for (let i = 0; i < 4; i++) budget.recordCrash();
  c.advance(180_000);
  assert.deepEqual(budget.recordCrash(), { restart: true, crashes: 1 });
});

test("crashes spaced wider than the window allows keep restarting", () => {
  const c = clock();
  const budget = new RestartBudget(2, 180_000, c.now);
  const decisions = [];
  for (let i = 0; i < 6; i++) {
    decisions.push(budget.recordCrash().restart);
    c.advance(100_000);
  }
  // With a crash every 100 s at most two fall inside any 180 s window.
  assert.deepEqual(decisions, [true, true, true, true, true, true]);
});

test("reset gives a full budget back", () => {
  const c = clock();
  const budget = new RestartBudget(1, 180_000, c.now);
  budget.recordCrash();
  assert.equal(budget.recordCrash().restart, false);
  budget.reset();
  assert.equal(budget.recordCrash().restart, true);
});

test("defaults: 4 restarts within 3 minutes", () => {
  const budget = new RestartBudget();
  assert.equal(budget.maxRestarts, 4);
  assert.equal(budget.windowMs, 180_000);
});
