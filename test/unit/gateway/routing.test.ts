import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Executor, type Leaf } from "../../../server/gateway/routing/executor";
import { CircuitBreaker } from "../../../server/gateway/routing/breaker";
import { parseConfig, type TargetConfig } from "../../../server/gateway/routing/config";
import { matches } from "../../../server/gateway/routing/conditions";
import { NO_RETRY, retryDelay } from "../../../server/gateway/routing/retry";
import { leafResolver, configForModel, EMPTY_SETTINGS } from "../../../server/gateway/targets";
import { NO_HINTS, routingHints } from "../../../server/gateway/routing/headers";
import { KeyStore } from "../../../server/gateway/keys";
import { FaroError } from "../../../server/errors";
import { UpstreamError } from "../../../server/providers/upstream";
import { Refusal } from "../../../server/gateway/virtualKeys/admission";

const keys = new KeyStore({ OPENAI_API_KEY: "sk-env-key" });
const resolver = leafResolver("gpt-x", keys, NO_HINTS, EMPTY_SETTINGS);
const signal = new AbortController().signal;
const fail = (status: number, retryAfterMs: number | null = null) => new UpstreamError({ provider: "p", status, retryAfterMs });

/** Runs a config where each target's outcome is scripted by provider name. */
async function run(config: TargetConfig, script: Record<string, Array<number | "ok">>, opts: { random?: () => number; breaker?: CircuitBreaker; metadata?: Record<string, unknown> } = {}) {
  const calls: string[] = [];
  const ex = new Executor(resolver, opts.breaker ?? new CircuitBreaker({ threshold: 100, cooldownMs: 1000 }), opts.random);
  const out = await ex.run(parseConfig(config, "config"), { metadata: opts.metadata ?? {}, params: { model: "gpt-x" } }, async (leaf: Leaf) => {
    calls.push(leaf.target.provider);
    const next = script[leaf.target.provider]!.shift();
    if (next === undefined || next === "ok") return leaf.target.provider;
    throw fail(next, 1);
  }, signal).catch((err: unknown) => ({ error: err as FaroError }));
  return { calls, out };
}

