/** Each family's usage in OpenAI's shape, with cached input tokens, and "no usage reported" marked for the gateway's estimate. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { completionEvents, usageOf } from "../../../server/providers/openai/wire";
import { MessageStream, messageEvents } from "../../../server/providers/anthropic/response";
import { GenerateStream, usageOf as geminiUsage } from "../../../server/providers/gemini/response";
import type { ChatEvent } from "../../../server/providers/types";

const last = (events: Iterable<ChatEvent>) => [...events].at(-1)!;

test("OpenAI: prompt_tokens_details.cached_tokens is kept; a body without usage is marked unreported", () => {
  assert.deepEqual(usageOf({ prompt_tokens: 100, completion_tokens: 7, total_tokens: 107, prompt_tokens_details: { cached_tokens: 64 } }), {
    prompt_tokens: 100,
    completion_tokens: 7,
    total_tokens: 107,
    prompt_tokens_details: { cached_tokens: 64 },
  });
  assert.equal(usageOf({ prompt_tokens: 1, completion_tokens: 1 }).prompt_tokens_details, undefined);
  assert.deepEqual(last(completionEvents({ choices: [{ message: { content: "x" }, finish_reason: "stop" }] })), {
    type: "usage",
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    unreported: true,
  });
});

test("Anthropic: cache reads are cached_tokens within prompt_tokens (cache writes count as input)", () => {
  const e = last(messageEvents("anthropic", { content: [], stop_reason: "end_turn", usage: { input_tokens: 10, cache_creation_input_tokens: 5, cache_read_input_tokens: 100, output_tokens: 3 } }));
  assert.deepEqual(e, { type: "usage", usage: { prompt_tokens: 115, completion_tokens: 3, total_tokens: 118, prompt_tokens_details: { cached_tokens: 100 } } });
  const s = new MessageStream("anthropic");
  [...s.on({ type: "message_start", message: { usage: { input_tokens: 4, cache_read_input_tokens: 20, output_tokens: 1 } } })];
  [...s.on({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 9 } })];
  assert.deepEqual(s.usageEvent(), { type: "usage", usage: { prompt_tokens: 24, completion_tokens: 9, total_tokens: 33, prompt_tokens_details: { cached_tokens: 20 } } });
});

test("Gemini: cachedContentTokenCount is cached_tokens; a stream without usageMetadata is unreported", () => {
  assert.deepEqual(geminiUsage({ promptTokenCount: 50, cachedContentTokenCount: 32, candidatesTokenCount: 5 }).prompt_tokens_details, { cached_tokens: 32 });
  const s = new GenerateStream("gemini", (i, k) => `call_${i}_${k}`);
  [...s.on({ candidates: [{ content: { parts: [{ text: "hi" }] }, finishReason: "STOP" }] })];
  assert.equal((s.usageEvent() as { unreported?: boolean }).unreported, true);
});
