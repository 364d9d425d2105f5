import { test } from "node:test";
import assert from "node:assert/strict";
import { SSE_DONE, sseEvent } from "../../../server/http/sse";
import { chatChunk, usageChunk } from "../../../server/gateway/openaiShape";

const meta = { id: "chatcmpl-1", created: 1700000000, model: "m" };

test("an SSE event is one data line of JSON followed by a blank line", () => {
  const text = sseEvent({ a: "line\nbreak", b: 1 });
  assert.equal(text, 'data: {"a":"line\\nbreak","b":1}\n\n');
  assert.equal(text.split("\n").length, 3, "newlines inside values are escaped, never raw");
  assert.equal(SSE_DONE, "data: [DONE]\n\n");
});

test("chunks carry usage:null only when include_usage is on; the usage chunk has no choices", () => {
  const plain = chatChunk(meta, 0, { content: "hi" }, null, false);
  assert.equal("usage" in plain, false);
  assert.deepEqual(plain.choices, [{ index: 0, delta: { content: "hi" }, logprobs: null, finish_reason: null }]);
  assert.equal(chatChunk(meta, 0, {}, "stop", true).usage, null);
  const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
  assert.deepEqual(usageChunk(meta, "chat.completion.chunk", usage), { ...meta, object: "chat.completion.chunk", choices: [], usage });
});
