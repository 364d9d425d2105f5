/**
 * The endpoint's guards probed with raw HTTP: DNS rebinding (Host), browser Origins, API key,
 * body size, malformed JSON, unknown routes and methods. Every refusal is OpenAI-shaped.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import OpenAI from "openai";
import { CLI, serve, tempDir, type Served } from "../fixtures/serve";
import { raw, type RawResponse } from "../fixtures/rawHttp";
import { writeTinyModel } from "../fixtures/models";
import { startOpenAIMock } from "../fixtures/mocks/openai";
import { Portkey } from "portkey-ai";

const ALLOWED = "http://localhost:5173";
let open: Served;
let locked: Served;
let modelsDir: string;

before(async () => {
  modelsDir = await tempDir("faro-models-");
  await writeTinyModel(modelsDir, { name: "tiny" });
  open = await serve(["--models-dir", modelsDir, "--allowed-origin", ALLOWED]);
  locked = await serve(["--models-dir", modelsDir], { FARO_API_KEY: "s3cret-key" });
});

after(async () => {
  assert.equal(await open.stop(), 0);
  assert.equal(await locked.stop(), 0);
});

function assertOpenAIError(res: RawResponse, status: number, code: string | null) {
  assert.equal(res.status, status, res.body);
  assert.match(String(res.headers["content-type"]), /application\/json/);
  const { error } = res.json();
  assert.equal(typeof error.message, "string");
  assert.ok(error.message.length > 10);
  assert.equal(typeof error.type, "string");
  assert.ok("param" in error && "code" in error);
  assert.equal(error.code, code);
  assert.match(String(res.headers["x-request-id"]), /^(req|chatcmpl)-[0-9a-f]{32}$/);
}

const chatBody = JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 2 });
const post = (port: number, body: string | Buffer, headers: Record<string, string> = {}) =>
  raw(port, { method: "POST", path: "/v1/chat/completions", body, headers: { "content-type": "application/json", ...headers } });

describe("Host (DNS rebinding)", () => {
  for (const host of ["localhost", "127.0.0.1", "[::1]", "app.localhost"]) {
    test(`accepts loopback Host ${host}`, async () => {
      const res = await raw(open.port, { path: "/v1/models", headers: { host: `${host}:${open.port}` } });
      assert.equal(res.status, 200);
    });
  }
  for (const host of ["evil.example", "192.168.1.10", "localhost.evil.example"]) {
    test(`refuses Host ${host} with 403`, async () => {
      const res = await raw(open.port, { path: "/v1/models", headers: { host: `${host}:${open.port}` } });
      assertOpenAIError(res, 403, "invalid_host");
    });
  }
});

describe("Origin", () => {
  test("a browser Origin that is not allow-listed gets 403", async () => {
    assertOpenAIError(await raw(open.port, { path: "/v1/models", headers: { origin: "http://evil.example" } }), 403, "origin_not_allowed");
    assertOpenAIError(await raw(locked.port, { path: "/health", headers: { origin: ALLOWED } }), 403, "origin_not_allowed");
  });

  test("an allow-listed Origin gets CORS headers and a preflight answer", async () => {
    const res = await raw(open.port, { path: "/v1/models", headers: { origin: ALLOWED } });
    assert.equal(res.status, 200);
    assert.equal(res.headers["access-control-allow-origin"], ALLOWED);
    const pre = await raw(open.port, { method: "OPTIONS", path: "/v1/chat/completions", headers: { origin: ALLOWED, "access-control-request-method": "POST" } });
    assert.equal(pre.status, 204);
    assert.match(String(pre.headers["access-control-allow-headers"]), /authorization/);
    assert.match(String(pre.headers["access-control-allow-headers"]), /x-portkey-api-key/, "a Portkey client in a browser sends Faro's key there");
  });

  test("a preflight allows every header the Portkey SDK sends from a browser, and exposes the routing and retry headers", async () => {
    const pre = await raw(open.port, { method: "OPTIONS", path: "/v1/chat/completions", headers: { origin: ALLOWED, "access-control-request-method": "POST" } });
    const allowed = String(pre.headers["access-control-allow-headers"]).split(/,\s*/);
    // portkey-ai's baseClient and getPlatformProperties (browser branch), and its customHost / strictOpenAiCompliance options.
    for (const h of ["x-portkey-package-version", "x-portkey-runtime", "x-portkey-runtime-version", "x-portkey-custom-host", "x-portkey-strict-open-ai-compliance", "x-portkey-azure-deployment-id", "x-portkey-virtual-key"]) {
      assert.ok(allowed.includes(h), h);
    }
    const res = await raw(open.port, { path: "/v1/models", headers: { origin: ALLOWED } });
    const exposed = String(res.headers["access-control-expose-headers"]).split(/,\s*/);
    for (const h of ["retry-after", "retry-after-ms", "x-portkey-last-used-option-index", "x-portkey-retry-attempt-count"]) assert.ok(exposed.includes(h), h);
  });
});

