import { test } from "node:test";
import assert from "node:assert/strict";
import { ChoiceCollector } from "../../../server/gateway/openaiShape";
import { UpstreamError } from "../../../server/providers/upstream";
import { parseSse } from "../../../server/providers/sseParser";
import type { ChatEvent } from "../../../server/providers/types";
import { toMessagesBody } from "../../../server/providers/anthropic/request";
import { MessageStream, errorOf, messageEvents, type WireMessage, type WireStreamEvent } from "../../../server/providers/anthropic/response";
import { chatRequest, refused } from "../../fixtures/chatRequests";

const MODEL = "claude-3-5-haiku-latest";
const chat = (extra: Record<string, unknown>) => chatRequest("anthropic/x", extra);
const body = (extra: Record<string, unknown>) => toMessagesBody(chat(extra), MODEL);
const lookup = { type: "function", function: { name: "lookup", description: "Looks things up", parameters: { type: "object", properties: { q: { type: "string" } } } } };
const now = { type: "function", function: { name: "now" } };

test("request: a whole conversation becomes the exact Messages body", () => {
  const got = body({
    messages: [
      { role: "system", content: "Be brief." },
      { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
      {
        role: "user",
        content: [
          { type: "text", text: "What is in these?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          { type: "image_url", image_url: { url: "https://example.com/cat.jpg", detail: "high" } },
        ],
      },
      {
        role: "assistant",
        content: "Let me look.",
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"cat"}' } },
          { id: "call_2", type: "function", function: { name: "now", arguments: "" } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "a cat" },
      { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "noon" }] },
      { role: "user", content: "Thanks" },
    ],
    tools: [lookup, now],
    tool_choice: "required",
    parallel_tool_calls: false,
    temperature: 0.2,
    top_p: 0.9,
    top_k: 40,
    stop: "END",
    max_tokens: 100,
    stream: true,
    user: "u-42",
    seed: 7,
  });
  assert.deepEqual(got, {
    model: MODEL,
    max_tokens: 100,
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "What is in these?" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
          { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Let me look." },
          { type: "tool_use", id: "call_1", name: "lookup", input: { q: "cat" } },
          { type: "tool_use", id: "call_2", name: "now", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_1", content: "a cat" },
          { type: "tool_result", tool_use_id: "call_2", content: "noon" },
          { type: "text", text: "Thanks" },
        ],
      },
    ],
    system: "Be brief.\n\nAnswer in French.",
    temperature: 0.2,
    top_p: 0.9,
    top_k: 40,
    stop_sequences: ["END"],
    stream: true,
    tools: [
      { name: "lookup", description: "Looks things up", input_schema: { type: "object", properties: { q: { type: "string" } } } },
      { name: "now", input_schema: { type: "object", properties: {} } },
    ],
    tool_choice: { type: "any", disable_parallel_tool_use: true },
    metadata: { user_id: "u-42" },
  });
});

test("request: max_tokens defaults to 4096, max_completion_tokens wins, nothing else is invented", () => {
  assert.deepEqual(body({}), { model: MODEL, max_tokens: 4096, messages: [{ role: "user", content: "hi" }] });
  assert.equal(body({ max_tokens: 5, max_completion_tokens: 9 }).max_tokens, 9);
  assert.deepEqual(body({ stop: ["a", "", "b"] }).stop_sequences, ["a", "b"]);
  assert.equal(body({ top_k: 0 }).top_k, undefined, "top_k 0 (no top-k) is not sent");
  assert.deepEqual(body({ messages: [{ role: "user", content: "x" }, { role: "assistant", content: "y" }] }).messages, [
    { role: "user", content: "x" },
    { role: "assistant", content: "y" },
  ]);
  // An empty assistant turn is left out (Anthropic refuses empty content); the user turns around it merge.
  for (const content of [null, ""]) {
    assert.deepEqual(body({ messages: [{ role: "user", content: "x" }, { role: "assistant", content }, { role: "user", content: "again" }] }).messages, [
      { role: "user", content: [{ type: "text", text: "x" }, { type: "text", text: "again" }] },
    ]);
  }
});

