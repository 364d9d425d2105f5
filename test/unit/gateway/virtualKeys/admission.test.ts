/** Virtual keys against a real SQLite file: hashing, rpm/tpm windows, budgets with reservations, restarts, periods. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Db } from "../../../../server/store/db";
import { VirtualKeyStore } from "../../../../server/store/virtualKeys";
import { VirtualKeys } from "../../../../server/gateway/virtualKeys/virtualKeys";
import { KeyAdmission, modelAllowed } from "../../../../server/gateway/virtualKeys/admission";
import { periodEnd, periodStart } from "../../../../server/gateway/virtualKeys/periods";
import { PriceTable } from "../../../../server/gateway/pricing/priceTable";
import { openRecord, type RequestRecord } from "../../../../server/gateway/requestRecord";
import { FaroError } from "../../../../server/errors";
import { UpstreamError } from "../../../../server/providers/upstream";
import type { KeysCreateParams } from "../../../../server/protocol";

const T0 = Date.UTC(2026, 2, 18, 12, 0, 0); // a Wednesday

function setup(file = join(mkdtempSync(join(tmpdir(), "faro-vk-")), "faro.db")) {
  const clock = { now: T0 };
  const db: Db = openDatabase(file);
  const keys = new VirtualKeys(new VirtualKeyStore(db), () => clock.now);
  const admission = new KeyAdmission(keys, new PriceTable(), () => clock.now);
  let n = 0;
  /** A request with the key: authenticated, admitted for `model`, `body`; returns its record. */
  const request = (secret: string, body: Record<string, unknown> = { messages: [{ role: "user", content: "hi" }], max_tokens: 10 }, target = { provider: "openai", model: "gpt-4o-mini" }) => {
    const record: RequestRecord = openRecord(`r${n++}`, "POST /v1/chat/completions");
    admission.authenticate(secret, record);
    admission.admit(record.id, `${target.provider}/${target.model}`, target, body);
    return record;
  };
  /** The request went out and came back with this usage and cost. */
  const finish = (record: RequestRecord, prompt: number, completion: number, cost: number | null) => {
    Object.assign(record, { upstreamStartedAt: 1, promptTokens: prompt, completionTokens: completion, costUsd: cost });
    admission.settle(record);
  };
  return { db, file, keys, admission, clock, request, finish };
}

const create = (keys: VirtualKeys, p: Partial<KeysCreateParams> = {}) => keys.create({ name: "app", ...p });
const refusal = (fn: () => unknown): FaroError => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FaroError, String(err));
    return err;
  }
  assert.fail("expected a refusal");
};

test("a key is stored as a sha256 of its secret: the secret is in no byte of the file", () => {
  const s = setup();
  const { key, secret } = create(s.keys, { budgetUsd: 5, period: "month", rpm: 60, tpm: 100_000, models: ["openai/gpt-4o-mini"] });
  assert.match(secret, /^fk-[A-Za-z0-9_-]{43}$/);
  assert.ok(secret.startsWith(key.prefix) && key.prefix.length < 12);
  s.db.pragma("wal_checkpoint(TRUNCATE)");
  s.db.close();
  const bytes = readFileSync(s.file);
  assert.equal(bytes.includes(Buffer.from(secret)), false);
  assert.equal(bytes.includes(Buffer.from(secret.slice(3))), false);
  assert.ok(bytes.includes(Buffer.from(key.prefix)), "the prefix is stored, to recognise keys in lists");
});

test("bad limits and duplicate names are refused with the parameter named", () => {
  const s = setup();
  create(s.keys);
  assert.equal(refusal(() => create(s.keys)).status, 409);
  assert.equal(refusal(() => create(s.keys, { name: "b", rpm: 1.5 })).param, "rpm");
  assert.equal(refusal(() => create(s.keys, { name: "b", budgetUsd: -1 })).param, "budget");
  assert.equal(refusal(() => create(s.keys, { name: "b", period: "year" as never })).param, "period");
  assert.equal(refusal(() => create(s.keys, { name: "has space" })).param, "name");
  assert.equal(refusal(() => s.keys.revoke("nope")).status, 404);
});