describe("strategies", () => {
  test("fallback moves on after a failure and records which option answered", async () => {
    const { calls, out } = await run({ strategy: { mode: "fallback" }, targets: [{ provider: "openai" }, { provider: "groq" }] }, { openai: [503], groq: ["ok"] });
    assert.deepEqual(calls, ["openai", "groq"]);
    assert.ok("value" in out);
    assert.equal(out.value, "groq");
    assert.equal(out.trail.optionIndex, 1);
    assert.equal(out.trail.optionPath, "config.targets[1]");
    assert.deepEqual(out.trail.attempts.map((a) => a.status), [503, 200]);
  });

  test("a target Faro refuses to call (a host not allowed) is an attempt of the trail, with its error", async () => {
    const { calls, out } = await run(
      { strategy: { mode: "fallback" }, targets: [{ provider: "openai", custom_host: "https://evil.example/v1", override_params: { model: "gpt-4o" } }, { provider: "groq" }] },
      { groq: ["ok"] },
    );
    assert.deepEqual(calls, ["groq"], "nothing was sent to the refused ones");
    assert.ok("value" in out);
    assert.deepEqual(
      out.trail.attempts.map((a) => [a.provider, a.model, a.status, a.error?.match(/'evil\.example' is not allowed/)?.[0] ?? a.error]),
      [["openai", "gpt-4o", 400, "'evil.example' is not allowed"], ["groq", "gpt-x", 200, null]],
    );
  });

  test("on_status_codes limits fallback to the listed codes", async () => {
    const cfg = { strategy: { mode: "fallback" as const, on_status_codes: [429] }, targets: [{ provider: "openai" }, { provider: "groq" }] };
    const a = await run(cfg, { openai: [400], groq: ["ok"] });
    assert.deepEqual(a.calls, ["openai"]);
    assert.ok("error" in a.out && a.out.error.status === 400);
    const b = await run(cfg, { openai: [429], groq: ["ok"] });
    assert.deepEqual(b.calls, ["openai", "groq"]);
  });

  test("loadbalance follows the weights within 2% over 10,000 picks", async () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const counts: Record<string, number> = { openai: 0, groq: 0 };
    const cfg = parseConfig({ strategy: { mode: "loadbalance" }, targets: [{ provider: "openai", weight: 0.7 }, { provider: "groq", weight: 0.3 }] }, "config");
    const ex = new Executor(resolver, new CircuitBreaker({ threshold: 5, cooldownMs: 1 }), random);
    for (let i = 0; i < 10_000; i++) {
      const { value } = await ex.run(cfg, { metadata: {}, params: {} }, async (leaf) => leaf.target.provider, signal);
      counts[value]!++;
    }
    assert.ok(Math.abs(counts.openai! / 10_000 - 0.7) < 0.02, JSON.stringify(counts));
  });

  test("conditional routes on metadata and params, else the default; nested strategies work", async () => {
    const cfg: TargetConfig = {
      strategy: {
        mode: "conditional",
        conditions: [
          { query: { "metadata.plan": { $eq: "pro" } }, then: "best" },
          { query: { $or: [{ "params.model": { $in: ["a", "b"] } }, { "metadata.tier": { $gte: 3 } }] }, then: "cheap" },
        ],
        default: "cheap",
      },
      targets: [
        { name: "best", strategy: { mode: "fallback" }, targets: [{ provider: "openai" }, { provider: "xai" }] },
        { name: "cheap", provider: "groq" },
      ],
    };
    assert.deepEqual((await run(cfg, { openai: [500], xai: ["ok"], groq: ["ok"] }, { metadata: { plan: "pro" } })).calls, ["openai", "xai"]);
    assert.deepEqual((await run(cfg, { groq: ["ok"] }, { metadata: { plan: "free" } })).calls, ["groq"]);
  });
});

