import assert from "node:assert/strict";
import { once } from "node:events";
import { EventEmitter } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import { RequestSignal, anySignal } from "../../server/signals";

test("RequestSignal aborts once, with its reason, for listeners, onabort and throwIfAborted", () => {
  const signal = new RequestSignal();
  const heard: unknown[] = [];
  signal.addEventListener("abort", () => heard.push("listener"), { once: true });
  signal.onabort = () => heard.push("onabort");
  assert.doesNotThrow(() => signal.throwIfAborted());
  const reason = new Error("client went away");
  signal.abort(reason);
  signal.abort(new Error("second"));
  assert.deepEqual(heard, ["onabort", "listener"]);
  assert.equal(signal.aborted, true);
  assert.equal(signal.reason, reason);
  assert.throws(() => signal.throwIfAborted(), /client went away/);
  const plain = new RequestSignal();
  plain.abort();
  assert.equal((plain.reason as DOMException).name, "AbortError");
});

test("Node's APIs that take a signal stop on a RequestSignal as on an AbortController's", async () => {
  const signal = new RequestSignal();
  const slept = sleep(10_000, null, { signal });
  const waited = once(new EventEmitter(), "never", { signal });
  signal.abort(new Error("stop"));
  await assert.rejects(slept, { name: "AbortError" });
  await assert.rejects(waited, { name: "AbortError" });
});

test("anySignal follows a RequestSignal and an AbortController alike; the first to abort gives the reason", () => {
  const request = new RequestSignal();
  const job = new AbortController();
  const both = anySignal([request, job.signal]);
  request.abort(new Error("client gone"));
  assert.equal(both.aborted, true);
  assert.match(String(both.reason), /client gone/);
  job.abort(new Error("later"));
  assert.match(String(both.reason), /client gone/);

  const other = new RequestSignal();
  const cancel = new AbortController();
  const either = anySignal([other, cancel.signal]);
  cancel.abort(new Error("cancelled"));
  assert.match(String(either.reason), /cancelled/);

  const done = new RequestSignal();
  done.abort(new Error("already"));
  assert.match(String(anySignal([done, new AbortController().signal]).reason), /already/);
});
