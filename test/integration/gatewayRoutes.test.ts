/**
 * The gateway's routes beyond chat, end to end through faro serve: audio and image requests
 * passed through to a provider (multipart uploads, status lines Node has no phrase for), and
 * GET /v1/models asking a provider for its own list (x-portkey-provider), as Portkey proxies it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import type { Served } from "../fixtures/serve";
import { serveBesideOpenAIMock, stopBesideMock } from "../fixtures/serveFixture";
import type { MockServer } from "../fixtures/mocks/mockServer";
import { loggedRow } from "../fixtures/logRows";

let mock: MockServer;
let faro: Served;
let client: OpenAI;
const KEY = "test-key";

before(async () => ({ mock, server: faro, client } = await serveBesideOpenAIMock({ apiKey: KEY, models: [{ name: "tiny" }] })));
after(() => stopBesideMock(faro, mock));

describe("audio and images pass through", () => {
  test("a status Node has no phrase for keeps the provider's own, else its class's (not 'unknown'), answer or error", async () => {
    const { createServer } = await import("node:http");
    const replies: Array<[number, string]> = [[218, "This Is Fine"], [218, ""], [529, "Site Overloaded"], [529, ""]];
    const upstream = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const [status, phrase] = replies.shift()!;
        const body = status < 400 ? JSON.stringify({ created: 1, data: [{ url: "http://x/y.png" }] }) : JSON.stringify({ error: { message: "busy", type: "server_error" } });
        res.writeHead(status, phrase, { "content-type": "application/json" });
        res.end(body);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    const host = `http://127.0.0.1:${(upstream.address() as { port: number }).port}/v1`;
    try {
      const headers = { "content-type": "application/json", "x-portkey-config": JSON.stringify({ provider: "openai", custom_host: host, api_key: KEY }) };
      const seen: string[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${faro.baseURL}/images/generations`, { method: "POST", headers, body: JSON.stringify({ model: "dall-e-3", prompt: "a lighthouse" }) });
        await res.arrayBuffer();
        seen.push(`${res.status} ${res.statusText}`);
      }
      assert.deepEqual(seen, ["218 This Is Fine", "218 OK", "529 Site Overloaded", "529 Internal Server Error"]);
    } finally {
      upstream.close();
    }
  });

  test("a transcription upload keeps its bytes with the model rewritten; speech returns audio; local models refuse", async () => {
    const { createServer } = await import("node:http");
    const seen: Array<{ path: string; type: string; body: Buffer; auth: string }> = [];
    const upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({ path: req.url!, type: String(req.headers["content-type"]), body: Buffer.concat(chunks), auth: String(req.headers.authorization) });
        if (req.url === "/v1/audio/speech") {
          res.writeHead(200, { "content-type": "audio/mpeg" });
          res.end(Buffer.from([0xff, 0xfb, 0x90, 0x00]));
        } else {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ text: "hola mundo" }));
        }
      });
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    const host = `http://127.0.0.1:${(upstream.address() as { port: number }).port}/v1`;
    try {
      const headers = { "x-portkey-config": JSON.stringify({ provider: "openai", custom_host: host, api_key: KEY }) };
      const audio = new File([new Uint8Array([1, 2, 3, 13, 10, 4])], "a.wav", { type: "audio/wav" });
      const t = await client.audio.transcriptions.create({ model: "openai/whisper-1", file: audio }, { headers });
      assert.equal(t.text, "hola mundo");
      const sent = seen[0]!;
      assert.equal(sent.path, "/v1/audio/transcriptions");
      assert.equal(sent.auth, `Bearer ${KEY}`);
      const form = await new Request("http://x", { method: "POST", body: new Uint8Array(sent.body), headers: { "content-type": sent.type } }).formData();
      assert.equal(form.get("model"), "whisper-1");
      assert.deepEqual([...new Uint8Array(await (form.get("file") as File).arrayBuffer())], [1, 2, 3, 13, 10, 4]);

      const speech = await client.audio.speech.create({ model: "tts-1", voice: "alloy", input: "hola" }, { headers });
      assert.deepEqual([...new Uint8Array(await speech.arrayBuffer())], [0xff, 0xfb, 0x90, 0x00]);
      assert.equal(JSON.parse(seen[1]!.body.toString()).model, "tts-1");

      await assert.rejects(
        client.images.generate({ model: "tiny", prompt: "a lighthouse" }),
        (e: unknown) => e instanceof OpenAI.BadRequestError && /cannot do image generation/.test(e.message),
      );
    } finally {
      upstream.close();
    }
  });
});

describe("a relayed answer that breaks off", () => {
  test("the client's connection is cut too, the log names the provider, and Faro keeps serving", async () => {
    mock.reset();
    mock.failNext({ disconnectAfterChunks: 1 }); // half the image JSON, then the socket closes
    const res = await fetch(`${faro.baseURL}/images/generations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-portkey-config": JSON.stringify({ provider: "openai", custom_host: mock.url, api_key: KEY }) },
      body: JSON.stringify({ model: "dall-e-3", prompt: "a lighthouse" }),
    });
    assert.equal(res.status, 200); // the headers had gone out before the provider broke off
    await assert.rejects(res.text(), { name: "TypeError" }); // the body ends in an error, not short and whole-looking
    const row = await loggedRow(faro.home, res.headers.get("x-request-id")!);
    assert.equal(row.status, 502);
    assert.match(String(row.error), /Provider 'openai': the connection broke off mid-answer/);
    const after = await client.images.generate({ model: "dall-e-3", prompt: "again" }, { headers: { "x-portkey-config": JSON.stringify({ provider: "openai", custom_host: mock.url, api_key: KEY }) } });
    assert.equal(after.data?.length, 1);
  });
});

describe("GET /v1/models with x-portkey-provider", () => {
  const models = (headers: Record<string, string>) => fetch(`${faro.baseURL}/models`, { headers });
  const ids = async (res: Response) => ((await res.json()) as { data: Array<{ id: string; object: string }> }).data.map((m) => `${m.object}:${m.id}`);

  test("lists that provider's models in OpenAI's shape, as Portkey proxies them (OpenAI SDK, Anthropic and Gemini mocks)", async () => {
    const { startAnthropicMock } = await import("../fixtures/mocks/anthropic");
    const { startGeminiMock } = await import("../fixtures/mocks/gemini");
    const anthropic = await startAnthropicMock({ apiKey: KEY });
    const gemini = await startGeminiMock({ apiKey: KEY });
    try {
      const portkey = { "x-portkey-provider": "openai", "x-portkey-custom-host": mock.url, authorization: `Bearer ${KEY}` };
      const listed = await client.models.list({ headers: portkey });
      assert.deepEqual(listed.data.map((m) => m.id), ["gpt-4o-mini", "text-embedding-3-small"]);
      const res = await models({ "x-portkey-provider": "anthropic", "x-portkey-custom-host": anthropic.url, authorization: `Bearer ${KEY}` });
      assert.equal(res.status, 200);
      assert.deepEqual(await ids(res), ["model:claude-sonnet-4-20250514", "model:claude-3-5-haiku-20241022"]);
      const google = await models({ "x-portkey-provider": "google", "x-portkey-custom-host": gemini.url, authorization: `Bearer ${KEY}` });
      assert.deepEqual(await ids(google), ["model:gemini-2.0-flash"]);
      // `local` is Faro's own list.
      assert.deepEqual(await ids(await models({ "x-portkey-provider": "local" })), ["model:tiny"]);
    } finally {
      await anthropic.close();
      await gemini.close();
    }
  });

  test("azure-openai lists the resource's models (Azure's Models - List, as Portkey proxies it) in OpenAI's shape", async () => {
    mock.reset();
    const azure = { "x-portkey-provider": "azure-openai", "x-portkey-custom-host": mock.url.replace(/\/v1$/, ""), authorization: `Bearer ${KEY}`, "x-portkey-azure-api-version": "2024-10-21" };
    const res = await models(azure);
    assert.equal(res.status, 200);
    const listed = (await res.json()) as { data: Array<{ id: string; object: string; created: number; owned_by: string; capabilities?: unknown }> };
    assert.deepEqual(listed.data.map((m) => [m.id, m.object, m.created, m.owned_by]), [["gpt-4o", "model", 1715558400, "azure-openai"], ["text-embedding-3-small", "model", 1715558400, "azure-openai"]]);
    assert.ok(listed.data[0]!.capabilities, "Azure's own fields are kept");
    const sent = mock.requests[0]!;
    assert.equal(sent.path, "/openai/models?api-version=2024-10-21");
    assert.equal(sent.headers["api-key"], KEY, "Azure's key header, not a bearer");
    // Without a resource (name or host) there is nothing to ask: the 400 says what to send.
    const { "x-portkey-custom-host": _host, ...noResource } = azure;
    const refused = await models(noResource);
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /needs the resource: send x-portkey-azure-resource-name/);
    assert.equal(mock.requests.length, 1);
  });

  test("a provider with no key, one that cannot be reached, or one that refuses the key: OpenAI-shaped errors naming it", async () => {
    const error = async (res: Response) => ({ status: res.status, ...((await res.json()) as { error: { message: string; type: string; code: string | null } }).error });
    const noKey = await error(await models({ "x-portkey-provider": "groq" }));
    assert.equal(noKey.status, 401);
    assert.equal(noKey.type, "authentication_error");
    assert.equal(noKey.code, "missing_provider_key");
    assert.match(noKey.message, /groq.*GROQ_API_KEY/);
    const down = await error(await models({ "x-portkey-provider": "openai", "x-portkey-custom-host": "http://127.0.0.1:1/v1", authorization: `Bearer ${KEY}` }));
    assert.equal(down.status, 502);
    assert.equal(down.code, "upstream_unreachable");
    assert.match(down.message, /Provider 'openai'.*could not reach/);
    const refused = await error(await models({ "x-portkey-provider": "openai", "x-portkey-custom-host": mock.url, authorization: "Bearer wrong" }));
    assert.equal(refused.status, 401);
    assert.match(refused.message, /Provider 'openai' answered 401: Incorrect API key/);
    const unknown = await error(await models({ "x-portkey-provider": "nope" }));
    assert.deepEqual([unknown.status, unknown.code], [400, "unknown_provider"]);
  });
});
