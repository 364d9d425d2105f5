/**
 * JSON Schema inputs and outputs: errors at every depth (a property's type, a property that is
 * not a schema, items of an array, required names not in properties), each on the node that is
 * wrong; the declared variables come from the top-level properties.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzePrompt } from "../../../server/prompts/check";
import type { ModelInfo } from "../../../server/protocol";

const models = [{ id: "m", faro: { provider: "local", context_length: 640 } }] as unknown as ModelInfo[];
const check = (text: string) => analyzePrompt(text, { models, defaultModel: "m", partial: () => null });

test("JSON Schema errors at every depth, on the wrong node", () => {
  const text = [
    "---", "model: m", "input:", "  schema:", "    type: object", "    properties:", "      name: {type: strng}", "      age: {type: integer}",
    "      tags:", "        type: array", "        items: {type: object, properties: {x: {type: numbr}}}", "      nick: string",
    "    required: [name, nickname]", "output:", "  format: json", "  schema:", "    type: object", "    properties: [a]", "---", "Hi {{name}} {{age}} {{tags}} {{nick}}", "",
  ].join("\n");
  const a = check(text);
  const found = a.problems.map((p) => [p.code, text.slice(p.start, p.end), a.doc.lines.positionAt(p.start).line]);
  assert.deepEqual(found, [
    ["schema-invalid", "nickname", 12],
    ["schema-invalid", "strng", 6],
    ["schema-invalid", "numbr", 10],
    ["schema-invalid", "string", 11],
    ["schema-invalid", "[a]", 17],
  ]);
  assert.match(a.problems[3]!.message, /property 'nick' must be a schema mapping \(e\.g\. \{type: string\}\), not "string"/);
  assert.deepEqual(a.declared?.map((d) => [d.name, d.type, d.optional]), [["name", "strng", false], ["age", "integer", true], ["tags", "array", true], ["nick", "any", true]]);
});

test("a valid JSON Schema (boolean property schemas included) has no diagnostics", () => {
  const text = "---\nmodel: m\ninput:\n  schema:\n    type: object\n    properties:\n      q: {type: string, description: the question}\n      any: true\n      list: {type: array, items: {type: string}}\n    required: [q]\n---\n{{q}} {{any}} {{list}}\n";
  assert.deepEqual(check(text).problems, []);
});