test("request: tool_choice auto / none / required / named map to Anthropic's auto / none / any / tool", () => {
  const tools = [lookup, now];
  assert.equal(body({ tools }).tool_choice, undefined, "absent stays absent (Anthropic's default is auto)");
  assert.deepEqual(body({ tools, tool_choice: "auto" }).tool_choice, { type: "auto" });
  assert.deepEqual(body({ tools, tool_choice: "none" }).tool_choice, { type: "none" });
  assert.deepEqual(body({ tools, tool_choice: "required" }).tool_choice, { type: "any" });
  assert.deepEqual(body({ tools, tool_choice: { type: "function", function: { name: "now" } } }).tool_choice, { type: "tool", name: "now" });
  assert.deepEqual(body({ tools, parallel_tool_calls: false }).tool_choice, { type: "auto", disable_parallel_tool_use: true });
  assert.equal(body({ tool_choice: "none" }).tool_choice, undefined);
  assert.equal(refused(() => body({ tools, tool_choice: { type: "function", function: { name: "gone" } } })).param, "tool_choice.function.name");
  assert.equal(refused(() => body({ tool_choice: "required" })).param, "tool_choice");
});

test("request: json_schema becomes output_config; what Anthropic cannot do is a 400 naming the parameter", () => {
  const schema = { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"], additionalProperties: false };
  assert.deepEqual(body({ response_format: { type: "json_schema", json_schema: { name: "r", schema } } }).output_config, { format: { type: "json_schema", schema } });
  assert.equal(refused(() => body({ n: 2 })).param, "n");
  assert.equal(refused(() => body({ logprobs: true })).param, "logprobs");
  assert.equal(refused(() => body({ presence_penalty: 0.5 })).param, "presence_penalty");
  assert.equal(refused(() => body({ frequency_penalty: 1 })).param, "frequency_penalty");
  const minP = refused(() => body({ min_p: 0.05 }));
  assert.equal(minP.param, "min_p");
  assert.match(minP.message, /min_p is not supported by Anthropic/);
  assert.equal(body({ min_p: 0 }).model, MODEL, "min_p 0 (off) asks for nothing");
  const bias = refused(() => body({ logit_bias: { "50256": -100 } }));
  assert.equal(bias.param, "logit_bias");
  assert.match(bias.message, /logit_bias is not supported by Anthropic/);
  assert.equal(body({ logit_bias: {} }).model, MODEL, "an empty logit_bias asks for nothing");
  assert.equal(refused(() => body({ response_format: { type: "json_object" } })).param, "response_format");
  const audio = refused(() => body({ messages: [{ role: "user", content: [{ type: "text", text: "a" }, { type: "input_audio", input_audio: {} }] }] }));
  assert.equal(audio.param, "messages[0].content[1].type");
  assert.match(audio.message, /'input_audio' are not supported by Anthropic/);
  assert.equal(refused(() => body({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "ftp://x/y.png" } }] }] })).param, "messages[0].content[0].image_url.url");
  assert.equal(refused(() => body({ messages: [{ role: "system", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AA" } }] }] })).param, "messages[0].content[0].type");
  const badArgs = [{ id: "c", type: "function", function: { name: "f", arguments: "{nope" } }];
  assert.equal(refused(() => body({ messages: [{ role: "assistant", content: null, tool_calls: badArgs }] })).param, "messages[0].tool_calls[0].function.arguments");
});

test("response: blocks become reasoning, text and tool_calls; cache reads and writes count as prompt tokens", () => {
  const message: WireMessage = {
    content: [
      { type: "thinking", thinking: "Hmm." },
      { type: "text", text: "Checking." },
      { type: "tool_use", id: "toolu_1", name: "lookup", input: { q: "cat" } },
      { type: "tool_use", id: "toolu_2", name: "now", input: {} },
    ],
    stop_reason: "tool_use",
    usage: { input_tokens: 10, cache_creation_input_tokens: 3, cache_read_input_tokens: 5, output_tokens: 7 },
  };
  assert.deepEqual([...messageEvents("anthropic", message)], [
    { type: "reasoning", index: 0, text: "Hmm." },
    { type: "text", index: 0, text: "Checking." },
    { type: "tool_calls", index: 0, calls: [{ id: "toolu_1", name: "lookup", arguments: '{"q":"cat"}' }, { id: "toolu_2", name: "now", arguments: "{}" }] },
    { type: "choice_end", index: 0, finishReason: "tool_calls" },
    { type: "usage", usage: { prompt_tokens: 18, completion_tokens: 7, total_tokens: 25, prompt_tokens_details: { cached_tokens: 5 } } },
  ]);
});

test("response: stop reasons end_turn / stop_sequence → stop, max_tokens → length, tool_use → tool_calls; refusal is an error", () => {
  const finish = (stop_reason: string) => {
    const end = [...messageEvents("anthropic", { content: [{ type: "text", text: "x" }], stop_reason })].find((e) => e.type === "choice_end");
    return end?.type === "choice_end" ? end.finishReason : null;
  };
  assert.deepEqual(["end_turn", "stop_sequence", "max_tokens", "tool_use", "pause_turn", "model_context_window_exceeded"].map(finish), ["stop", "stop", "length", "tool_calls", "stop", "length"]);
  assert.throws(
    () => [...messageEvents("anthropic", { content: [], stop_reason: "refusal" })],
    (e: unknown) => e instanceof UpstreamError && e.status === 400 && e.code === "content_filtered" && e.provider === "anthropic" && /refusal/.test(e.message),
  );
});

// A stream as Anthropic sends it (from its streaming docs), thinking and two tool calls included.
const frame = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const STREAM = [
  frame("message_start", { message: { id: "msg_1", type: "message", role: "assistant", content: [], model: "claude", stop_reason: null, stop_sequence: null, usage: { input_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 10, output_tokens: 1 } } }),
  frame("content_block_start", { index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }),
  "event: ping\ndata: {\"type\": \"ping\"}\n\n",
  frame("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "Let me think" } }),
  frame("content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "EqQB" } }),
  frame("content_block_stop", { index: 0 }),
  frame("content_block_start", { index: 1, content_block: { type: "text", text: "" } }),
  frame("content_block_delta", { index: 1, delta: { type: "text_delta", text: "Hello" } }),
  frame("content_block_delta", { index: 1, delta: { type: "text_delta", text: "!" } }),
  frame("content_block_stop", { index: 1 }),
  frame("content_block_start", { index: 2, content_block: { type: "tool_use", id: "toolu_1", name: "get_weather", input: {} } }),
  frame("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: "" } }),
  frame("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: '{"location": "San' } }),
  frame("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: ' Francisco"}' } }),
  frame("content_block_stop", { index: 2 }),
  frame("content_block_start", { index: 3, content_block: { type: "tool_use", id: "toolu_2", name: "now", input: {} } }),
  frame("content_block_delta", { index: 3, delta: { type: "input_json_delta", partial_json: "{}" } }),
  frame("content_block_stop", { index: 3 }),
  frame("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 89 } }),
  frame("message_stop", {}),
].join("");

/** Runs raw SSE text, cut into awkward 7-character chunks, through the stream translator. */
async function translate(raw: string): Promise<{ events: ChatEvent[]; done: boolean }> {
  const chunks = async function* () {
    for (let i = 0; i < raw.length; i += 7) yield raw.slice(i, i + 7);
  };
  const stream = new MessageStream("anthropic");
  const events: ChatEvent[] = [];
  for await (const m of parseSse(chunks())) events.push(...stream.on(JSON.parse(m.data) as WireStreamEvent));
  if (stream.done) events.push(stream.usageEvent());
  return { events, done: stream.done };
}

test("stream: the event sequence becomes exact ChatEvents, tool input as deltas, usage from message_delta", async () => {
  const { events, done } = await translate(STREAM);
  assert.ok(done, "message_stop ends it");
  assert.deepEqual(events, [
    { type: "reasoning", index: 0, text: "Let me think" },
    { type: "text", index: 0, text: "Hello" },
    { type: "text", index: 0, text: "!" },
    { type: "tool_call_delta", index: 0, callIndex: 0, id: "toolu_1", name: "get_weather", arguments: "" },
    { type: "tool_call_delta", index: 0, callIndex: 0, arguments: '{"location": "San' },
    { type: "tool_call_delta", index: 0, callIndex: 0, arguments: ' Francisco"}' },
    { type: "tool_call_delta", index: 0, callIndex: 1, id: "toolu_2", name: "now", arguments: "" },
    { type: "tool_call_delta", index: 0, callIndex: 1, arguments: "{}" },
    { type: "choice_end", index: 0, finishReason: "tool_calls" },
    { type: "usage", usage: { prompt_tokens: 35, completion_tokens: 89, total_tokens: 124, prompt_tokens_details: { cached_tokens: 10 } } },
  ]);
  const collector = new ChoiceCollector();
  for (const e of events) if (e.type !== "usage") collector.add(e);
  const message = collector.chatCompletion({ id: "x", created: 0, model: "m" }, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }).choices[0]!.message;
  assert.deepEqual(message.tool_calls, [
    { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"location": "San Francisco"}' } },
    { id: "toolu_2", type: "function", function: { name: "now", arguments: "{}" } },
  ]);
});

test("stream: an error event mid-stream is an UpstreamError with the status of its type; unknown events are skipped", async () => {
  const head = frame("message_start", { message: { usage: { input_tokens: 1, output_tokens: 1 } } }) + frame("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
  const partial = head + frame("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Hi" } }) + frame("some_future_event", { x: 1 });
  const err = frame("error", { error: { type: "overloaded_error", message: "Overloaded" } });
  await assert.rejects(translate(partial + err), (e: unknown) => e instanceof UpstreamError && e.status === 529 && e.code === "overloaded_error" && /Overloaded/.test(e.message));
  const { events, done } = await translate(partial);
  assert.equal(done, false, "no message_stop: the upstream reports the stream as cut");
  assert.deepEqual(events, [{ type: "text", index: 0, text: "Hi" }]);
});

test("errors: Anthropic's error body, status and retry-after become the UpstreamError", () => {
  const body = JSON.stringify({ type: "error", error: { type: "rate_limit_error", message: "Number of request tokens has exceeded your per-minute rate limit" } });
  const e = errorOf("anthropic", { status: 429, statusText: "", headers: { "retry-after": "2" } }, body);
  assert.equal(e.status, 429);
  assert.equal(e.type, "rate_limit_error");
  assert.equal(e.code, "rate_limit_error");
  assert.equal(e.retryAfterMs, 2000);
  assert.equal(e.message, "Provider 'anthropic' answered 429: Number of request tokens has exceeded your per-minute rate limit");
  const overloaded = errorOf("anthropic", { status: 529, statusText: "", headers: {} }, JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }));
  assert.deepEqual([overloaded.status, overloaded.type, overloaded.retryAfterMs], [529, "server_error", null]);
  assert.equal(errorOf("anthropic", { status: 502, statusText: "", headers: {} }, "<html>Bad gateway</html>").message, "Provider 'anthropic' answered 502: <html>Bad gateway</html>");
});

test("request: an OpenAI temperature above Anthropic's maximum of 1 is sent as 1 (as Portkey does), not refused upstream", () => {
  assert.equal(body({ temperature: 1.5 }).temperature, 1);
  assert.equal(body({ temperature: 0.3 }).temperature, 0.3);
  assert.equal(body({ temperature: 0 }).temperature, 0);
});
