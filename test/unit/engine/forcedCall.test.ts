import { test } from "node:test";
import assert from "node:assert/strict";
import { forcedCall } from "../../../server/engine/generate";

const tools = [
  { name: "get_weather", description: "", parameters: { type: "object" } },
  { name: "get_time", description: "", parameters: { type: "object" } },
];

test("a complete forced call with several tools gives the chosen name and its arguments as JSON", () => {
  const call = forcedCall(tools, '{"name": "get_time", "arguments": {"zone": "CET"}}');
  assert.equal(call.name, "get_time");
  assert.deepEqual(JSON.parse(call.arguments), { zone: "CET" });
  assert.match(call.id, /^call_[0-9a-f]{24}$/);
});

test("a forced call cut by max_tokens keeps the name it wrote and the partial arguments", () => {
  const call = forcedCall(tools, '{"name": "get_time", "arguments": {"zone": "CE');
  assert.equal(call.name, "get_time");
  assert.equal(call.arguments, '{"zone": "CE');
});

test("a call cut inside the name becomes the tool that name can still be; cut before it, the first tool", () => {
  assert.equal(forcedCall(tools, '{"name": "get_ti').name, "get_time");
  assert.equal(forcedCall(tools, '{"name": "get_ti').arguments, "");
  assert.equal(forcedCall(tools, '{"na').name, "get_weather");
});

test("with one tool the output is the arguments themselves, cut or not", () => {
  assert.equal(forcedCall(tools.slice(0, 1), ' {"city": "Par').arguments, '{"city": "Par');
  assert.equal(forcedCall(tools.slice(0, 1), ' {"city": "Par').name, "get_weather");
});
