/**
 * The native provider families over real loopback HTTP against their mock servers: what goes
 * on the wire, answers and streams as ChatEvents, and every failure the mocks can inject.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chatCompletionRequestSchema, embeddingRequestSchema, parseBody } from "../../server/gateway/schema";
import { ChoiceCollector } from "../../server/gateway/openaiShape";
import { AnthropicUpstream } from "../../server/providers/anthropic/anthropicUpstream";
import { toMessagesBody } from "../../server/providers/anthropic/request";
import { GeminiUpstream } from "../../server/providers/gemini/geminiUpstream";
import { toGenerateContentBody } from "../../server/providers/gemini/request";
import type { ChatEvent, RequestContext } from "../../server/providers/types";
import { UpstreamError, type Target, type Upstream } from "../../server/providers/upstream";
import { startAnthropicMock } from "../fixtures/mocks/anthropic";
import { startGeminiMock } from "../fixtures/mocks/gemini";
import type { MockServer } from "../fixtures/mocks/mockServer";
import type { ChatCompletionRequest } from "../../server/gateway/schema";

interface Family {
  name: string;
  upstream: Upstream;
  start: () => Promise<MockServer>;
  model: string;
  path: (stream: boolean) => string;
  headers: Record<string, string>;
  wireBody: (req: ChatCompletionRequest, model: string) => unknown;
  /** SSE frames before the first text piece arrives. */
  framesBeforeText: number;
  overloaded: { status: number; code: string };
  rateLimitCode: string;
  badKey: { status: number; message: RegExp };
}

const FAMILIES: Family[] = [
  {
    name: "anthropic",
    upstream: new AnthropicUpstream(),
    start: startAnthropicMock,
    model: "claude-3-5-haiku-latest",
    path: () => "/v1/messages",
    headers: { "x-api-key": "test-key", "anthropic-version": "2023-06-01", "content-type": "application/json" },
    wireBody: toMessagesBody,
    framesBeforeText: 3, // message_start, content_block_start, ping
    overloaded: { status: 529, code: "overloaded_error" },
    rateLimitCode: "rate_limit_error",
    badKey: { status: 401, message: /invalid x-api-key/ },
  },
  {
    name: "gemini",
    upstream: new GeminiUpstream(),
    start: startGeminiMock,
    model: "gemini-2.0-flash",
    path: (stream) => `/v1beta/models/gemini-2.0-flash:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`,
    headers: { "x-goog-api-key": "test-key", "content-type": "application/json" },
    wireBody: (req) => toGenerateContentBody(req),
    framesBeforeText: 0,
    overloaded: { status: 503, code: "unavailable" },
    rateLimitCode: "resource_exhausted",
    badKey: { status: 400, message: /API key not valid/ },
  },
];

const request = (extra: Record<string, unknown> = {}) =>
  parseBody(chatCompletionRequestSchema, { model: "x", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "hello over there" }], ...extra });
const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { input: { type: "string" } } } } }];
const context = (signal = new AbortController().signal): RequestContext => ({ signal, requestId: "req1", priority: null });

async function run(f: Family, target: Target, req: ChatCompletionRequest, ctx = context()): Promise<{ events: ChatEvent[]; error: unknown }> {
  const events: ChatEvent[] = [];
  try {
    for await (const e of f.upstream.chat(target, req, ctx)) events.push(e);
    return { events, error: null };
  } catch (error) {
    return { events, error };
  }
}

const texts = (events: ChatEvent[]) => events.flatMap((e) => (e.type === "text" ? [e.text] : []));
const isUpstream = (status: number, code: string | null, provider: string) => (e: unknown) => {
  assert.ok(e instanceof UpstreamError, `expected an UpstreamError, got ${String(e)}`);
  assert.deepEqual([e.status, e.code, e.provider], [status, code, provider]);
  return true;
};

