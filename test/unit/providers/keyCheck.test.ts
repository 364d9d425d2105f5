// Provider key checks against the loopback OpenAI, Anthropic and Gemini mocks: accepted and
// refused keys in each family's own way, unreachable providers, and where a key may be sent.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { FaroError } from "../../../server/errors";
import { checkProviderKey } from "../../../server/providers/keyCheck";
import { startAnthropicMock } from "../../fixtures/mocks/anthropic";
import { startGeminiMock } from "../../fixtures/mocks/gemini";
import { startOpenAIMock } from "../../fixtures/mocks/openai";

test("OpenAI-compatible: GET {base}/models with the bearer key", async (t) => {
  const mock = await startOpenAIMock({ apiKey: "sk-good" });
  t.after(() => mock.close());
  const ok = await checkProviderKey({ provider: "openai", key: "sk-good", baseUrl: mock.url });
  assert.equal(ok.status, "ok");
  assert.deepEqual(ok.models, ["gpt-4o-mini", "text-embedding-3-small"]);
  assert.equal(mock.requests[0]!.method, "GET");
  assert.equal(mock.requests[0]!.path, "/v1/models");
  assert.equal(mock.requests[0]!.headers.authorization, "Bearer sk-good");

  const refused = await checkProviderKey({ provider: "groq", key: "sk-wrong-key-123", baseUrl: mock.url });
  assert.equal(refused.status, "refused");
  assert.equal(refused.httpStatus, 401);
  assert.match(refused.message, /^groq refused the key \(401: Incorrect API key provided/);
  assert.doesNotMatch(JSON.stringify(refused), /sk-wrong-key-123/, "the key is never in the result");
});

test("Anthropic: GET /v1/models with x-api-key and anthropic-version", async (t) => {
  const mock = await startAnthropicMock({ apiKey: "ak-good" });
  t.after(() => mock.close());
  const ok = await checkProviderKey({ provider: "anthropic", key: "ak-good", baseUrl: mock.url });
  assert.equal(ok.status, "ok", ok.message);
  assert.deepEqual(ok.models, ["claude-sonnet-4-20250514", "claude-3-5-haiku-20241022"]);
  const req = mock.requests[0]!;
  assert.equal(req.path, "/v1/models?limit=100");
  assert.equal(req.headers["x-api-key"], "ak-good");
  assert.equal(req.headers["anthropic-version"], "2023-06-01");
  const refused = await checkProviderKey({ provider: "anthropic", key: "ak-bad", baseUrl: mock.url });
  assert.equal(refused.status, "refused");
  assert.match(refused.message, /anthropic refused the key \(401: invalid x-api-key\)/);
});

test("Gemini: GET /v1beta/models?key=...; its 400 'API key not valid' is a refusal", async (t) => {
  const mock = await startGeminiMock({ apiKey: "g-good" });
  t.after(() => mock.close());
  const ok = await checkProviderKey({ provider: "gemini", key: "g-good", baseUrl: mock.url });
  assert.equal(ok.status, "ok", ok.message);
  assert.deepEqual(ok.models, ["gemini-2.0-flash"]);
  assert.match(mock.requests[0]!.path, /^\/v1beta\/models\?key=g-good&/);
  const refused = await checkProviderKey({ provider: "gemini", key: "g-bad-secret", baseUrl: mock.url });
  assert.equal(refused.status, "refused");
  assert.equal(refused.httpStatus, 400);
  assert.doesNotMatch(refused.message, /g-bad-secret/);
});

test("a provider that does not answer is 'unreachable', another status is 'unexpected'", async (t) => {
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const down = await checkProviderKey({ provider: "openai", key: "sk-x", baseUrl: `http://127.0.0.1:${port}/v1` });
  assert.equal(down.status, "unreachable");
  assert.match(down.message, /Could not reach openai at 127\.0\.0\.1:\d+ to check the key: .*ECONNREFUSED/);

  const mock = await startOpenAIMock({ apiKey: "sk-good" });
  t.after(() => mock.close());
  mock.failNext({ status: 503 });
  const odd = await checkProviderKey({ provider: "openai", key: "sk-good", baseUrl: mock.url });
  assert.equal(odd.status, "unexpected");
  assert.equal(odd.httpStatus, 503);
  assert.match(odd.message, /openai answered 503 .*so the key could not be checked/);

  mock.failNext({ headerDelayMs: 500 });
  const slow = await checkProviderKey({ provider: "openai", key: "sk-good", baseUrl: mock.url }, { timeoutMs: 50 });
  assert.equal(slow.status, "unreachable");
});

test("keys are only sent to loopback, the provider's own host or allowed hosts", async () => {
  const refuse = async (input: Parameters<typeof checkProviderKey>[0], code: string) =>
    assert.rejects(checkProviderKey(input, { fetch: () => assert.fail("nothing may be fetched") }), (e: unknown) => e instanceof FaroError && e.status === 400 && e.code === code);
  await refuse({ provider: "openai", key: "k", baseUrl: "https://evil.example/v1" }, "host_not_allowed");
  await refuse({ provider: "nope", key: "k" }, "unknown_provider");
  await refuse({ provider: "local", key: "k" }, "unknown_provider");
  await refuse({ provider: "azure-openai", key: "k" }, "missing_base_url");
  await refuse({ provider: "openai", key: null }, "missing_key");
  await refuse({ provider: "openai", key: "k", baseUrl: "ftp://127.0.0.1/" }, "invalid_base_url");
  // Allowed: the preset's own host, and config allowed_hosts.
  const seen: string[] = [];
  const record = (async (url: string | URL | Request) => {
    seen.push(String(url));
    return Response.json({ data: [] });
  }) as typeof fetch;
  assert.equal((await checkProviderKey({ provider: "openai", key: "k" }, { fetch: record })).status, "ok");
  assert.equal((await checkProviderKey({ provider: "openai", key: "k", baseUrl: "https://llm.internal/v1" }, { fetch: record, allowedHosts: ["llm.internal"] })).status, "ok");
  assert.equal((await checkProviderKey({ provider: "ollama", key: null }, { fetch: record })).status, "ok");
  assert.deepEqual(seen, ["https://api.openai.com/v1/models", "https://llm.internal/v1/models", "http://127.0.0.1:11434/v1/models"]);
});
