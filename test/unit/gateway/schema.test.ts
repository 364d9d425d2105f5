import { test } from "node:test";
import assert from "node:assert/strict";
import { chatCompletionRequestSchema, embeddingRequestSchema, formatParam, parseBody } from "../../../server/gateway/schema";
import { FaroError } from "../../../server/errors";

const ok = { model: "m", messages: [{ role: "user", content: "hi" }] };

function rejects(body: unknown): FaroError {
  try {
    parseBody(chatCompletionRequestSchema, body);
  } catch (err) {
    assert.ok(err instanceof FaroError);
    assert.equal(err.status, 400);
    return err;
  }
  assert.fail(`accepted ${JSON.stringify(body)}`);
}

test("a minimal request passes, unknown fields pass through", () => {
  const parsed = parseBody(chatCompletionRequestSchema, { ...ok, user: "u", some_new_field: { a: 1 } });
  assert.equal(parsed.model, "m");
  assert.deepEqual((parsed as Record<string, unknown>).some_new_field, { a: 1 });
});

test("metadata (request log tags) follows OpenAI's rules: string values, at most 16 pairs", () => {
  assert.deepEqual(parseBody(chatCompletionRequestSchema, { ...ok, metadata: { team: "search" } }).metadata, { team: "search" });
  for (const metadata of [{ a: 1 }, Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])), { ["k".repeat(65)]: "v" }, "tags"]) {
    assert.throws(() => parseBody(chatCompletionRequestSchema, { ...ok, metadata }), (e: unknown) => e instanceof FaroError && e.status === 400 && String(e.param).startsWith("metadata"));
  }
});

test("missing fields are named as OpenAI names them", () => {
  for (const [body, param] of [
    [{ messages: ok.messages }, "model"],
    [{ model: "m" }, "messages"],
    [{ model: "m", messages: [{ role: "user" }] }, "messages[0].content"],
    [{ model: "m", messages: [{ role: "tool", content: "x" }] }, "messages[0].tool_call_id"],
  ] as const) {
    const err = rejects(body);
    assert.equal(err.param, param);
    assert.equal(err.code, "missing_required_parameter");
    assert.match(err.message, new RegExp(`Missing required parameter: '${param.replace(/[[\]]/g, "\\$&")}'`));
  }
});

test("wrong types and ranges are invalid_value with the param", () => {
  for (const [patch, param] of [
    [{ temperature: 2.5 }, "temperature"],
    [{ top_p: -0.1 }, "top_p"],
    [{ max_tokens: 0 }, "max_tokens"],
    [{ max_completion_tokens: 1.5 }, "max_completion_tokens"],
    [{ stop: ["a", "b", "c", "d", "e"] }, "stop"],
    [{ presence_penalty: 3 }, "presence_penalty"],
    [{ stream: "yes" }, "stream"],
    [{ seed: "1" }, "seed"],
    [{ messages: [] }, "messages"],
    [{ messages: [{ role: "robot", content: "x" }] }, "messages[0].role"],
    [{ response_format: { type: "yaml" } }, "response_format.type"],
  ] as const) {
    const err = rejects({ ...ok, ...patch });
    assert.equal(err.param, param, JSON.stringify(patch));
    assert.equal(err.code, "invalid_value");
  }
});

test("a body that is not an object is refused", () => {
  for (const body of [null, [], "text", 3]) assert.equal(rejects(body).code, "invalid_body");
});

test("formatParam writes paths like OpenAI", () => {
  assert.equal(formatParam(["messages", 2, "content", 0, "type"]), "messages[2].content[0].type");
  assert.equal(formatParam([]), "");
});

test("inside a union the message names the deepest problem, not the first branch's type", () => {
  for (const [patch, message] of [
    [{ stop: ["a", 5] }, "Invalid value for 'stop[1]': expected string, received number."],
    [{ messages: [{ role: "user", content: ["hi"] }] }, "Invalid value for 'messages[0].content[0]': expected object, received string."],
    [{ tool_choice: { type: "function", function: { name: 5 } } }, "Invalid value for 'tool_choice.function.name': expected string, received number."],
    [{ tool_choice: "sometimes" }, `Invalid value for 'tool_choice': Invalid option: expected one of "none"|"auto"|"required".`],
    [{ stop: ["a", "b", "c", "d", "e"] }, "Invalid value for 'stop': Too big: expected array to have <=4 items."],
  ] as const) {
    assert.equal(rejects({ ...ok, ...patch }).message, message, JSON.stringify(patch));
  }
});

test("a priority out of range names every allowed value", () => {
  assert.equal(rejects({ ...ok, priority: 7 }).message, "Invalid value for 'priority': Invalid option: expected one of 0|1|2.");
  assert.equal(parseBody(chatCompletionRequestSchema, { ...ok, priority: 2 }).priority, 2);
});

test("embeddings refuse an empty text, alone or in a list, instead of answering an empty vector", () => {
  for (const [input, param] of [["", "input"], [["a", ""], "input[1]"]] as const) {
    assert.throws(
      () => parseBody(embeddingRequestSchema, { model: "m", input }),
      (e: unknown) => e instanceof FaroError && e.status === 400 && e.code === "invalid_value" && e.message.startsWith(`Invalid value for '${param}': Too small`),
      JSON.stringify(input),
    );
  }
  assert.deepEqual(parseBody(embeddingRequestSchema, { model: "m", input: ["a", " "] }).input, ["a", " "]);
});
