/**
 * The provider mocks themselves: the OpenAI mock through the official SDK, and every injectable
 * failure observed from a raw HTTP client (frames, timing, headers, cut connections).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import OpenAI, { toFile } from "openai";
import { startOpenAIMock } from "../fixtures/mocks/openai";
import { startAnthropicMock } from "../fixtures/mocks/anthropic";
import { startGeminiMock } from "../fixtures/mocks/gemini";

interface RawResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** SSE frames (or the whole body), each with when it arrived (ms after the request). */
  frames: Array<{ text: string; at: number }>;
  headersAt: number;
  /** The error the response ended with, if the connection was cut. */
  error: Error | null;
}

function raw(url: string, body: unknown, headers: Record<string, string>, method = "POST"): Promise<RawResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { "content-type": "application/json", ...headers } }, (res) => {
      const result: RawResult = { status: res.statusCode ?? 0, headers: res.headers, frames: [], headersAt: Date.now() - started, error: null };
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        buffer += d;
        let end: number;
        while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
          result.frames.push({ text: buffer.slice(0, end), at: Date.now() - started });
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
        }
      });
      const finish = () => {
        if (buffer) result.frames.push({ text: buffer, at: Date.now() - started });
        resolve(result);
      };
      res.on("end", finish);
      res.on("error", (err) => {
        result.error = err;
        finish();
      });
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const AUTH = { authorization: "Bearer test-key" };
const chatBody = (extra: Record<string, unknown> = {}) => ({ model: "gpt-4o-mini", messages: [{ role: "user", content: "one two three" }], ...extra });
const SDK_BODY = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "one two three" }] };
const dataOf = (frame: string) => JSON.parse(frame.replace(/^data: /, "")) as Record<string, unknown>;

test("OpenAI mock through the official SDK: echo, usage, include_usage streams, tools, n, length, embeddings", async () => {
  const mock = await startOpenAIMock();
  const client = new OpenAI({ baseURL: mock.url, apiKey: "test-key", maxRetries: 0 });
  try {
    const r = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "system", content: "sys prompt" }, { role: "user", content: "hello world" }] });
    assert.equal(r.choices[0]!.message.content, "hello world");
    assert.equal(r.choices[0]!.finish_reason, "stop");
    assert.deepEqual([r.usage?.prompt_tokens, r.usage?.completion_tokens, r.usage?.total_tokens], [4, 2, 6]);

    const chunks = [];
    for await (const c of await client.chat.completions.create({ ...SDK_BODY, stream: true, stream_options: { include_usage: true } })) chunks.push(c);
    assert.deepEqual(chunks.map((c) => c.choices[0]?.delta.content ?? null), ["", "one ", "two ", "three", null, null]);
    assert.deepEqual(chunks.slice(0, -1).map((c) => c.usage), [null, null, null, null, null]);
    assert.deepEqual(chunks.at(-1)!.choices, []);
    assert.equal(chunks.at(-1)!.usage?.total_tokens, 6);
    const plain = [];
    for await (const c of await client.chat.completions.create({ ...SDK_BODY, stream: true })) plain.push(c);
    assert.ok(plain.every((c) => !("usage" in c)), "no usage field without include_usage");

    const tools = [{ type: "function" as const, function: { name: "lookup", parameters: { type: "object" } } }];
    const called = await client.chat.completions.create({ ...SDK_BODY, tools });
    assert.equal(called.choices[0]!.finish_reason, "tool_calls");
    const call = called.choices[0]!.message.tool_calls?.[0];
    assert.ok(call?.type === "function");
    assert.deepEqual([call.function.name, call.function.arguments], ["lookup", '{"input":"one two three"}']);

    const two = await client.chat.completions.create({ ...SDK_BODY, n: 2, max_tokens: 2 });
    assert.deepEqual(two.choices.map((c) => [c.index, c.message.content, c.finish_reason]), [[0, "one two", "length"], [1, "one two", "length"]]);
    const stopped = await client.chat.completions.create({ ...SDK_BODY, stop: [" three"] });
    assert.deepEqual([stopped.choices[0]!.message.content, stopped.choices[0]!.finish_reason], ["one two", "stop"]);

    const floats = await client.embeddings.create({ model: "text-embedding-3-small", input: ["a", "b"], encoding_format: "float" });
    const b64 = await client.embeddings.create({ model: "text-embedding-3-small", input: ["a", "b"], dimensions: 8 });
    assert.equal(floats.data[0]!.embedding.length, 8);
    assert.deepEqual(b64.data.map((d) => d.embedding), floats.data.map((d) => d.embedding), "base64 decodes to the same floats");
    assert.notDeepEqual(floats.data[0]!.embedding, floats.data[1]!.embedding);
    assert.deepEqual((await client.models.list()).data.map((m) => m.id), ["gpt-4o-mini", "text-embedding-3-small"]);

    await assert.rejects(new OpenAI({ baseURL: mock.url, apiKey: "nope", maxRetries: 0 }).models.list(), (e: unknown) => e instanceof OpenAI.AuthenticationError && /Incorrect API key/.test(e.message));
    const azure = await raw(`http://127.0.0.1:${mock.port}/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21`, { messages: [{ role: "user", content: "hi" }] }, { "api-key": "test-key" });
    assert.equal(azure.status, 200);
    assert.equal(dataOf(azure.frames[0]!.text).model, "my-gpt");
  } finally {
    await mock.close();
  }
});