test("unknown and revoked secrets are 401; revoking applies to the next request", () => {
  const s = setup();
  const { secret } = create(s.keys);
  assert.equal(refusal(() => s.request("fk-" + "A".repeat(43))).status, 401);
  s.request(secret);
  s.keys.revoke("app");
  const e = refusal(() => s.request(secret));
  assert.equal(e.status, 401);
  assert.equal(e.code, "key_revoked");
  assert.ok(s.keys.list()[0]!.revokedAt !== null);
});

test("rpm: the (rpm+1)th request in a minute is 429 with Retry-After until the oldest leaves", () => {
  const s = setup();
  const { secret } = create(s.keys, { rpm: 3 });
  for (let i = 0; i < 3; i++) {
    s.finish(s.request(secret), 10, 10, 0);
    s.clock.now += 10_000;
  }
  const e = refusal(() => s.request(secret));
  assert.equal(e.status, 429);
  assert.equal(e.code, "rate_limit_exceeded");
  assert.equal(e.headers["retry-after"], "30"); // the first left at T0 + 60 s; now is T0 + 30 s
  assert.equal(e.headers["retry-after-ms"], "30000");
  s.clock.now = T0 + 60_001;
  s.request(secret);
});

test("requests refused before anything was sent do not count against rpm", () => {
  const s = setup();
  const { secret } = create(s.keys, { rpm: 1 });
  const r = s.request(secret);
  s.admission.settle(r); // upstreamStartedAt null: e.g. a 400 from the provider's parameter check
  s.request(secret);
});

test("what was spent on a request's behalf (a cloud embedding for the semantic cache) is spent, sent, refused or hit", () => {
  const s = setup();
  const { secret } = create(s.keys, { budgetUsd: 1, rpm: 2 });
  const sent = s.request(secret);
  sent.extraCostUsd = 0.01;
  s.finish(sent, 10, 10, 0.02);
  const hit = openRecord("hit", "POST /v1/chat/completions");
  s.admission.authenticate(secret, hit);
  s.admission.atCachedAnswer(hit.id, "openai/gpt-4o-mini", { provider: "openai", model: "gpt-4o-mini" });
  Object.assign(hit, { promptTokens: 10, completionTokens: 10, costUsd: 0, extraCostUsd: 0.004 });
  s.admission.settle(hit);
  // Over rpm after the lookup paid for its embedding: refused, the embedding still spent.
  const refused = openRecord("refused", "POST /v1/chat/completions");
  s.admission.authenticate(secret, refused);
  refused.extraCostUsd = 0.002;
  assert.equal(refusal(() => s.admission.admit(refused.id, null, null, {})).code, "rate_limit_exceeded");
  s.admission.settle(refused);
  const [key] = s.keys.list();
  assert.ok(Math.abs(key!.spentUsd - 0.036) < 1e-12, String(key!.spentUsd));
});

test("tpm counts estimated prompt + max_tokens, corrected by actual usage", () => {
  const s = setup();
  const { secret } = create(s.keys, { tpm: 1000 });
  const big = { messages: [{ role: "user", content: "x".repeat(400) }], max_tokens: 500 };
  const r1 = s.request(secret, big); // ~104 + 500
  const e = refusal(() => s.request(secret, big));
  assert.equal(e.status, 429);
  assert.match(e.message, /1000 tokens per minute/);
  assert.ok(Number(e.headers["retry-after"]) > 0);
  s.finish(r1, 100, 20, 0); // the answer was short: 120 tokens count, not 600
  s.request(secret, big);
  const huge = refusal(() => s.request(secret, { messages: [], max_tokens: 5000 }));
  assert.equal(huge.headers["x-should-retry"], "false", "a request over the whole tpm cannot succeed by waiting");
  assert.equal(huge.headers["retry-after"], undefined);
});

test("budget: parallel requests reserve their worst case, so they cannot all slip under it", () => {
  const s = setup();
  // gpt-4o-mini: 1,000 output tokens cost at most $0.0006 (+ a few input tokens).
  const { secret } = create(s.keys, { budgetUsd: 0.002, period: "day" });
  const body = { messages: [{ role: "user", content: "hi" }], max_tokens: 1000 };
  const admitted: RequestRecord[] = [];
  const refused: FaroError[] = [];
  for (let i = 0; i < 10; i++) {
    try {
      admitted.push(s.request(secret, body));
    } catch (err) {
      refused.push(err as FaroError);
    }
  }
  assert.equal(admitted.length, 3, "3 x $0.0006 fit in $0.002, a 4th does not");
  assert.equal(refused[0]!.status, 429);
  assert.equal(refused[0]!.type, "insufficient_quota");
  assert.match(refused[0]!.message, /held by requests in flight/);
  assert.equal(refused[0]!.headers["retry-after"], "1");
  // They finish cheaper than reserved: the unused reservation comes back.
  for (const r of admitted) s.finish(r, 5, 100, 0.0001);
  s.request(secret, body);
});

