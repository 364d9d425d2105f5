import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { canonical, keyParts, normalizeParams } from "../../../server/gateway/cache/key";
import { resolveRoute } from "../../../server/gateway/cache/route";
import { cachePolicy, cacheSettings, DEFAULT_CACHE_SETTINGS } from "../../../server/gateway/cache/policy";
import { parseConfig } from "../../../server/gateway/routing/config";
import { NO_HINTS } from "../../../server/gateway/routing/headers";
import { EMPTY_SETTINGS } from "../../../server/gateway/targets";
import { FaroError } from "../../../server/errors";

const chat = (extra: Record<string, unknown> = {}) => ({ model: "m", messages: [{ role: "user", content: "hi" }], ...extra });
const key = (req: Record<string, unknown>, route = "r") => keyParts("chat", req, route).key;

describe("cache keys", () => {
  test("key order, defaults, stream and bookkeeping fields do not change the key", () => {
    const base = key(chat({ temperature: 0.2, max_tokens: 5 }));
    assert.equal(key({ max_tokens: 5, messages: [{ content: "hi", role: "user" }], temperature: 0.2, model: "m" }), base);
    assert.equal(key(chat({ temperature: 0.2, max_tokens: 5, stream: true, stream_options: { include_usage: true }, user: "u1", metadata: { a: 1 }, priority: 0 })), base);
    assert.equal(key(chat({ temperature: 0.2, max_completion_tokens: 5, top_p: 1, n: 1, presence_penalty: 0, frequency_penalty: 0, seed: null, logprobs: false })), base);
    assert.equal(key(chat({ temperature: 0.2, max_tokens: 5, stop: [], logit_bias: {}, tools: [], response_format: { type: "text" } })), base);
  });

  test("every output-changing parameter changes the key", () => {
    const base = key(chat());
    const variants: Record<string, unknown>[] = [
      { temperature: 0 }, { top_p: 0.5 }, { max_tokens: 3 }, { stop: "x" }, { seed: 7 }, { n: 2 }, { logprobs: true },
      { presence_penalty: 1 }, { frequency_penalty: 1 }, { logit_bias: { "5": -100 } }, { response_format: { type: "json_object" } },
      { tools: [{ type: "function", function: { name: "f" } }] }, { tool_choice: "required" }, { some_new_param: 1 },
    ];
    const keys = variants.map((v) => key(chat(v)));
    for (const [i, k] of keys.entries()) assert.notEqual(k, base, JSON.stringify(variants[i]));
    assert.equal(new Set(keys).size, keys.length, "all distinct");
    assert.equal(key(chat({ stop: "x" })), key(chat({ stop: ["x"] })), "a stop string is a one-element list");
  });

  test("messages: text-only parts equal the string, earlier turns and roles count, the route counts", () => {
    const base = key(chat());
    assert.equal(key({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: "h" }, { type: "text", text: "i" }] }] }), base);
    assert.notEqual(key({ model: "m", messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }] }), base);
    assert.notEqual(key({ model: "m", messages: [{ role: "user", content: "hi " }] }), base, "exact mode is exact about whitespace");
    assert.notEqual(key(chat(), "other-route"), base);
    assert.equal(key({ ...chat(), model: "another-name" }), base, "the body's model name is replaced by the route");
  });

  test("semantic parts: the last user text apart, collapsed; everything else in paramsHash", () => {
    const a = keyParts("chat", { model: "m", messages: [{ role: "system", content: "s" }, { role: "user", content: "  What is\n the  answer? " }] }, "r");
    const b = keyParts("chat", { model: "m", messages: [{ role: "system", content: "s" }, { role: "user", content: "Something else" }] }, "r");
    const c = keyParts("chat", { model: "m", messages: [{ role: "system", content: "t" }, { role: "user", content: "Something else" }] }, "r");
    assert.equal(a.text, "What is the answer?");
    assert.equal(a.paramsHash, b.paramsHash);
    assert.notEqual(a.key, b.key);
    assert.notEqual(b.paramsHash, c.paramsHash, "a different system prompt is never a semantic match");
    const tool = keyParts("chat", { model: "m", messages: [{ role: "tool", content: "r", tool_call_id: "1" }] }, "r");
    assert.equal(tool.text, null, "only a last user text is compared by meaning");
    assert.equal(keyParts("completion", { model: "m", prompt: "Once upon" }, "r").text, "Once upon");
    assert.equal(keyParts("completion", { model: "m", prompt: ["a", "b"] }, "r").text, null);
  });

  test("normalizeParams unifies max_completion_tokens and drops tool_choice at its default", () => {
    assert.deepEqual(normalizeParams("chat", { max_completion_tokens: 9, tool_choice: "none", temperature: 1 }), { max_tokens: 9 });
    assert.deepEqual(normalizeParams("chat", { tools: [{ type: "function" }], tool_choice: "auto" }), { tools: [{ type: "function" }] });
    assert.equal(canonical({ b: [1, { d: 1, c: undefined }], a: null }), '{"a":null,"b":[1,{"d":1}]}');
  });
});

