/**
 * OpenAI-compatible answers keep what OpenAI says about an answer it did not give: the finish
 * reason of one cut by the content filter, and a structured-output refusal, in JSON and streams.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chunkEvents, completionEvents } from "../../../server/providers/openai/wire";
import { ChoiceCollector, chatDelta } from "../../../server/gateway/openaiShape";

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

test("a refusal reaches the client as message.refusal with null content, and as delta.refusal in a stream", () => {
  const collector = new ChoiceCollector();
  for (const e of completionEvents({ choices: [{ index: 0, message: { content: null, refusal: "I can't help with that." }, finish_reason: "stop" }] })) {
    if (e.type !== "usage") collector.add(e);
  }
  const message = collector.chatCompletion({ id: "c", created: 0, model: "gpt-4o" }, { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }).choices[0]!.message;
  assert.equal(message.refusal, "I can't help with that.");
  assert.equal(message.content, null);
  const deltas = [...chunkEvents({ choices: [{ index: 0, delta: { refusal: "I can't" } }] })].map((e) => (e.type === "refusal" ? chatDelta(e) : null));
  assert.deepEqual(deltas, [{ refusal: "I can't" }]);
});