test("n choices: the worst case is n answers of max_tokens each, for the budget and tpm", () => {
  const s = setup();
  // gpt-4o-mini: one answer of 1,000 tokens costs at most $0.0006; n: 5 can cost $0.003.
  const { secret } = create(s.keys, { budgetUsd: 0.002, period: "day" });
  const five = { messages: [{ role: "user", content: "hi" }], max_tokens: 1000, n: 5 };
  const err = refusal(() => s.request(secret, five));
  assert.equal(err.code, "budget_exceeded");
  assert.match(err.message, /could cost up to \$0\.003/);
  const tpm = create(s.keys, { name: "tpm", tpm: 2000 });
  const over = refusal(() => s.request(tpm.secret, { ...five, max_tokens: 500 }));
  assert.match(over.message, /2500 max output/);
});

test("budget: parallel requests with a routing config (target known only per attempt) cannot all slip under it", () => {
  const s = setup();
  const { secret } = create(s.keys, { budgetUsd: 0.002, period: "day" });
  const body = { messages: [{ role: "user", content: "hi" }], max_tokens: 1000 };
  let admitted = 0;
  let refusal: FaroError | null = null;
  for (let i = 0; i < 10; i++) {
    const record = openRecord(`c${i}`, "POST /v1/chat/completions");
    s.admission.authenticate(secret, record);
    // As the gateway does with a config header: no target before the executor runs.
    s.admission.admit(record.id, null, null, body);
    try {
      s.admission.atTarget(record.id, { provider: "openai", model: "gpt-4o-mini" });
      admitted++;
    } catch (err) {
      refusal ??= err as FaroError;
    }
  }
  assert.equal(admitted, 3, "3 x $0.0006 fit in $0.002, a 4th does not");
  assert.equal(refusal?.code, "budget_exceeded");
  assert.match(refusal!.message, /held by requests in flight, and this request could cost up to \$0\.000601/);
  // Refusals say nothing about the provider: the executor leaves its circuit breaker alone.
  assert.ok(refusal instanceof FaroError && !(refusal instanceof UpstreamError), "not a provider's failure");
});

test("budget: once every request has finished, none is said to be in flight (no float residue of the reservations)", () => {
  const s = setup();
  const { secret } = create(s.keys, { budgetUsd: 0.0001, period: "day" });
  const ask = (max_tokens: number) => s.request(secret, { messages: [{ role: "user", content: "hi" }], max_tokens });
  // Reserving these two and releasing them in this order leaves 3e-21 in floating point.
  const [a, b] = [ask(20), ask(30)];
  s.finish(a, 5, 20, 0.00005);
  s.finish(b, 5, 20, 0.00004);
  const err = refusal(() => ask(1000));
  assert.equal(err.code, "budget_exceeded");
  assert.doesNotMatch(err.message, /in flight/);
  assert.equal(err.headers["x-should-retry"], "false", "nothing to wait for but the reset");
  assert.equal(Number(err.headers["retry-after"]), (periodEnd("day", T0)! - T0) / 1000);
});

test("budget: a model with no known price is refused (its spend would count as nothing); without a budget it passes", () => {
  const s = setup();
  const budgeted = create(s.keys, { budgetUsd: 1 });
  const free = create(s.keys, { name: "free" });
  const unpriced = { provider: "openai", model: "gpt-unheard-of" };
  const body = { messages: [{ role: "user", content: "hi" }], max_tokens: 10 };
  const err = refusal(() => s.request(budgeted.secret, body, unpriced));
  assert.equal(err.status, 403);
  assert.equal(err.code, "model_unpriced");
  assert.match(err.message, /no price for openai\/gpt-unheard-of.*"prices" in config\.json/);
  s.request(free.secret, body, unpriced);
  // Behind a routing config, the target tried is refused (so a fallback can move on); local models are priced (free).
  const record = openRecord("cfg", "POST /v1/chat/completions");
  s.admission.authenticate(budgeted.secret, record);
  s.admission.admit(record.id, null, null, body);
  assert.equal(refusal(() => s.admission.atTarget(record.id, unpriced)).code, "model_unpriced");
  s.admission.atTarget(record.id, { provider: "local", model: "tiny" });
  // So are local servers (Ollama, LM Studio, vLLM, llama.cpp): on this machine, free unless priced.
  s.request(budgeted.secret, body, { provider: "ollama", model: "llama3.2" });
});