describe("API key", () => {
  test("missing or wrong token gets 401; the right one passes; /health needs none", async () => {
    assertOpenAIError(await raw(locked.port, { path: "/v1/models" }), 401, "missing_api_key");
    assertOpenAIError(await raw(locked.port, { path: "/v1/models", headers: { authorization: "Bearer nope" } }), 401, "invalid_api_key");
    assertOpenAIError(await raw(locked.port, { path: "/v1/models", headers: { authorization: "s3cret-key" } }), 401, "invalid_authorization_header");
    assert.equal((await raw(locked.port, { path: "/v1/models", headers: { authorization: "Bearer s3cret-key" } })).status, 200);
    assert.equal((await raw(locked.port, { path: "/health" })).status, 200);
  });

  test("the official SDK authenticates with the key, and fails without it", async () => {
    const good = new OpenAI({ baseURL: locked.baseURL, apiKey: "s3cret-key", maxRetries: 0 });
    assert.ok((await good.models.list()).data.length >= 1);
    const bad = new OpenAI({ baseURL: locked.baseURL, apiKey: "wrong", maxRetries: 0 });
    await assert.rejects(bad.models.list(), OpenAI.AuthenticationError);
  });

  test("a Portkey client sends Faro's key as x-portkey-api-key and the provider's as Authorization: each goes where it belongs", async () => {
    const mock = await startOpenAIMock({ apiKey: "sk-provider" });
    try {
      const portkey = (key: string) =>
        new Portkey({ apiKey: key, baseURL: locked.baseURL, provider: "openai", Authorization: "Bearer sk-provider", customHost: mock.url, maxRetries: 0 });
      const r = (await portkey("s3cret-key").chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })) as { choices: unknown[] };
      assert.equal(r.choices.length, 1);
      assert.equal(mock.requests.at(-1)!.headers.authorization, "Bearer sk-provider");
      await assert.rejects(portkey("wrong").chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }), (e: unknown) => {
        assert.equal((e as { status?: number }).status, 401);
        return true;
      });
      assert.equal(mock.requests.length, 1, "a refused request never reaches the provider");
    } finally {
      await mock.close();
    }
  });

  test("the key never appears in the log", () => {
    assert.doesNotMatch(locked.stderr() + locked.stdout(), /s3cret-key/);
  });

  test("binding beyond loopback without a key is refused at start-up", () => {
    const r = spawnSync(process.execPath, [CLI, "serve", "--host", "0.0.0.0", "--port", "0", "--home", modelsDir], {
      env: { ...process.env, FARO_API_KEY: "" },
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /API key/);
  });
});

describe("bad requests", () => {
  test("malformed JSON is a 400 invalid_json", async () => {
    assertOpenAIError(await post(open.port, '{"model": "tiny", '), 400, "invalid_json");
  });

  test("a body that is not an object, or empty, is a 400", async () => {
    assertOpenAIError(await post(open.port, "[1,2]"), 400, "invalid_body");
    assertOpenAIError(await post(open.port, ""), 400, "invalid_body");
  });

  test("a missing field is a 400 naming the param", async () => {
    const res = await post(open.port, JSON.stringify({ model: "tiny" }));
    assertOpenAIError(res, 400, "missing_required_parameter");
    assert.equal(res.json().error.param, "messages");
  });

  test("a body over the limit is a 413, declared or streamed", async () => {
    const big = Buffer.alloc(9 * 1024 * 1024, 0x20);
    assertOpenAIError(await post(open.port, big), 413, "request_too_large");
    // Chunked (no content-length): the limit is enforced while reading.
    assertOpenAIError(await post(open.port, big, { "transfer-encoding": "chunked" }), 413, "request_too_large");
    // The server is still healthy afterwards.
    assert.equal((await post(open.port, chatBody)).status, 200);
  });

  test("an unknown route is a 404 and a wrong method a 405 with Allow", async () => {
    assertOpenAIError(await raw(open.port, { path: "/v1/nope" }), 404, "unknown_url");
    // A doubled slash is a path, not a host: "//v1/models" is /v1/models.
    assert.equal((await raw(open.port, { path: "//v1/models" })).status, 200);
    // Dot segments and escapes are resolved as URL resolves them; a query is not part of the path.
    assert.equal((await raw(open.port, { path: "/v1/./nope/../models" })).status, 200);
    const queried = await raw(open.port, { path: "/v1/models?limit=1" });
    assert.equal(queried.status, 200);
    assertOpenAIError(await raw(open.port, { path: "/v1/%6Dodels" }), 404, "unknown_url");
    // The log keeps the path, never the query (it may carry what a client should not have put there).
    const id = String(queried.headers["x-request-id"]);
    let row: { route: string } | undefined;
    for (let i = 0; i < 50 && !row; i++) {
      const logged = (await raw(open.port, { path: "/v1/logs?limit=50" })).json() as { data: Array<{ id: string; route: string }> };
      row = logged.data.find((r) => r.id === id);
      if (!row) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(row?.route, "GET /v1/models");
    const res = await raw(open.port, { path: "/v1/chat/completions" });
    assertOpenAIError(res, 405, "method_not_allowed");
    assert.equal(res.headers.allow, "POST");
  });
});
