/**
 * Portkey's headers and provider names read as Portkey reads them: a config that names no
 * provider goes to x-portkey-provider, x-portkey-request-timeout holds for every target, Azure's
 * and Portkey's provider names reach the target; a malformed header is a 400 naming it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { routingHints } from "../../../server/gateway/routing/headers";
import { EMPTY_SETTINGS, leafResolver, requestConfig } from "../../../server/gateway/targets";
import { KeyStore } from "../../../server/gateway/keys";
import type { FaroError } from "../../../server/errors";
import { Gateway } from "../../../server/gateway/gateway";

const keys = new KeyStore({});

test("a config with only retry and request_timeout goes to x-portkey-provider with the Bearer key and custom host", () => {
  const hints = routingHints(
    {
      "x-portkey-provider": "openai",
      "x-portkey-custom-host": "http://127.0.0.1:9/v1",
      authorization: "Bearer sk-provider",
      "x-portkey-config": JSON.stringify({ retry: { attempts: 3 }, request_timeout: 5000, override_params: { temperature: 0.1 } }),
    },
    {},
    null,
  );
  const config = requestConfig("gpt-4o-mini", EMPTY_SETTINGS, hints);
  assert.equal(config.provider, "openai");
  assert.deepEqual(config.retry, { attempts: 3 });
  assert.equal(config.request_timeout, 5000);
  assert.deepEqual(config.override_params, { model: "gpt-4o-mini", temperature: 0.1 });
  const leaf = leafResolver("gpt-4o-mini", keys, hints, EMPTY_SETTINGS)(config, { override_params: config.override_params ?? {}, retry: config.retry, request_timeout: config.request_timeout });
  assert.equal(leaf.family, "openai");
  assert.equal(leaf.target.model, "gpt-4o-mini");
  assert.equal(leaf.target.apiKey, "sk-provider");
  assert.equal(leaf.target.baseUrl, "http://127.0.0.1:9/v1");
  assert.equal(leaf.retry.attempts, 3);
  assert.equal(leaf.target.timeoutMs, 5000);
});

test("a config that names its provider or targets is run as written, whatever x-portkey-provider says", () => {
  const own = { provider: "anthropic", override_params: { model: "claude-3-5-haiku-latest" } };
  const hints = routingHints({ "x-portkey-provider": "openai", "x-portkey-config": JSON.stringify(own) }, {}, null);
  assert.deepEqual(requestConfig("gpt-4o-mini", EMPTY_SETTINGS, hints), own);
  const none = routingHints({ "x-portkey-config": JSON.stringify({ retry: { attempts: 1 } }) }, {}, null);
  assert.deepEqual(requestConfig("x", EMPTY_SETTINGS, none), { retry: { attempts: 1 } }, "no provider header: the model name decides later");
});

test("x-portkey-request-timeout (the Portkey SDK's requestTimeout) holds for every target of a config, over request_timeout", () => {
  const config = { strategy: { mode: "fallback" }, request_timeout: 60_000, targets: [{ provider: "openai" }, { provider: "groq", request_timeout: 30_000 }] };
  const hints = routingHints({ "x-portkey-config": JSON.stringify(config), "x-portkey-request-timeout": "5000" }, {}, null);
  const resolve = leafResolver("gpt-4o-mini", keys, hints, EMPTY_SETTINGS);
  const parsed = requestConfig("gpt-4o-mini", EMPTY_SETTINGS, hints);
  for (const [i, target] of parsed.targets!.entries()) {
    const leaf = resolve(target, { override_params: {}, request_timeout: target.request_timeout ?? parsed.request_timeout });
    assert.equal(leaf.target.timeoutMs, 5000, `targets[${i}]`);
  }
  const without = leafResolver("gpt-4o-mini", keys, routingHints({}, {}, null), EMPTY_SETTINGS)({ provider: "groq" }, { override_params: {}, request_timeout: 30_000 });
  assert.equal(without.target.timeoutMs, 30_000, "without the header the config decides");
});

test("Portkey's provider names work in configs and x-portkey-provider: google, mistral-ai, together-ai, fireworks-ai, x-ai", () => {
  const env = new KeyStore({ GEMINI_API_KEY: "g-key", MISTRAL_API_KEY: "m-key", TOGETHER_API_KEY: "t-key", FIREWORKS_API_KEY: "f-key", XAI_API_KEY: "x-key" });
  const resolve = leafResolver("m", env, routingHints({}, {}, null), EMPTY_SETTINGS);
  const expected = { google: ["gemini", "gemini", "g-key"], "mistral-ai": ["mistral", "openai", "m-key"], "together-ai": ["together", "openai", "t-key"], "fireworks-ai": ["fireworks", "openai", "f-key"], "x-ai": ["xai", "openai", "x-key"] };
  for (const [name, [id, family, key]] of Object.entries(expected)) {
    const leaf = resolve({ provider: name }, { override_params: {} });
    assert.deepEqual([leaf.target.provider, leaf.family, leaf.target.apiKey], [id, family, key], name);
  }
  const hints = routingHints({ "x-portkey-provider": "mistral-ai", authorization: "Bearer sk-own" }, {}, null);
  const config = requestConfig("mistral-small-latest", EMPTY_SETTINGS, hints);
  const leaf = leafResolver("mistral-small-latest", env, hints, EMPTY_SETTINGS)(config, { override_params: config.override_params ?? {} });
  assert.deepEqual([leaf.target.provider, leaf.target.model, leaf.target.apiKey], ["mistral", "mistral-small-latest", "sk-own"]);
});

test("a key set under Portkey's name for a provider (google) is the one its requests use", () => {
  const store = new KeyStore({});
  const gateway = new Gateway({} as never, {}, {} as never, store);
  gateway.setKey("google", "g-secret");
  const leaf = leafResolver("gemini-2.0-flash", store, routingHints({}, {}, null), EMPTY_SETTINGS)({ provider: "google" }, { override_params: {} });
  assert.equal(leaf.target.apiKey, "g-secret");
  assert.equal(gateway.providers().providers.find((p) => p.id === "gemini")?.hasKey, true);
});

test("the Portkey SDK's Azure headers (resource name, deployment id, api version) reach an azure-openai target", () => {
  const hints = routingHints(
    {
      "x-portkey-provider": "azure-openai",
      authorization: "Bearer az-key",
      "x-portkey-azure-resource-name": "my-resource",
      "x-portkey-azure-deployment-id": "gpt4o-prod",
      "x-portkey-azure-api-version": "2024-10-21",
    },
    {},
    null,
  );
  for (const hinted of [hints, { ...hints, config: { retry: { attempts: 1 } } }]) {
    const config = requestConfig("gpt-4o", EMPTY_SETTINGS, hinted);
    const leaf = leafResolver("gpt-4o", keys, hinted, EMPTY_SETTINGS)(config, { override_params: config.override_params ?? {} });
    assert.deepEqual(leaf.target.azure, { resourceName: "my-resource", deploymentId: "gpt4o-prod", apiVersion: "2024-10-21" });
    assert.equal(leaf.target.apiKey, "az-key");
  }
});

test("a custom host that is not an http(s) URL is a 400 naming where it came from, not a server error", () => {
  for (const value of ["not a url", "127.0.0.1:8000", "localhost:8000/v1", "ftp://127.0.0.1/v1"]) {
    assert.throws(() => routingHints({ "x-portkey-provider": "openai", "x-portkey-custom-host": value }, {}, null), (e: FaroError) => e.status === 400 && e.param === "x-portkey-custom-host", value);
  }
  const resolve = leafResolver("m", keys, routingHints({}, {}, null), EMPTY_SETTINGS);
  assert.throws(() => resolve({ provider: "openai", custom_host: "localhost:8000/v1" }, { override_params: {} }), (e: FaroError) => e.status === 400 && e.param === "custom_host");
});