test("failNext: status with the provider's error body and retry headers, for `times` requests, then normal answers", async () => {
  const mock = await startOpenAIMock();
  try {
    mock.failNext({ status: 429, retryAfterMs: 50, retryAfter: "1" }, 2);
    for (let i = 0; i < 2; i++) {
      const r = await raw(`${mock.url}/chat/completions`, chatBody(), AUTH);
      assert.equal(r.status, 429);
      assert.deepEqual([r.headers["retry-after-ms"], r.headers["retry-after"]], ["50", "1"]);
      assert.deepEqual(dataOf(r.frames[0]!.text), { error: { message: "Rate limit reached for requests. Please try again later.", type: "requests", param: null, code: "rate_limit_exceeded" } });
    }
    assert.equal((await raw(`${mock.url}/chat/completions`, chatBody(), AUTH)).status, 200);
    mock.failNext({ status: 500, message: "boom" });
    mock.reset();
    assert.equal((await raw(`${mock.url}/chat/completions`, chatBody(), AUTH)).status, 200, "reset forgets pending failures");
  } finally {
    await mock.close();
  }
});

test("delays, cut connections, malformed and error frames in a stream", async () => {
  const mock = await startOpenAIMock();
  const stream = () => raw(`${mock.url}/chat/completions`, chatBody({ stream: true }), AUTH);
  try {
    const normal = await stream();
    assert.deepEqual(normal.frames.map((f) => f.text).slice(-1), ["data: [DONE]"]);
    assert.equal(normal.frames.length, 6);

    mock.failNext({ headerDelayMs: 150, chunkDelayMs: 60 });
    const slow = await stream();
    assert.ok(slow.headersAt >= 140, `headers after ${slow.headersAt} ms`);
    const gaps = slow.frames.slice(1).map((f, i) => f.at - slow.frames[i]!.at);
    assert.ok(gaps.every((g) => g >= 50), `gaps ${gaps.join(",")}`);

    mock.failNext({ disconnectAfterChunks: 3 });
    const cut = await stream();
    assert.equal(cut.frames.length, 3);
    assert.ok(cut.error, "the response ended with an error, not a clean end");

    mock.failNext({ malformedChunkAt: 2 });
    const malformed = await stream();
    assert.equal(malformed.frames.length, 6);
    assert.throws(() => dataOf(malformed.frames[2]!.text), SyntaxError);
    assert.equal(dataOf(malformed.frames[3]!.text).object, "chat.completion.chunk");

    mock.failNext({ streamErrorAfterChunks: 2, message: "upstream exploded" });
    const failed = await stream();
    assert.equal(failed.frames.length, 3);
    assert.deepEqual(dataOf(failed.frames[2]!.text).error, { message: "upstream exploded", type: "server_error", param: null, code: null });
    assert.equal(failed.error, null, "the stream ends cleanly after the error frame");

    mock.failNext({ malformedChunkAt: 0 });
    const badJson = await raw(`${mock.url}/chat/completions`, chatBody(), AUTH);
    assert.throws(() => JSON.parse(badJson.frames.map((f) => f.text).join("")), SyntaxError);
    mock.failNext({ disconnectAfterChunks: 0 });
    assert.ok((await raw(`${mock.url}/chat/completions`, chatBody(), AUTH)).error, "a JSON answer cut in half");
  } finally {
    await mock.close();
  }
});