describe("retries and the breaker", () => {
  test("retries on listed statuses with the provider's Retry-After, then succeeds", async () => {
    const { calls, out } = await run({ provider: "openai", retry: { attempts: 2 } }, { openai: [429, 503, "ok"] });
    assert.deepEqual(calls, ["openai", "openai", "openai"]);
    assert.ok("value" in out && out.trail.retries === 2);
  });

  test("no retry on a status outside on_status_codes, nor past the attempts", async () => {
    assert.deepEqual((await run({ provider: "openai", retry: { attempts: 3 } }, { openai: [400, "ok"] })).calls, ["openai"]);
    const r = await run({ provider: "openai", retry: { attempts: 1 } }, { openai: [500, 500, "ok"] });
    assert.deepEqual(r.calls, ["openai", "openai"]);
    assert.ok("error" in r.out && r.out.error.status === 500);
  });

  test("backoff grows with jitter; Retry-After wins up to its cap", () => {
    const p = { ...NO_RETRY, attempts: 5 };
    assert.equal(retryDelay(p, 1, 503, null, () => 0), 50);
    assert.equal(retryDelay(p, 3, 503, null, () => 1), 400);
    assert.equal(retryDelay(p, 2, 429, 1500, () => 0), 1500);
    assert.equal(retryDelay(p, 2, 429, 120_000, () => 0), null, "too long to wait: fail over instead");
    // 60 s in all: three Retry-After of 25 s are two waits, then the next target.
    assert.equal(retryDelay(p, 2, 429, 25_000, () => 0, 25_000), 25_000);
    assert.equal(retryDelay(p, 3, 429, 25_000, () => 0, 50_000), null);
    assert.equal(retryDelay(p, 6, 503, null), null);
    assert.equal(retryDelay({ ...p, useRetryAfter: false }, 1, 429, 9_000, () => 0), 50);
  });

  test("the breaker opens after repeated outages, skips the target, then lets one trial through", async () => {
    let now = 0;
    const breaker = new CircuitBreaker({ threshold: 2, cooldownMs: 1000, now: () => now });
    const cfg = { strategy: { mode: "fallback" as const }, targets: [{ provider: "openai" }, { provider: "groq" }] };
    await run(cfg, { openai: [500], groq: ["ok"] }, { breaker });
    await run(cfg, { openai: [500], groq: ["ok"] }, { breaker });
    const skipped = await run(cfg, { openai: ["ok"], groq: ["ok"] }, { breaker });
    assert.deepEqual(skipped.calls, ["groq"], "openai is cooling down");
    assert.ok("value" in skipped.out && skipped.out.trail.attempts[0]!.status === 503);
    now = 1500;
    const trial = await run(cfg, { openai: ["ok"], groq: ["ok"] }, { breaker });
    assert.deepEqual(trial.calls, ["openai"], "after the cooldown openai is tried again and recovers");
    assert.equal(breaker.allow("openai||gpt-x"), true);
  });

  test("a virtual key's refusal at a target (nothing sent) does not count against that provider's breaker", async () => {
    const breaker = new CircuitBreaker({ threshold: 1, cooldownMs: 60_000 });
    const ex = new Executor(resolver, breaker);
    const cfg = parseConfig({ provider: "openai" }, "config");
    const overBudget = () => Promise.reject(new Refusal("over budget", { status: 429, type: "insufficient_quota", code: "budget_exceeded" }));
    await assert.rejects(ex.run(cfg, { metadata: {}, params: {} }, overBudget, signal), /over budget/);
    assert.equal(breaker.allow("openai||gpt-x"), true, "one key over its budget must not cut the provider off for everyone");
  });

  test("loadbalance passes over a target that is cooling down; only when all are does the request fail", async () => {
    const breaker = new CircuitBreaker({ threshold: 1, cooldownMs: 60_000 });
    const cfg = { strategy: { mode: "loadbalance" as const }, targets: [{ provider: "openai", weight: 0.9 }, { provider: "groq", weight: 0.1 }] };
    // random 0 picks openai (the first weight) every time.
    const first = await run(cfg, { openai: [500] }, { breaker, random: () => 0 });
    assert.ok("error" in first.out && first.out.error.status === 500);
    const next = await run(cfg, { openai: ["ok"], groq: ["ok"] }, { breaker, random: () => 0 });
    assert.deepEqual(next.calls, ["groq"], "openai is cooling down: groq answers");
    assert.ok("value" in next.out && next.out.value === "groq");
    assert.deepEqual(next.out.trail.attempts.map((a) => [a.provider, a.status]), [["openai", 503], ["groq", 200]]);
    await run(cfg, { groq: [500] }, { breaker, random: () => 0.95 });
    const none = await run(cfg, { openai: ["ok"], groq: ["ok"] }, { breaker, random: () => 0 });
    assert.deepEqual(none.calls, []);
    assert.ok("error" in none.out && none.out.error.code === "circuit_open");
  });
});

test("the local engine never trips the breaker: its full queue is backpressure, not an outage", async () => {
  const breaker = new CircuitBreaker({ threshold: 1, cooldownMs: 60_000 });
  for (let i = 0; i < 3; i++) {
    const r = await run({ provider: "local" }, { local: [429] }, { breaker });
    assert.ok("error" in r.out && r.out.error.status === 429, "each 429 reaches the client as is");
  }
  const after = await run({ provider: "local" }, { local: ["ok"] }, { breaker });
  assert.deepEqual(after.calls, ["local"]);
  assert.ok("value" in after.out);
});