describe("cache routes", () => {
  const gateway = (aliases: Record<string, string> = {}) => ({
    routing: { ...EMPTY_SETTINGS, aliases },
    defaultModelId: async () => "tiny",
  });

  test("an alias, its target and `default` share a route; other models do not", async () => {
    const g = gateway({ fast: "local/tiny" });
    const tiny = await resolveRoute(g, "tiny", NO_HINTS);
    assert.equal(tiny.label, "local/tiny");
    assert.equal((await resolveRoute(g, "fast", NO_HINTS)).id, tiny.id);
    assert.equal((await resolveRoute(g, "local/tiny", NO_HINTS)).id, tiny.id);
    assert.equal((await resolveRoute(g, "default", NO_HINTS)).id, tiny.id);
    assert.notEqual((await resolveRoute(g, "other", NO_HINTS)).id, tiny.id);
    assert.equal((await resolveRoute(g, "openai/gpt-4o", NO_HINTS)).label, "openai/gpt-4o");
  });

  test("a routing config keys without its secrets, retries and cache settings", async () => {
    const g = gateway();
    const config = (extra: Record<string, unknown>) => ({ ...NO_HINTS, config: parseConfig({ provider: "openai", override_params: { model: "gpt-4o" }, ...extra }, "c") });
    const a = await resolveRoute(g, "x", config({ api_key: "sk-1", retry: { attempts: 2 }, cache: { mode: "simple" } }));
    const b = await resolveRoute(g, "x", config({ api_key: "sk-2" }));
    assert.equal(a.id, b.id);
    assert.ok(!a.id.includes("sk-1"));
    assert.notEqual((await resolveRoute(g, "x", config({ override_params: { model: "gpt-4o", temperature: 0 } }))).id, a.id);
  });

  test("x-portkey-custom-host is part of the route, with a config or a model name: another server may answer otherwise", async () => {
    const g = gateway();
    const host = { customHost: "http://127.0.0.1:8000/v1" };
    const hints = { ...NO_HINTS, config: parseConfig({ provider: "openai" }, "c") };
    assert.notEqual((await resolveRoute(g, "gpt-4o", { ...hints, ...host })).id, (await resolveRoute(g, "gpt-4o", hints)).id);
    assert.notEqual((await resolveRoute(g, "openai/gpt-4o", { ...NO_HINTS, ...host })).id, (await resolveRoute(g, "openai/gpt-4o", NO_HINTS)).id);
  });
});

describe("cache policy", () => {
  const settings = cacheSettings({ mode: "simple", max_age: 60 });

  test("headers win over the routing config, which wins over the defaults", () => {
    assert.equal(cachePolicy({}, undefined, DEFAULT_CACHE_SETTINGS), null, "off by default");
    assert.deepEqual(cachePolicy({}, undefined, settings), { mode: "simple", maxAgeS: 60, namespace: "", forceRefresh: false, similarity: 0.95 });
    assert.equal(cachePolicy({ "x-portkey-cache": "off" }, undefined, settings), null);
    const p = cachePolicy({ "x-portkey-cache": "semantic", "x-portkey-cache-namespace": "team-a", "x-portkey-cache-force-refresh": "true" }, { mode: "simple", max_age: 5 }, settings);
    assert.deepEqual(p, { mode: "semantic", maxAgeS: 5, namespace: "team-a", forceRefresh: true, similarity: 0.95 });
    assert.equal(cachePolicy({}, { mode: "semantic", namespace: "n" }, DEFAULT_CACHE_SETTINGS)?.namespace, "n");
  });

  test("bad header values are 400s naming the header", () => {
    for (const [name, value] of [["x-portkey-cache", "always"], ["x-portkey-cache-force-refresh", "yes"], ["x-portkey-cache-namespace", "x".repeat(300)]] as const) {
      assert.throws(() => cachePolicy({ "x-portkey-cache": "simple", [name]: value }, undefined, settings), (err: FaroError) => err.status === 400 && err.param === name);
    }
    assert.throws(() => parseConfig({ provider: "openai", cache: { mode: "sometimes" } }, "x-portkey-config"), (err: FaroError) => err.status === 400 && /cache\.mode/.test(err.param ?? ""));
  });
});
