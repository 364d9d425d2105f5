/**
 * The circuit breaker's half-open trial: whatever the trial request ends with, the target is
 * never left skipped for good.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CircuitBreaker } from "../../../server/gateway/routing/breaker";
import { Executor } from "../../../server/gateway/routing/executor";
import { EMPTY_SETTINGS, leafResolver } from "../../../server/gateway/targets";
import { NO_HINTS } from "../../../server/gateway/routing/headers";
import { KeyStore } from "../../../server/gateway/keys";
import { UpstreamError } from "../../../server/providers/upstream";

function openBreaker() {
  const clock = { now: 0 };
  const breaker = new CircuitBreaker({ threshold: 1, cooldownMs: 1000, now: () => clock.now });
  breaker.failure("k", 503);
  assert.equal(breaker.allow("k"), false, "open during the cooldown");
  clock.now = 2000;
  assert.equal(breaker.allow("k"), true, "the trial");
  return { breaker, clock };
}

test("a trial the provider answers with a client error (4xx) closes the circuit: the provider is up", () => {
  const { breaker, clock } = openBreaker();
  breaker.failure("k", 400);
  clock.now = 60_000;
  assert.equal(breaker.allow("k"), true);
  assert.equal(breaker.remainingMs("k"), 0);
});

test("a trial the client walked away from (499) lets the next request try instead", () => {
  const { breaker } = openBreaker();
  breaker.failure("k", 499);
  assert.equal(breaker.allow("k"), true, "the next request is the new trial");
  assert.equal(breaker.allow("k"), false, "one trial at a time");
});

test("a trial that ends in an unexpected exception frees its slot in the executor", async () => {
  let now = 0;
  const breaker = new CircuitBreaker({ threshold: 1, cooldownMs: 1000, now: () => now });
  const resolver = leafResolver("gpt-x", new KeyStore({ OPENAI_API_KEY: "sk" }), NO_HINTS, EMPTY_SETTINGS);
  const ex = new Executor(resolver, breaker);
  const signal = new AbortController().signal;
  const cond = { metadata: {}, params: {} };
  await assert.rejects(ex.run({ provider: "openai" }, cond, async () => Promise.reject(new UpstreamError({ provider: "openai", status: 503 })), signal));
  now = 2000;
  await assert.rejects(ex.run({ provider: "openai" }, cond, async () => Promise.reject(new TypeError("bug")), signal), TypeError);
  const { value } = await ex.run({ provider: "openai" }, cond, async () => "ok", signal);
  assert.equal(value, "ok", "the target is tried again, not skipped for good");
});
