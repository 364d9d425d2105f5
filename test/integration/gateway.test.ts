/**
 * The gateway end to end: faro serve routing OpenAI SDK and Portkey SDK requests to a mock
 * OpenAI provider on loopback and to the local engine, with fallbacks, retries, timeouts,
 * aliases, Portkey headers and failures in and out of streams.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import OpenAI from "openai";
import { Portkey } from "portkey-ai";
import Database from "better-sqlite3";
import type { Served } from "../fixtures/serve";
import { serveBesideOpenAIMock, stopBesideMock } from "../fixtures/serveFixture";
import { loggedRow } from "../fixtures/logRows";
import { tokenLogprob } from "../fixtures/mocks/openai";
import type { MockServer } from "../fixtures/mocks/mockServer";

let mock: MockServer;
let faro: Served;
let client: OpenAI;
const KEY = "test-key";

before(async () => {
  const config = (url: string) => ({
    aliases: { "mock-gpt": { provider: "openai", custom_host: url, api_key: KEY, override_params: { model: "gpt-4o-mini" } } },
    configs: { "safe-chat": { strategy: { mode: "fallback" }, targets: [{ provider: "openai", custom_host: url, api_key: KEY, override_params: { model: "gpt-4o" } }, { provider: "local", override_params: { model: "tiny" } }] } },
  });
  ({ mock, server: faro, client } = await serveBesideOpenAIMock({ apiKey: KEY, models: [{ name: "tiny" }], config }));
});

after(() => stopBesideMock(faro, mock));

const hello = [{ role: "user" as const, content: "hello from the app" }];

const logged = (id: string) => loggedRow(faro.home, id);
const mockTarget = (extra: Record<string, unknown> = {}) => ({ provider: "openai", custom_host: mock.url, api_key: KEY, override_params: { model: "gpt-4o-mini" }, ...extra });
const withConfig = (config: unknown) => ({ headers: { "x-portkey-config": JSON.stringify(config) } });

describe("routing to a provider", () => {
  test("an alias from config.json routes a plain OpenAI request, JSON and streamed", async () => {
    mock.reset();
    const { data, response } = await client.chat.completions.create({ model: "mock-gpt", messages: hello }).withResponse();
    assert.equal(data.choices[0]!.message.content, "hello from the app");
    assert.equal(data.model, "gpt-4o-mini");
    assert.equal(response.headers.get("x-faro-provider"), "openai");
    assert.equal(response.headers.get("x-faro-retry-count"), "0");
    const sent = mock.requests[0]!;
    assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
    assert.equal((sent.body as { model: string }).model, "gpt-4o-mini");
    let text = "";
    for await (const c of await client.chat.completions.create({ model: "mock-gpt", messages: hello, stream: true })) text += c.choices[0]?.delta.content ?? "";
    assert.equal(text, "hello from the app");
  });

  test("logprobs from an OpenAI-compatible provider reach the client: JSON, and each streamed chunk with its own tokens", async () => {
    mock.reset();
    const expected = ["hello ", "from ", "the ", "app"].map((t, i) => tokenLogprob(t, i, 2));
    const json = await client.chat.completions.create({ model: "mock-gpt", messages: hello, logprobs: true, top_logprobs: 2 });
    assert.deepEqual(json.choices[0]!.logprobs?.content, expected);
    assert.deepEqual((mock.requests[0]!.body as { logprobs?: boolean; top_logprobs?: number }).top_logprobs, 2, "the parameters were sent on");
    const streamed: unknown[] = [];
    for await (const c of await client.chat.completions.create({ model: "mock-gpt", messages: hello, logprobs: true, top_logprobs: 2, stream: true })) {
      const lp = c.choices[0]?.logprobs?.content;
      if (lp) {
        assert.equal(lp.map((t) => t.token).join(""), c.choices[0]!.delta.content, "a chunk carries the logprobs of its own text");
        streamed.push(...lp);
      }
    }
    assert.deepEqual(streamed, expected);
  });

  test("Portkey's headers work unchanged: x-portkey-provider, custom host, the provider key as Bearer", async () => {
    const res = await fetch(`${faro.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-portkey-provider": "openai", "x-portkey-custom-host": mock.url, authorization: `Bearer ${KEY}`, "x-portkey-trace-id": "trace-1" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: hello }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-portkey-trace-id"), "trace-1");
    assert.equal((await logged(res.headers.get("x-request-id")!)).trace_id, "trace-1");
    assert.equal(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content, "hello from the app");
  });

  test("a custom host that is not loopback or allowed is refused before anything is sent; the log names the target", async () => {
    let id = "";
    await assert.rejects(
      client.chat.completions.create({ model: "gpt-4o", messages: hello }, withConfig({ provider: "openai", custom_host: "https://exfil.example/v1" })),
      (e: unknown) => e instanceof OpenAI.BadRequestError && e.code === "host_not_allowed" && Boolean((id = e.requestID!)),
    );
    const row = await logged(id);
    assert.deepEqual([row.status, row.provider, row.model], [400, "openai", "gpt-4o"]);
  });

  test("x-portkey-custom-host holds with a full config too, over every target's custom_host, as in Portkey", async () => {
    mock.reset();
    const dead = "http://127.0.0.1:1/v1";
    const config = { strategy: { mode: "fallback" }, targets: [{ provider: "openai", api_key: KEY, override_params: { model: "gpt-4o" } }, { provider: "openai", custom_host: dead, api_key: KEY }] };
    for (const header of ["x-portkey-config", "x-faro-config"]) {
      const { data, response } = await client.chat.completions
        .create({ model: "gpt-4o-mini", messages: hello }, { headers: { [header]: JSON.stringify(config), "x-portkey-custom-host": mock.url } })
        .withResponse();
      assert.equal(data.choices[0]!.message.content, "hello from the app");
      assert.equal(response.headers.get("x-portkey-last-used-option-index"), "config.targets[0]");
    }
    // A target's own custom_host (a dead port) gives way to the header's.
    const single = { provider: "openai", custom_host: dead, api_key: KEY, override_params: { model: "gpt-4o" } };
    const res = await client.chat.completions.create({ model: "x", messages: hello }, { headers: { "x-portkey-config": JSON.stringify(single), "x-portkey-custom-host": mock.url } });
    assert.equal(res.choices[0]!.message.content, "hello from the app");
    assert.equal(mock.requests.length, 3);
    // And it is checked like any custom host: no arbitrary host, config or not.
    await assert.rejects(
      client.chat.completions.create({ model: "x", messages: hello }, { headers: { "x-portkey-config": JSON.stringify(single), "x-portkey-custom-host": "https://exfil.example/v1" } }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && e.code === "host_not_allowed",
    );
    assert.equal(mock.requests.length, 3);
  });
});

describe("reliability", () => {
  test("fallback: a 503 from the provider falls back to the local model; headers say which option answered", async () => {
    mock.reset();
    mock.failNext({ status: 503 });
    const { data, response } = await client.chat.completions
      .create({ model: "ignored", messages: hello, max_tokens: 4 }, { headers: { "x-faro-config": "safe-chat" } })
      .withResponse();
    assert.equal(data.model, "tiny");
    assert.equal(response.headers.get("x-faro-provider"), "local");
    assert.equal(response.headers.get("x-faro-fallback-index"), "1");
    assert.equal(response.headers.get("x-portkey-last-used-option-index"), "config.targets[1]");
    const row = await logged(response.headers.get("x-request-id")!);
    assert.equal(row.fallback_index, 1);
    assert.equal(row.provider, "local");
  });

  test("retry honours Retry-After, then succeeds; the SDK sees one answer", async () => {
    mock.reset();
    mock.failNext({ status: 429, retryAfterMs: 30 }, 2);
    const { data, response } = await client.chat.completions
      .create({ model: "x", messages: hello }, withConfig(mockTarget({ retry: { attempts: 3 } })))
      .withResponse();
    assert.equal(data.choices[0]!.message.content, "hello from the app");
    assert.equal(response.headers.get("x-faro-retry-count"), "2");
    assert.equal(response.headers.get("x-portkey-retry-attempt-count"), "2");
    assert.equal(mock.requestCount >= 3, true);
    const row = await logged(response.headers.get("x-request-id")!);
    assert.equal(row.retries, 2);
    assert.equal(row.fallback_index, 0);
  });

  test("a provider error passes through with its status and says which provider it was", async () => {
    mock.failNext({ status: 400, message: "messages is too long" });
    await assert.rejects(client.chat.completions.create({ model: "mock-gpt", messages: hello }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.BadRequestError);
      assert.match(e.message, /Provider 'openai' answered 400: messages is too long/);
      return true;
    });
  });

  test("request_timeout answers 408 in OpenAI's shape", async () => {
    mock.failNext({ headerDelayMs: 400 });
    await assert.rejects(client.chat.completions.create({ model: "x", messages: hello }, withConfig(mockTarget({ request_timeout: 100 }))), (e: unknown) => {
      assert.ok(e instanceof OpenAI.APIError);
      assert.equal(e.status, 408);
      assert.equal(e.code, "request_timeout");
      return true;
    });
  });

  test("a fallback target whose custom_host is not allowed is logged as an attempt with its error, then the next answers", async () => {
    mock.reset();
    const config = { strategy: { mode: "fallback" }, targets: [mockTarget({ custom_host: "https://exfil.example/v1", override_params: { model: "gpt-4o" } }), mockTarget()] };
    const { response } = await client.chat.completions.create({ model: "x", messages: hello }, withConfig(config)).withResponse();
    assert.equal(response.headers.get("x-portkey-last-used-option-index"), "config.targets[1]");
    const row = await logged(response.headers.get("x-request-id")!);
    const attempts = JSON.parse(String(row.attempts)) as Array<{ model: string; status: number; error: string | null }>;
    assert.deepEqual(attempts.map((a) => [a.model, a.status]), [["gpt-4o", 400], ["gpt-4o-mini", 200]]);
    assert.match(attempts[0]!.error!, /custom_host 'exfil\.example' is not allowed/);
    assert.equal(mock.requests.length, 1);
  });

  test("a request every target failed is logged with the targets tried, the last one's provider and model, and its trace id", async () => {
    mock.reset();
    mock.failNext({ status: 503 }, 3);
    const config = { strategy: { mode: "fallback" }, targets: [mockTarget({ retry: { attempts: 1 } }), mockTarget({ override_params: { model: "gpt-4o" } })] };
    const res = await fetch(`${faro.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-portkey-config": JSON.stringify(config), "x-portkey-trace-id": "trace-failed" },
      body: JSON.stringify({ model: "x", messages: hello }),
    });
    assert.equal(res.status, 503);
    const row = await logged(res.headers.get("x-request-id")!);
    assert.equal(row.status, 503);
    assert.equal(row.provider, "openai");
    assert.equal(row.model, "gpt-4o");
    assert.equal(row.trace_id, "trace-failed");
    assert.equal(row.retries, 1);
    assert.equal(row.fallback_index, 1);
    const attempts = JSON.parse(String(row.attempts)) as Array<{ model: string; status: number }>;
    assert.deepEqual(attempts.map((a) => [a.model, a.status]), [["gpt-4o-mini", 503], ["gpt-4o-mini", 503], ["gpt-4o", 503]]);
  });

  test("a stream the client leaves midway is still counted and priced: the provider bills what it read and wrote", async () => {
    mock.reset();
    mock.failNext({ chunkDelayMs: 300 });
    const controller = new AbortController();
    const res = await fetch(`${faro.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-gpt", messages: [{ role: "user", content: "one two three four five six" }], stream: true, stream_options: { include_usage: true } }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes('"content":"one "')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const row = await logged(res.headers.get("x-request-id")!);
    assert.equal(row.status, 499);
    assert.ok((row.prompt_tokens as number) > 0, `prompt_tokens ${String(row.prompt_tokens)}`);
    assert.ok((row.completion_tokens as number) >= 1, `completion_tokens ${String(row.completion_tokens)}`);
    assert.ok((row.cost_usd as number) > 0, `cost_usd ${String(row.cost_usd)}`);
  });

  test("a client that leaves while the provider is still thinking is a 499 in the log, not an unexpected error", async () => {
    mock.reset();
    mock.failNext({ headerDelayMs: 400 });
    const before = faro.stderr().length;
    const startedAt = Date.now();
    const controller = new AbortController();
    const sent = fetch(`${faro.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-gpt", messages: hello }),
      signal: controller.signal,
    });
    while (mock.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await assert.rejects(sent, { name: "AbortError" });
    // The client never saw a request id: find the row by what it says.
    let row: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !row; i++) {
      const db = new Database(join(faro.home, "faro.db"), { readonly: true });
      row = db.prepare("SELECT * FROM requests WHERE status = 499 AND created_at >= ? AND stream = 0").get(startedAt) as Record<string, unknown> | undefined;
      db.close();
      if (!row) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(row, "no 499 row in the log");
    assert.doesNotMatch(faro.stderr().slice(before), /unexpected error|AbortError/);
    assert.equal(row.error, "client closed the connection before the response was complete");
    const attempts = JSON.parse(String(row.attempts)) as Array<{ status: number }>;
    assert.deepEqual(attempts.map((a) => a.status), [499]);
  });

  test("a stream that breaks after it started ends with an error event, and the log says so", async () => {
    mock.reset();
    mock.failNext({ disconnectAfterChunks: 2 });
    const res = await fetch(`${faro.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-gpt", messages: [{ role: "user", content: "one two three four five six" }], stream: true }),
    });
    assert.equal(res.status, 200);
    const text = await res.text();
    const events = text.split("\n\n").filter(Boolean);
    assert.match(events.at(-1)!, /^event: error\ndata: /, "named, so the Portkey SDK throws it too");
    const last = JSON.parse(events.at(-1)!.replace(/^event: error\ndata: /, "")) as { error?: { message: string } };
    assert.match(last.error?.message ?? "", /openai/);
    const id = res.headers.get("x-request-id")!;
    await new Promise((r) => setTimeout(r, 400));
    const db = new Database(join(faro.home, "faro.db"), { readonly: true });
    const row = db.prepare("SELECT status, error, provider FROM requests WHERE id = ?").get(id) as { status: number; error: string; provider: string };
    db.close();
    assert.equal(row.provider, "openai");
    assert.equal(row.status, 502);
    assert.match(row.error, /broke off|ended early/);
  });
});

describe("clients and secrets", () => {
  test("the Portkey SDK with a fallback config works against Faro", async () => {
    mock.reset();
    mock.failNext({ status: 500 });
    const portkey = new Portkey({
      apiKey: "unused",
      baseURL: faro.baseURL,
      config: { strategy: { mode: "fallback" }, targets: [mockTarget(), { provider: "local", override_params: { model: "tiny", max_tokens: 3 } }] },
    });
    const r = (await portkey.chat.completions.create({ model: "gpt-4o-mini", messages: hello })) as { model: string; choices: unknown[] };
    assert.equal(r.model, "tiny");
    assert.equal(r.choices.length, 1);
  });

  test("the Portkey SDK does not run again a request whose config already retried and fell back (Faro's 5xx is the gateway's answer)", async () => {
    mock.reset();
    mock.failNext({ status: 503 }, 6);
    // Models of their own: the failures must not open the circuit breaker of the other tests' targets.
    const target = (model: string, extra = {}) => mockTarget({ override_params: { model }, ...extra });
    const portkey = new Portkey({ apiKey: "unused", baseURL: faro.baseURL, config: { strategy: { mode: "fallback" }, targets: [target("gpt-4o-2024-08-06", { retry: { attempts: 1 } }), target("gpt-4o-2024-11-20")] } });
    const err = await portkey.chat.completions.create({ model: "x", messages: hello }).then(
      () => assert.fail("expected a 503"),
      (e: { status?: number }) => e,
    );
    assert.equal(err.status, 503);
    assert.equal(mock.requests.length, 3, "two tries of the first target and one of the second, once");
    mock.reset();
  });

  test("a stream that breaks after it started throws in the Portkey SDK, as in the OpenAI SDK, instead of yielding the error as a chunk", async () => {
    const portkey = new Portkey({ apiKey: "unused", baseURL: faro.baseURL, provider: "openai", Authorization: `Bearer ${KEY}`, customHost: mock.url });
    const openai = new OpenAI({ baseURL: faro.baseURL, apiKey: "unused", maxRetries: 0, defaultHeaders: { "x-portkey-config": JSON.stringify(mockTarget()) } });
    const ask = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "one two three four five six" }], stream: true as const };
    const read = async (stream: AsyncIterable<{ choices?: Array<{ delta?: { content?: string | null } }> }>) => {
      let text = "";
      for await (const c of stream) {
        assert.ok(c.choices, `a chunk without choices reached the app: ${JSON.stringify(c)}`);
        text += c.choices[0]?.delta?.content ?? "";
      }
      return text;
    };
    for (const stream of [() => portkey.chat.completions.create(ask), () => openai.chat.completions.create(ask)]) {
      mock.reset();
      mock.failNext({ disconnectAfterChunks: 2 });
      await assert.rejects(
        (async () => read((await stream()) as AsyncIterable<{ choices?: Array<{ delta?: { content?: string | null } }> }>))(),
        (e: Error) => !(e instanceof assert.AssertionError) && /broke off mid-answer/.test(e.message),
      );
    }
  });

  test("legacy completions reach an OpenAI-compatible provider (Portkey SDK): JSON, streamed, logprobs, usage in the log", async () => {
    mock.reset();
    const portkey = new Portkey({ apiKey: "unused", baseURL: faro.baseURL, provider: "openai", Authorization: `Bearer ${KEY}`, customHost: mock.url });
    const r = (await portkey.completions.create({ model: "gpt-3.5-turbo-instruct", prompt: "hello from the app", logprobs: 2 })) as unknown as {
      id: string;
      object: string;
      model: string;
      choices: Array<{ text: string; finish_reason: string; logprobs: { tokens: string[]; top_logprobs: Array<Record<string, number>> } | null }>;
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    assert.deepEqual([r.object, r.model, r.choices[0]!.text, r.choices[0]!.finish_reason], ["text_completion", "gpt-3.5-turbo-instruct", "hello from the app", "stop"]);
    assert.deepEqual(r.choices[0]!.logprobs?.tokens, ["hello ", "from ", "the ", "app"]);
    assert.deepEqual(Object.keys(r.choices[0]!.logprobs!.top_logprobs[0]!), ["hello ", "alt1"]);
    assert.equal(mock.requests[0]!.path, "/v1/completions");
    const row = await logged(r.id);
    assert.deepEqual([row.provider, row.model, row.prompt_tokens, row.completion_tokens], ["openai", "gpt-3.5-turbo-instruct", r.usage.prompt_tokens, r.usage.completion_tokens]);
    let text = "";
    let usage: unknown = null;
    const stream = (await portkey.completions.create({ model: "gpt-3.5-turbo-instruct", prompt: "hello from the app", stream: true, stream_options: { include_usage: true } } as never)) as unknown as AsyncIterable<{ choices: Array<{ text: string }>; usage?: unknown }>;
    for await (const c of stream) {
      text += c.choices[0]?.text ?? "";
      if (c.usage) usage = c.usage;
    }
    assert.equal(text, "hello from the app");
    assert.ok(usage, "the usage chunk came");
  });

  test("provider keys never reach the log table or the output", async () => {
    await new Promise((r) => setTimeout(r, 300));
    const db = new Database(join(faro.home, "faro.db"), { readonly: true });
    const rows = JSON.stringify(db.prepare("SELECT * FROM requests").all());
    db.close();
    assert.ok(rows.length > 100);
    assert.doesNotMatch(rows, new RegExp(KEY));
    assert.doesNotMatch(faro.stdout() + faro.stderr(), new RegExp(KEY));
  });
});

describe("broken answers", () => {
  test("a JSON answer cut off mid-body is a 502 naming the provider, not a crash", async () => {
    mock.failNext({ disconnectAfterChunks: 1 });
    await assert.rejects(client.chat.completions.create({ model: "mock-gpt", messages: hello }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.APIError);
      assert.equal(e.status, 502);
      assert.match(e.message, /openai/);
      return true;
    });
    mock.failNext({ malformedChunkAt: 0 });
    await assert.rejects(client.chat.completions.create({ model: "mock-gpt", messages: hello }), (e: unknown) => e instanceof OpenAI.APIError && e.status === 502);
    assert.equal((await fetch(`${faro.origin}/health`)).status, 200);
  });
});

describe("deadlines mid-stream", () => {
  test("a request_timeout that fires while a stream is flowing ends it with a 408 error event", async () => {
    mock.reset();
    mock.failNext({ chunkDelayMs: 150 });
    const res = await fetch(`${faro.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-portkey-config": JSON.stringify(mockTarget({ request_timeout: 250 })) },
      body: JSON.stringify({ model: "x", messages: [{ role: "user", content: "one two three four five six seven eight" }], stream: true }),
    });
    assert.equal(res.status, 200);
    const events = (await res.text()).split("\n\n").filter(Boolean);
    const last = JSON.parse(events.at(-1)!.replace(/^event: error\ndata: /, "")) as { error?: { code: string } };
    assert.equal(last.error?.code, "request_timeout");
  });
});
