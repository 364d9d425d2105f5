/**
 * Anthropic and Gemini (faithful mocks) behind faro serve, reached with the OpenAI SDK by a
 * routing config: JSON, streams, tool calls (streamed, parallel, with results sent back) beside
 * the OpenAI family, and the providers' own errors as they reach the client.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import type { Served } from "../fixtures/serve";
import { serveBesideOpenAIMock, stopBesideMock } from "../fixtures/serveFixture";
import { startAnthropicMock } from "../fixtures/mocks/anthropic";
import { startGeminiMock } from "../fixtures/mocks/gemini";
import type { MockServer } from "../fixtures/mocks/mockServer";

let mock: MockServer;
let faro: Served;
let client: OpenAI;
const KEY = "test-key";

let anthropic: MockServer;
let gemini: MockServer;

before(async () => {
  ({ mock, server: faro, client } = await serveBesideOpenAIMock({ apiKey: KEY, models: [{ name: "tiny" }] }));
  anthropic = await startAnthropicMock({ apiKey: KEY });
  gemini = await startGeminiMock({ apiKey: KEY });
});

after(async () => {
  await stopBesideMock(faro, mock);
  await anthropic.close();
  await gemini.close();
});

const hello = [{ role: "user" as const, content: "hello from the app" }];
const withConfig = (config: unknown) => ({ headers: { "x-portkey-config": JSON.stringify(config) } });

describe("native providers through Faro", () => {
  test("the OpenAI SDK reaches Anthropic and Gemini (mocks) by config: JSON, streams and tool calls", async () => {
    for (const [provider, url, model] of [
      ["anthropic", anthropic.url, "claude-3-5-haiku-latest"],
      ["gemini", gemini.url, "gemini-2.0-flash"],
    ] as const) {
      const opts = withConfig({ provider, custom_host: url, api_key: KEY, override_params: { model } });
      const { data, response } = await client.chat.completions.create({ model: "x", messages: hello, max_tokens: 50 }, opts).withResponse();
      assert.equal(data.choices[0]!.message.content, "hello from the app", provider);
      assert.equal(data.model, model);
      assert.equal(response.headers.get("x-faro-provider"), provider);
      assert.ok(data.usage!.prompt_tokens > 0);
      let text = "";
      for await (const c of await client.chat.completions.create({ model: "x", messages: hello, max_tokens: 50, stream: true }, opts)) text += c.choices[0]?.delta.content ?? "";
      assert.equal(text, "hello from the app", `${provider} stream`);
      const tools: OpenAI.ChatCompletionTool[] = [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { input: { type: "string" } } } } }];
      const call = await client.chat.completions.create({ model: "x", messages: hello, max_tokens: 50, tools, tool_choice: "required" }, opts);
      assert.equal(call.choices[0]!.finish_reason, "tool_calls", provider);
      const tc = call.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
      assert.equal(tc.function.name, "lookup");
      assert.deepEqual(JSON.parse(tc.function.arguments), { input: "hello from the app" });
    }
    anthropic.failNext({ status: 529 });
    await assert.rejects(
      client.chat.completions.create({ model: "x", messages: hello, max_tokens: 5 }, withConfig({ provider: "anthropic", custom_host: anthropic.url, api_key: KEY, override_params: { model: "claude-3-5-haiku-latest" } })),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 529 && /anthropic/.test(e.message),
    );
  });

  test("streamed tool calls through the OpenAI SDK: parallel calls after text, results sent back, a call without arguments", async () => {
    const tools: OpenAI.ChatCompletionTool[] = ["weather", "now"].map((name) => ({ type: "function", function: { name, parameters: { type: "object", properties: {} } } }));
    const ask: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "weather and time?" }];
    const families = [[mock, "openai", "gpt-4o-mini"], [anthropic, "anthropic", "claude-3-5-haiku-latest"], [gemini, "google", "gemini-2.0-flash"]] as const;
    for (const [upstream, provider, model] of families) {
      const opts = withConfig({ provider, custom_host: upstream.url, api_key: KEY, override_params: { model } });
      upstream.replyNext({ text: "Let me check.", toolCalls: [{ name: "weather", arguments: { city: "Paris" } }, { name: "now", arguments: {} }] });
      const first = (await client.chat.completions.stream({ model: "x", messages: ask, tools }, opts).finalChatCompletion()).choices[0]!;
      assert.equal(first.finish_reason, "tool_calls", provider);
      assert.equal(first.message.content, "Let me check.", provider);
      const calls = first.message.tool_calls! as OpenAI.ChatCompletionMessageFunctionToolCall[];
      assert.deepEqual(calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)]), [["weather", { city: "Paris" }], ["now", {}]], provider);
      const results = calls.map((c) => ({ role: "tool" as const, tool_call_id: c.id, content: c.function.name === "weather" ? "sunny" : "noon" }));
      let text = "";
      for await (const c of await client.chat.completions.create({ model: "x", messages: [...ask, first.message, ...results], tools, stream: true }, opts)) text += c.choices[0]?.delta.content ?? "";
      assert.equal(text, provider === "openai" ? "noon" : "sunnynoon", `${provider}: the mock echoes the results it was sent`);
    }
    // Claude streams a call without arguments as one empty input_json_delta, and may write text after a call.
    const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    anthropic.replyNext({
      rawEvents: [
        ev("message_start", { message: { id: "msg_1", type: "message", role: "assistant", model: "claude", content: [], stop_reason: null, usage: { input_tokens: 3, output_tokens: 1 } } }),
        ev("content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_1", name: "now", input: {} } }),
        ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: "" } }),
        ev("content_block_stop", { index: 0 }),
        ev("content_block_start", { index: 1, content_block: { type: "text", text: "" } }),
        ev("content_block_delta", { index: 1, delta: { type: "text_delta", text: "Checking the clock." } }),
        ev("content_block_stop", { index: 1 }),
        ev("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 9 } }),
        ev("message_stop", {}),
      ],
    });
    const opts = withConfig({ provider: "anthropic", custom_host: anthropic.url, api_key: KEY, override_params: { model: "claude-3-5-haiku-latest" } });
    const noArgs = (await client.chat.completions.stream({ model: "x", messages: ask, tools }, opts).finalChatCompletion()).choices[0]!;
    assert.equal(noArgs.message.content, "Checking the clock.");
    assert.deepEqual(noArgs.message.tool_calls!.map((c) => (c as OpenAI.ChatCompletionMessageFunctionToolCall).function), [{ name: "now", arguments: "{}" }]);
  });

  test("an Anthropic or Gemini error keeps the provider's reason phrase for a status Node has none for", async () => {
    const seen: string[] = [];
    for (const [mock, provider, model] of [[anthropic, "anthropic", "claude-3-5-haiku-latest"], [gemini, "google", "gemini-2.0-flash"]] as const) {
      mock.failNext({ status: 529, statusText: "Site Overloaded" });
      mock.failNext({ status: 529, statusText: "" });
      const headers = { "content-type": "application/json", "x-portkey-config": JSON.stringify({ provider, custom_host: mock.url, api_key: KEY, override_params: { model } }) };
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${faro.baseURL}/chat/completions`, { method: "POST", headers, body: JSON.stringify({ model: "x", messages: hello, max_tokens: 5 }) });
        await res.arrayBuffer();
        seen.push(`${provider} ${res.status} ${res.statusText}`);
      }
    }
    assert.deepEqual(seen, ["anthropic 529 Site Overloaded", "anthropic 529 Internal Server Error", "google 529 Site Overloaded", "google 529 Internal Server Error"]);
  });
});