test("requests are recorded (method, path, headers, body) unless record is false; replyNext scripts one answer", async () => {
  const mock = await startOpenAIMock();
  const quiet = await startOpenAIMock({ record: false, apiKey: null });
  try {
    mock.replyNext({ text: "scripted", finishReason: "content_filter", usage: { promptTokens: 11, completionTokens: 22 } });
    const r = dataOf((await raw(`${mock.url}/chat/completions`, chatBody(), { ...AUTH, "x-trace": "t1" })).frames[0]!.text);
    assert.deepEqual(r.choices, [{ index: 0, message: { role: "assistant", content: "scripted", refusal: null, annotations: [] }, logprobs: null, finish_reason: "content_filter" }]);
    assert.equal((r.usage as { total_tokens: number }).total_tokens, 33);
    assert.equal(mock.requests.length, 1);
    const seen = mock.requests[0]!;
    assert.deepEqual([seen.method, seen.path, seen.headers["x-trace"], seen.body], ["POST", "/v1/chat/completions", "t1", chatBody()]);
    assert.equal(dataOf((await raw(`${quiet.url}/chat/completions`, chatBody(), {})).frames[0]!.text).object, "chat.completion", "apiKey null takes any request");
    assert.deepEqual([quiet.requests.length, quiet.requestCount], [0, 1]);
  } finally {
    await mock.close();
    await quiet.close();
  }
});

