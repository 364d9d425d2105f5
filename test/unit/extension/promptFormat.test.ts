// Text of the prompt commands: version rows and URIs, typed values, the run document.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseInputValue, parseVersionUri, relativeTime, runDocument, statusLine, versionRow, versionUriParts } from "../../../extension/promptFormat";

test("recorded version URIs round-trip; bad ones are refused", () => {
  const { path, query } = versionUriParts("prompts/greet", 3);
  assert.equal(path, "/prompts/greet.prompt");
  assert.deepEqual(parseVersionUri(path, query), { promptId: "prompts/greet", version: 3 });
  assert.throws(() => parseVersionUri("/x.prompt", "version=zero"), /not a recorded prompt version/);
});

test("version rows: number, labels, age and hash", () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const row = versionRow({ version: 3, hash: "abcdef0123456789", createdAt: now - 5 * 60_000, labels: ["production"] }, now);
  assert.deepEqual(row, { label: "v3", description: "production", detail: "saved 5 minutes ago · 2026-01-01 11:55:00 · abcdef01" });
  assert.equal(relativeTime(now - 1000, now), "just now");
  assert.equal(relativeTime(now - 3600_000, now), "1 hour ago");
  assert.equal(relativeTime(now - 3 * 86400_000, now), "3 days ago");
});

test("typed values are JSON when they parse, text otherwise", () => {
  assert.equal(parseInputValue("42", "number"), 42);
  assert.deepEqual(parseInputValue('["a"]', "array of string"), ["a"]);
  assert.equal(parseInputValue("Ada Lovelace", "any"), "Ada Lovelace");
});

test("a string variable keeps what was typed, even when it reads as JSON", () => {
  // Parsed, these would be a number, a boolean and null: the input.schema check refuses them for a string.
  assert.equal(parseInputValue("42", "string"), "42");
  assert.equal(parseInputValue("true", "string"), "true");
  assert.equal(parseInputValue("null", "string"), "null");
});

test("the run document shows each model's text and stats", () => {
  const done = { runId: "r", type: "done" as const, requestId: "x", model: "m1", provider: "local", finishReason: "length", toolCalls: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }, latencyMs: 1234, ttftMs: 56.7, costUsd: 0 };
  assert.equal(statusLine(done), "m1 · 1.23 s · first token 57 ms · 10 → 5 tokens · $0 (local) · length");
  assert.equal(statusLine({ runId: "r", type: "error", message: "boom", code: "model_not_found", status: 404 }), "**Error** (404 model_not_found): boom");
  const doc = runDocument("greet", [{ title: "m1", text: "Hello", end: done }, { title: "m2", text: "", end: null }]);
  assert.match(doc, /^# greet\n\n## m1\n\nm1 · 1\.23 s.*\n\n```text\nHello\n```\n\n## m2\n\n_running…_\n\n```text\n…\n```/);
});

test("the run document shows tool calls with their arguments, and no empty text block for a call-only answer", () => {
  const done = { runId: "r", type: "done" as const, requestId: "x", model: "m1", provider: "local", finishReason: "tool_calls", usage: null, latencyMs: 10, ttftMs: null, costUsd: 0,
    toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Oslo"}' }, { id: "", name: "broken", arguments: "{not json" }] };
  const doc = runDocument("w", [{ title: "m1", text: "", end: done }]);
  assert.equal(doc, [
    "# w", "", "## m1", "", statusLine(done), "",
    "**Tool call** `get_weather` (call_1)", "", "```json", '{\n  "city": "Oslo"\n}', "```", "",
    "**Tool call** `broken`", "", "```json", "{not json", "```", "",
  ].join("\n"));
  assert.match(statusLine(done), /tool_calls$/);
});