for (const f of FAMILIES) {
  describe(`${f.name} family against its mock`, () => {
    let mock: MockServer;
    let target: Target;
    before(async () => {
      mock = await f.start();
      target = { provider: f.name, model: f.model, apiKey: "test-key", baseUrl: mock.url, headers: {}, timeoutMs: 5000 };
    });
    after(() => mock.close());

    test("non-streaming: exact events; the request carried the key headers and the translated body", async () => {
      mock.reset();
      const req = request();
      const { events, error } = await run(f, target, req);
      assert.equal(error, null);
      assert.deepEqual(events, [
        { type: "text", index: 0, text: "hello over there" },
        { type: "choice_end", index: 0, finishReason: "stop" },
        { type: "usage", usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } },
      ]);
      const sent = mock.requests[0]!;
      assert.equal(sent.method, "POST");
      assert.equal(sent.path, f.path(false));
      for (const [k, v] of Object.entries(f.headers)) assert.equal(sent.headers[k], v, k);
      assert.deepEqual(sent.body, f.wireBody(req, f.model));
    });

    test("streaming: text arrives piece by piece, then the finish and usage", async () => {
      mock.reset();
      const { events, error } = await run(f, target, request({ stream: true }));
      assert.equal(error, null);
      assert.deepEqual(texts(events), ["hello ", "over ", "there"]);
      assert.deepEqual(events.slice(-2), [
        { type: "choice_end", index: 0, finishReason: "stop" },
        { type: "usage", usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } },
      ]);
      assert.equal(mock.requests[0]!.path, f.path(true));
      assert.equal(mock.requests[0]!.headers.accept, "text/event-stream");
    });

    test("tool calls, whole and streamed, and a tool result sent back", async () => {
      mock.reset();
      const whole = await run(f, target, request({ tools }));
      const call = whole.events.find((e) => e.type === "tool_calls");
      assert.ok(call?.type === "tool_calls", JSON.stringify(whole.events));
      assert.deepEqual(call.calls.map((c) => [c.name, c.arguments]), [["lookup", '{"input":"hello over there"}']]);
      assert.deepEqual(whole.events.at(-2), { type: "choice_end", index: 0, finishReason: "tool_calls" });

      const streamed = await run(f, target, request({ tools, stream: true }));
      const collector = new ChoiceCollector();
      for (const e of streamed.events) if (e.type !== "usage") collector.add(e);
      const choice = collector.chatCompletion({ id: "c", created: 0, model: "m" }, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }).choices[0]!;
      assert.equal(choice.finish_reason, "tool_calls");
      const [streamedCall] = choice.message.tool_calls ?? [];
      assert.ok(streamedCall?.type === "function");
      assert.deepEqual([streamedCall.function.name, streamedCall.function.arguments], ["lookup", '{"input":"hello over there"}']);
      assert.ok(streamedCall.id.length > 0);

      const id = call.calls[0]!.id;
      const followUp = request({
        tools,
        messages: [
          { role: "user", content: "weather?" },
          { role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name: "lookup", arguments: call.calls[0]!.arguments } }] },
          { role: "tool", tool_call_id: id, content: "sunny and warm" },
        ],
      });
      const answer = await run(f, target, followUp);
      assert.deepEqual(texts(answer.events), ["sunny and warm"], "the mock read the tool result where the provider expects it");
    });

    test("an HTTP error with a retry delay is an UpstreamError from the first next(), with retryAfterMs", async () => {
      mock.reset();
      mock.failNext({ status: 429, retryAfterMs: 50 });
      const { events, error } = await run(f, target, request({ stream: true }));
      assert.deepEqual(events, []);
      assert.ok(isUpstream(429, f.rateLimitCode, f.name)(error));
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.retryAfterMs, 50);
      assert.equal(error.type, "rate_limit_error");
      assert.match(error.message, new RegExp(`^Provider '${f.name}' answered 429: \\S`));
      mock.failNext({ status: f.overloaded.status });
      assert.ok(isUpstream(f.overloaded.status, f.overloaded.code, f.name)((await run(f, target, request())).error));
    });

    test("a wrong key is the provider's own answer", async () => {
      const { error } = await run(f, { ...target, apiKey: "wrong" }, request());
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.status, f.badKey.status);
      assert.match(error.message, f.badKey.message);
      assert.doesNotMatch(error.message, /wrong/, "the key itself is never echoed");
    });

    test("a connection cut mid-stream is a 502 after the text that arrived", async () => {
      mock.reset();
      mock.failNext({ disconnectAfterChunks: f.framesBeforeText + 1 });
      const { events, error } = await run(f, target, request({ stream: true }));
      assert.deepEqual(texts(events), ["hello "]);
      assert.ok(isUpstream(502, "upstream_stream_cut", f.name)(error));
      mock.failNext({ disconnectAfterChunks: 0 });
      assert.ok(isUpstream(502, "upstream_stream_cut", f.name)((await run(f, target, request())).error), "a JSON answer cut in half");
    });

    test("a malformed chunk and an in-stream error event are UpstreamErrors", async () => {
      mock.reset();
      mock.failNext({ malformedChunkAt: f.framesBeforeText + 1 });
      const bad = await run(f, target, request({ stream: true }));
      assert.deepEqual(texts(bad.events), ["hello "]);
      assert.ok(isUpstream(502, "upstream_bad_response", f.name)(bad.error));
      mock.failNext({ streamErrorAfterChunks: f.framesBeforeText + 2 });
      const failed = await run(f, target, request({ stream: true }));
      assert.deepEqual(texts(failed.events), ["hello ", "over "]);
      assert.ok(isUpstream(f.overloaded.status, f.overloaded.code, f.name)(failed.error));
    });

    test("timeouts are 408s: before the headers, and in the middle of a stream", async () => {
      mock.reset();
      mock.failNext({ headerDelayMs: 1500 });
      const started = Date.now();
      const early = await run(f, { ...target, timeoutMs: 150 }, request());
      assert.ok(isUpstream(408, "request_timeout", f.name)(early.error));
      assert.ok(Date.now() - started < 1400, "it did not wait for the slow provider");
      // Frames come every 300 ms; the deadline falls half-way between the first text and the next.
      mock.failNext({ chunkDelayMs: 300 });
      const late = await run(f, { ...target, timeoutMs: (f.framesBeforeText + 0.5) * 300 }, request({ stream: true }));
      assert.ok(isUpstream(408, "request_timeout", f.name)(late.error));
      assert.deepEqual(texts(late.events), ["hello "]);
    });

    test("a request cancelled by its client stops with the cancel, not a provider error", async () => {
      mock.reset();
      mock.failNext({ chunkDelayMs: 200 });
      const ac = new AbortController();
      const cancel = new Error("client went away");
      setTimeout(() => ac.abort(cancel), (f.framesBeforeText + 0.5) * 200).unref();
      const { events, error } = await run(f, target, request({ stream: true }), context(ac.signal));
      assert.deepEqual(texts(events), ["hello "]);
      assert.ok(!(error instanceof UpstreamError), `got ${String(error)}`);
      assert.ok(error instanceof Error);
    });
  });
}

test("gemini embeddings: one batchEmbedContents call, vectors in order, dimensions passed on", async () => {
  const mock = await startGeminiMock();
  try {
    const target: Target = { provider: "gemini", model: "text-embedding-004", apiKey: "test-key", baseUrl: mock.url, headers: {}, timeoutMs: 5000 };
    const req = parseBody(embeddingRequestSchema, { model: "gemini/text-embedding-004", input: ["alpha", "beta", "alpha"], dimensions: 4 });
    const out = await new GeminiUpstream().embed(target, req, context());
    assert.equal(out.vectors.length, 3);
    assert.ok(out.vectors.every((v) => v.length === 4));
    assert.deepEqual(out.vectors[0], out.vectors[2]);
    assert.notDeepEqual(out.vectors[0], out.vectors[1]);
    assert.equal(mock.requests.length, 1);
    assert.equal(mock.requests[0]!.path, "/v1beta/models/text-embedding-004:batchEmbedContents");
    assert.deepEqual(mock.requests[0]!.body, {
      requests: ["alpha", "beta", "alpha"].map((text) => ({ model: "models/text-embedding-004", content: { parts: [{ text }] }, outputDimensionality: 4 })),
    });
  } finally {
    await mock.close();
  }
});
