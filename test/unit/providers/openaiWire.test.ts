/**
 * OpenAI-compatible answers keep OpenAI's finish reasons: an answer cut by the provider's
 * content filter says so, in JSON and in a stream.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chunkEvents, completionEvents } from "../../../server/providers/openai/wire";
import { ChoiceCollector } from "../../../server/gateway/openaiShape";

test("finish_reason content_filter passes through, JSON and streamed", () => {
  const collector = new ChoiceCollector();
  for (const e of completionEvents({ choices: [{ index: 0, message: { content: "Once upon" }, finish_reason: "content_filter" }] })) {
    if (e.type !== "usage") collector.add(e);
  }
  const ends = [...chunkEvents({ choices: [{ index: 0, delta: {}, finish_reason: "content_filter" }] })];
  assert.deepEqual(ends, [{ type: "choice_end", index: 0, finishReason: "content_filter" }]);
  const answer = collector.chatCompletion({ id: "c", created: 0, model: "gpt-4o" }, { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
  assert.equal(answer.choices[0]!.finish_reason, "content_filter");
  assert.equal(answer.choices[0]!.message.content, "Once upon");
});