test("Anthropic mock: the headers and max_tokens it insists on, stop sequences, its error body", async () => {
  const mock = await startAnthropicMock();
  const headers = { "x-api-key": "test-key", "anthropic-version": "2023-06-01" };
  const body = { model: "claude", max_tokens: 50, messages: [{ role: "user", content: "alpha beta gamma" }] };
  try {
    const noVersion = await raw(`${mock.url}/messages`, body, { "x-api-key": "test-key" });
    assert.equal(noVersion.status, 400);
    assert.deepEqual(dataOf(noVersion.frames[0]!.text), { type: "error", error: { type: "invalid_request_error", message: "anthropic-version: header is required" } });
    assert.equal((await raw(`${mock.url}/messages`, body, { "anthropic-version": "2023-06-01" })).status, 401);
    assert.equal((await raw(`${mock.url}/messages`, { ...body, max_tokens: undefined }, headers)).status, 400);
    const stopped = dataOf((await raw(`${mock.url}/messages`, { ...body, stop_sequences: [" gamma"] }, headers)).frames[0]!.text);
    assert.deepEqual([stopped.content, stopped.stop_reason, stopped.stop_sequence], [[{ type: "text", text: "alpha beta" }], "stop_sequence", " gamma"]);
    mock.failNext({ status: 529, retryAfter: "2" });
    const overloaded = await raw(`${mock.url}/messages`, body, headers);
    assert.deepEqual([overloaded.status, overloaded.headers["retry-after"]], [529, "2"]);
    assert.deepEqual(dataOf(overloaded.frames[0]!.text), { type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
    const events = (await raw(`${mock.url}/messages`, { ...body, stream: true }, headers)).frames.map((f) => f.text.split("\n")[0]);
    assert.deepEqual(events, [
      "event: message_start",
      "event: content_block_start",
      "event: ping",
      ...Array(3).fill("event: content_block_delta"),
      "event: content_block_stop",
      "event: message_delta",
      "event: message_stop",
    ]);
  } finally {
    await mock.close();
  }
});

test("Gemini mock: key in header or query, RetryInfo in the error body, scripted prompt blocks, JSON-array streams", async () => {
  const mock = await startGeminiMock();
  const url = (method: string) => `${mock.url}/models/gemini-2.0-flash:${method}`;
  const body = { contents: [{ role: "user", parts: [{ text: "hi there" }] }] };
  try {
    assert.equal((await raw(url("generateContent"), body, {})).status, 403);
    const viaQuery = dataOf((await raw(`${url("generateContent")}?key=test-key`, body, {})).frames[0]!.text);
    assert.deepEqual(viaQuery.candidates, [{ content: { parts: [{ text: "hi there" }], role: "model" }, finishReason: "STOP", index: 0 }]);
    mock.failNext({ status: 429, retryAfterMs: 1500 });
    const limited = await raw(url("generateContent"), body, { "x-goog-api-key": "test-key" });
    assert.equal(limited.headers["retry-after-ms"], undefined, "Google says it in the body");
    assert.deepEqual(dataOf(limited.frames[0]!.text).error, {
      code: 429,
      message: "Resource has been exhausted (e.g. check quota).",
      status: "RESOURCE_EXHAUSTED",
      details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "1.5s" }],
    });
    mock.replyNext({ promptBlockReason: "SAFETY" });
    const blocked = dataOf((await raw(url("generateContent"), body, { "x-goog-api-key": "test-key" })).frames[0]!.text);
    assert.deepEqual([blocked.candidates, blocked.promptFeedback], [undefined, { blockReason: "SAFETY" }]);
    const array = JSON.parse((await raw(url("streamGenerateContent"), body, { "x-goog-api-key": "test-key" })).frames.map((f) => f.text).join("")) as unknown[];
    assert.equal(array.length, 2, "without alt=sse the stream is one JSON array of chunks");
  } finally {
    await mock.close();
  }
});

test("OpenAI mock audio and images through the official SDK: the upload arrives byte for byte", async () => {
  const mock = await startOpenAIMock();
  const client = new OpenAI({ baseURL: mock.url, apiKey: "test-key", maxRetries: 0 });
  try {
    const audio = Buffer.from([0x49, 0x44, 0x33, 0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x2d, 0x2d, 0x80]);
    const heard = await client.audio.transcriptions.create({ model: "whisper-1", file: await toFile(audio, "clip.mp3") });
    assert.equal(heard.text, "mock transcription of clip.mp3 (11 bytes)");
    assert.ok(mock.requests[0]!.raw.includes(audio), "the recorded body holds the file's bytes");
    const translated = await client.audio.translations.create({ model: "whisper-1", file: await toFile(audio, "clip.mp3"), response_format: "text" });
    assert.equal(String(translated).trim(), "mock translation of clip.mp3 (11 bytes)");
    const spoken = await client.audio.speech.create({ model: "tts-1", voice: "alloy", input: "hi" });
    assert.equal(spoken.headers.get("content-type"), "audio/mpeg");
    assert.equal(Buffer.from(await spoken.arrayBuffer()).toString(), "MOCK-AUDIO alloy: hi");
    const images = await client.images.generate({ model: "dall-e-3", prompt: "a lighthouse", n: 2 });
    assert.deepEqual(images.data?.map((d) => d.revised_prompt), ["a lighthouse", "a lighthouse"]);
    assert.match(images.data?.[1]?.url ?? "", /^https:\/\/images\.mock\/\d+\/1\.png$/);
  } finally {
    await mock.close();
  }
});