test("budget: once spent, 429 until the period resets, with Retry-After to the reset; spend survives a restart", () => {
  const s = setup();
  const { secret } = create(s.keys, { budgetUsd: 0.001, period: "day" });
  s.finish(s.request(secret), 10, 10, 0.0015);
  const e = refusal(() => s.request(secret));
  assert.equal(e.code, "budget_exceeded");
  assert.match(e.message, /used its budget of \$0\.001000 per day/);
  assert.equal(Number(e.headers["retry-after"]), 12 * 3600); // noon -> midnight UTC
  assert.equal(e.headers["x-should-retry"], "false");
  // A new process on the same file: the spend is still there.
  s.db.close();
  const again = setup(s.file);
  assert.equal(refusal(() => again.request(secret)).code, "budget_exceeded");
  assert.equal(again.keys.list()[0]!.spentUsd, 0.0015);
  again.clock.now = T0 + 12 * 3600_000;
  again.request(secret);
});

test("a total budget never resets: no Retry-After", () => {
  const s = setup();
  const { secret } = create(s.keys, { budgetUsd: 0.001, period: "total" });
  s.finish(s.request(secret), 10, 10, 0.002);
  const e = refusal(() => s.request(secret));
  assert.equal(e.headers["retry-after"], undefined);
  assert.equal(e.headers["x-should-retry"], "false");
});

test("allowed models: by the requested name, provider/model, a local id, or provider/*; others are 403", () => {
  const s = setup();
  const { secret } = create(s.keys, { models: ["openai/gpt-4o-mini", "tiny", "groq/*"] });
  s.request(secret);
  s.request(secret, undefined, { provider: "local", model: "tiny" });
  s.request(secret, undefined, { provider: "groq", model: "llama-3.1-8b-instant" });
  const e = refusal(() => s.request(secret, undefined, { provider: "openai", model: "gpt-4o" }));
  assert.equal(e.status, 403);
  assert.equal(e.code, "model_not_allowed");
  assert.equal(e.param, "model");
  assert.ok(modelAllowed(["fast"], "fast", { provider: "groq", model: "x" }), "an alias by the name the request used");
});

test("usage per period and list spend come from the usage table", () => {
  const s = setup();
  const { secret } = create(s.keys, { period: "week" });
  s.finish(s.request(secret), 100, 50, 0.01);
  s.clock.now += 86_400_000; // Thursday, same week
  s.finish(s.request(secret), 10, 5, 0.001);
  s.clock.now += 7 * 86_400_000; // next week
  s.finish(s.request(secret), 1, 1, 0.0001);
  const u = s.keys.usage("app");
  assert.equal(u.rows.length, 2);
  assert.deepEqual({ ...u.rows[0], costUsd: Math.round(u.rows[0]!.costUsd * 1e6) }, { periodStart: periodStart("week", T0), requests: 2, promptTokens: 110, completionTokens: 55, costUsd: 11000 });
  assert.equal(u.total.requests, 3);
  assert.equal(s.keys.list()[0]!.spentUsd, 0.0001, "this week's spend only");
});

test("periods are UTC days, ISO weeks from Monday, calendar months", () => {
  assert.equal(new Date(periodStart("week", T0)).toISOString(), "2026-03-16T00:00:00.000Z");
  assert.equal(new Date(periodEnd("week", T0)!).toISOString(), "2026-03-23T00:00:00.000Z");
  assert.equal(new Date(periodStart("month", T0)).toISOString(), "2026-03-01T00:00:00.000Z");
  assert.equal(new Date(periodEnd("month", Date.UTC(2026, 11, 31))!).toISOString(), "2027-01-01T00:00:00.000Z");
  assert.equal(periodEnd("total", T0), null);
  assert.equal(periodStart("week", Date.UTC(2026, 2, 22, 23)), Date.UTC(2026, 2, 16), "Sunday belongs to the week that began Monday");
});