describe("configs, conditions, addressing", () => {
  test("config errors name the exact place", () => {
    assert.throws(() => parseConfig("{bad", "x-portkey-config"), (e: FaroError) => e.code === "invalid_config" && /not valid JSON/.test(e.message));
    assert.throws(() => parseConfig({ strategy: { mode: "random" }, targets: [{ provider: "a" }] }, "c"), (e: FaroError) => e.param === "c.strategy.mode");
    assert.throws(() => parseConfig({ targets: [{ provider: "a" }] }, "c"), /need a strategy/);
    assert.throws(() => parseConfig({ strategy: { mode: "conditional", conditions: [{ query: {}, then: "x" }] }, targets: [{ name: "y", provider: "a" }] }, "c"), /'x', which no target/);
    // A typo in a provider is found when the config is read, with the place it is at.
    assert.throws(
      () => parseConfig({ strategy: { mode: "fallback" }, targets: [{ provider: "openai" }, { provider: "opneai" }] }, "c"),
      (e: FaroError) => e.status === 400 && e.code === "unknown_provider" && e.param === "c.targets[1].provider" && /unknown provider 'opneai'. Known: local, anthropic/.test(e.message),
    );
  });

  test("a bad config header is named as it was sent, even when empty", () => {
    for (const name of ["x-faro-config", "x-portkey-config"]) {
      for (const value of ["", "no-such-config"]) {
        assert.throws(() => routingHints({ [name]: value }, {}, null), (e: FaroError) => e.param === name && e.message.startsWith(`${name} '${value}'`), `${name}: '${value}'`);
      }
    }
    // A mistyped id lists the saved ones; JSON that is not an object is called what it is.
    assert.throws(() => routingHints({ "x-faro-config": "prod-chta" }, { "prod-chat": {}, safe: {} }, null), /'prod-chta' is neither a JSON object nor the id of a saved config \(saved: prod-chat, safe\)/);
    for (const [value, what] of [["[1,2]", "an array"], ["null", "null"], ["42", "a number"]]) {
      assert.throws(() => routingHints({ "x-portkey-config": value }, {}, null), (e: FaroError) => e.code === "invalid_config" && e.message.includes(`is JSON but not an object (${what})`), value);
    }
  });

  test("condition operators", () => {
    const ctx = { metadata: { n: 5, tag: "beta-2", list: "x" }, params: { temperature: 0.2 } };
    assert.ok(matches({ "metadata.n": { $gt: 4, $lte: 5 } }, ctx));
    assert.ok(matches({ "metadata.tag": { $regex: "^beta-\\d$" } }, ctx));
    assert.ok(matches({ "metadata.list": { $nin: ["a", "b"] }, "params.temperature": { $lt: 0.5 } }, ctx));
    assert.ok(!matches({ $and: [{ "metadata.n": 5 }, { "metadata.tag": { $ne: "beta-2" } }] }, ctx));
    assert.throws(() => matches({ "metadata.n": { $near: 1 } }, ctx), /Unknown operator/);
    assert.throws(() => matches({ "headers.x": 1 }, ctx), /metadata\.\*/);
  });

  test("model addressing: provider/model, local ids, aliases; keys from env; custom hosts checked", () => {
    assert.deepEqual(configForModel("openai/gpt-4o-mini", EMPTY_SETTINGS, NO_HINTS), { provider: "openai", override_params: { model: "gpt-4o-mini" } });
    assert.deepEqual(configForModel("faro-demo", EMPTY_SETTINGS, NO_HINTS), { provider: "local", override_params: { model: "faro-demo" } });
    const settings = { ...EMPTY_SETTINGS, aliases: { fast: "groq/llama-3.1-8b" } };
    assert.deepEqual(configForModel("fast", settings, NO_HINTS), { provider: "groq", override_params: { model: "llama-3.1-8b" } });
    const leaf = resolver({ provider: "openai" }, { override_params: {} });
    assert.equal(leaf.target.apiKey, "sk-env-key");
    assert.equal(leaf.family, "openai");
    assert.equal(resolver({ provider: "openai", custom_host: "http://127.0.0.1:9/v1" }, { override_params: {} }).target.baseUrl, "http://127.0.0.1:9/v1");
    assert.throws(() => resolver({ provider: "openai", custom_host: "https://evil.example/v1" }, { override_params: {} }), (e: FaroError) => e.code === "host_not_allowed");
    assert.throws(() => resolver({ provider: "nope" }, { override_params: {} }), (e: FaroError) => e.code === "unknown_provider");
  });
});
