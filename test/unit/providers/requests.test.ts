import { test } from "node:test";
import assert from "node:assert/strict";
import { toCompleteRequest, toGenerateRequest } from "../../../server/providers/local/requests";
import { completionRequestSchema, parseBody } from "../../../server/gateway/schema";
import { chatRequest, refused } from "../../fixtures/chatRequests";

const chat = (extra: Record<string, unknown>) => toGenerateRequest(chatRequest("m", extra));
const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];

test("OpenAI's defaults: temperature 1, top_p 1, no penalties, one answer, free text", () => {
  const r = chat({});
  assert.deepEqual([r.temperature, r.topP, r.presencePenalty, r.frequencyPenalty, r.n, r.maxTokens, r.seed], [1, 1, 0, 0, 1, null, null]);
  assert.deepEqual(r.format, { type: "text" });
  assert.deepEqual(r.toolChoice, { type: "none" });
  assert.equal(chat({ max_tokens: 5, max_completion_tokens: 7 }).maxTokens, 7, "max_completion_tokens wins");
  assert.deepEqual(chat({ stop: "x" }).stop, ["x"]);
});

test("tool_choice: auto with tools, named, required; inconsistent choices are 400s", () => {
  assert.deepEqual(chat({ tools }).toolChoice, { type: "auto" });
  assert.deepEqual(chat({ tools, tool_choice: { type: "function", function: { name: "f" } } }).toolChoice, { type: "function", name: "f" });
  assert.deepEqual(chat({ tools, tool_choice: "required" }).toolChoice, { type: "required" });
  assert.equal(refused(() => chat({ tool_choice: "required" })).param, "tool_choice");
  assert.equal(refused(() => chat({ tools, tool_choice: { type: "function", function: { name: "g" } } })).param, "tool_choice.function.name");
  assert.equal(refused(() => chat({ tools, response_format: { type: "json_object" } })).param, "response_format");
});

test("response formats and refusals", () => {
  assert.deepEqual(chat({ response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "boolean" } } } }).format, {
    type: "json_schema",
    schema: { type: "boolean" },
  });
  assert.equal(refused(() => chat({ response_format: { type: "json_schema", json_schema: { name: "x" } } })).param, "response_format.json_schema.schema");
});

test("logprobs: top_logprobs alternatives (0 unless given); needs logprobs; not with tools", () => {
  assert.equal(chat({}).logprobs, null);
  assert.equal(chat({ logprobs: false }).logprobs, null);
  assert.equal(chat({ logprobs: true }).logprobs, 0);
  assert.equal(chat({ logprobs: true, top_logprobs: 20 }).logprobs, 20);
  assert.equal(chat({ logprobs: true, tools, tool_choice: "none" }).logprobs, 0);
  assert.equal(refused(() => chat({ top_logprobs: 2 })).param, "top_logprobs");
  assert.equal(refused(() => chat({ logprobs: true, tools })).param, "logprobs");
  assert.equal(refused(() => chat({ logprobs: true, tools, tool_choice: "required" })).param, "logprobs");
});

test("legacy completions default to 16 tokens, take logprobs N, and refuse echo, suffix, best_of", () => {
  const body = (extra: Record<string, unknown>) => parseBody(completionRequestSchema, { model: "m", prompt: "p", ...extra });
  assert.equal(toCompleteRequest(body({}), "p").maxTokens, 16);
  assert.equal(toCompleteRequest(body({}), "p").logprobs, null);
  assert.equal(toCompleteRequest(body({ logprobs: 0 }), "p").logprobs, 0);
  assert.equal(toCompleteRequest(body({ logprobs: 5 }), "p").logprobs, 5);
  for (const [k, v] of [["echo", true], ["suffix", "s"], ["best_of", 2]] as const) {
    assert.equal(refused(() => toCompleteRequest(body({ [k]: v }), "p")).param, k);
  }
});

test("legacy completions refuse chat-only constraints (response_format, tools) instead of ignoring them", () => {
  const body = (extra: Record<string, unknown>) => parseBody(completionRequestSchema, { model: "m", prompt: "p", ...extra });
  const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];
  for (const [k, v] of [["response_format", { type: "json_object" }], ["tools", tools], ["tool_choice", "required"], ["functions", [{ name: "f" }]]] as const) {
    const err = refused(() => toCompleteRequest(body({ [k]: v }), "p"));
    assert.equal(err.param, k);
    assert.match(err.message, /\/v1\/chat\/completions/);
  }
  assert.equal(toCompleteRequest(body({ response_format: null, tools: null }), "p").n, 1, "null is as good as absent");
});
