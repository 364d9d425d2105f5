/** preparePromptRun: from a .prompt and variables to a validated OpenAI chat request, with clear 400s. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { preparePromptRun, type PrepareInput } from "../../../server/prompts/prepare";
import { FaroError } from "../../../server/errors";
import type { ModelInfo } from "../../../server/protocol";

const model = (id: string) => ({ id, faro: { context_length: 2048 } }) as unknown as ModelInfo;
const base = (source: string, extra: Partial<PrepareInput> = {}): PrepareInput => ({
  source,
  promptId: "prompts/test",
  partials: () => null,
  models: [model("a"), model("b")],
  defaultModel: "a",
  ...extra,
});
const faro = (status: number, code: string, param?: string, message?: RegExp) => (err: unknown) => {
  assert.ok(err instanceof FaroError, String(err));
  assert.equal(err.status, status);
  assert.equal(err.code, code);
  if (param !== undefined) assert.equal(err.param, param);
  if (message) assert.match(err.message, message);
  return true;
};

test("roles, defaults under variables, config mapped onto OpenAI's names", async () => {
  const src = `---
model: b
config:
  temperature: 0.2
  maxOutputTokens: 64
  topP: 0.9
  stopSequences: ["END"]
input:
  schema:
    text: string
    tone?: string
  default:
    tone: friendly
---
{{role "system"}}Be {{tone}}.
{{role "user"}}Summarize: {{text}}
`;
  const { request, priority } = await preparePromptRun(base(src, { variables: { text: "hello" } }));
  assert.deepEqual(request.messages, [
    { role: "system", content: "Be friendly.\n" },
    { role: "user", content: "Summarize: hello" },
  ]);
  assert.equal(request.model, "b");
  assert.equal(request.temperature, 0.2);
  assert.equal(request.max_tokens, 64);
  assert.equal(request.top_p, 0.9);
  assert.deepEqual(request.stop, ["END"]);
  assert.equal(priority, null);
  const override = await preparePromptRun(base(src, { variables: { text: "x", tone: "terse" }, model: "a" }));
  assert.equal(override.request.model, "a");
  assert.match(String(override.request.messages[0]!.content), /Be terse/);
});

test("Dotprompt's model role becomes assistant; partials render", async () => {
  const src = "{{role \"user\"}}Q{{role \"model\"}}A{{role \"user\"}}{{> tail}}";
  const { request } = await preparePromptRun(base(src, { partials: (n) => (n === "tail" ? "Again?" : null) }));
  assert.deepEqual(request.messages.map((m) => [m.role, m.content]), [["user", "Q"], ["assistant", "A"], ["user", "Again?"]]);
  assert.equal(request.model, "default");
});

test("a missing required variable is a 400 naming it", async () => {
  const src = "---\ninput:\n  schema:\n    text: string, the text to summarize\n---\n{{text}}";
  await assert.rejects(preparePromptRun(base(src)), faro(400, "missing_variable", "variables.text", /Missing variable 'text' \(string: the text to summarize\)/));
});

test("a variable of the wrong type or outside its enum is a 400 naming it; undeclared extras pass", async () => {
  const src = "---\ninput:\n  schema:\n    text: string\n    to(enum): [Spanish, English]\n    count?: integer\n---\n{{text}} {{to}}";
  await assert.rejects(preparePromptRun(base(src, { variables: { text: "hi", to: "French" } })), faro(400, "invalid_variable", "variables.to", /The variables do not fit the input.schema of 'prompts\/test': Invalid value for 'to': .*Spanish.*English/));
  await assert.rejects(preparePromptRun(base(src, { variables: { text: 5, to: "Spanish" } })), faro(400, "invalid_variable", "variables.text", /Invalid value for 'text': expected string, received number/));
  await assert.rejects(preparePromptRun(base(src, { variables: { text: "hi", to: "Spanish", count: 1.5 } })), faro(400, "invalid_variable", "variables.count", /Invalid value for 'count': expected int/));
  const ok = await preparePromptRun(base(src, { variables: { text: "hi", to: "Spanish", count: 2, extra: { any: 1 } } }));
  assert.equal(ok.request.messages[0]!.content, "hi Spanish");
});

test("a prompt with errors is refused with the first one's position", async () => {
  await assert.rejects(preparePromptRun(base("---\nmodel: a\n---\n{{#if x}}open")), faro(400, "invalid_prompt", undefined, /line 4, column 1: The block '\{\{#if\}\}' is never closed/));
  await assert.rejects(preparePromptRun(base("---\nmodel: [a\n---\nx")), faro(400, "invalid_prompt", undefined, /line 2/));
  await assert.rejects(preparePromptRun(base("---\nconfig:\n  temperature: 9\n---\nx")), faro(400, "invalid_value", "temperature", /The prompt 'prompts\/test' makes an invalid request/));
  await assert.rejects(preparePromptRun(base("{{media url=x}}", { variables: { x: "http://x/y.png" } })), faro(400, "unsupported_prompt", undefined, /media part/));
});

test("faro.fallbacks: the first available of model, then fallbacks", async () => {
  const src = (m: string) => `---\nmodel: ${m}\nfaro.fallbacks: [gone, b]\nfaro.priority: 2\n---\nx`;
  assert.equal((await preparePromptRun(base(src("a")))).request.model, "a");
  const fb = await preparePromptRun(base(src("missing")));
  assert.equal(fb.request.model, "b");
  assert.equal(fb.priority, 2);
  await assert.rejects(preparePromptRun(base(src("missing"), { models: [] , defaultModel: null })), faro(404, "model_not_found", "model", /missing, gone, b/));
});

test("output.format json asks for the schema as OpenAI json_schema", async () => {
  const src = "---\noutput:\n  format: json\n  schema:\n    done: boolean\n---\nIs it done?";
  const { request } = await preparePromptRun(base(src));
  assert.deepEqual(request.response_format, {
    type: "json_schema",
    json_schema: { name: "prompts_test", schema: { type: "object", properties: { done: { type: "boolean" } }, required: ["done"], additionalProperties: false } },
  });
});

test("topK reaches the models that take top_k (local ones, Anthropic, Gemini, llama.cpp-style servers) and is left out for the others", async () => {
  const src = (m: string) => `---\nmodel: ${m}\nconfig:\n  temperature: 1.5\n  topK: 5\n---\nx`;
  const canAsk = () => true;
  for (const m of ["a", "default", "local/a", "anthropic/claude-3-5-haiku-latest", "gemini/gemini-2.0-flash", "vllm/qwen", "together/llama"]) {
    assert.equal((await preparePromptRun(base(src(m), { canAsk }))).request.top_k, 5, m);
  }
  for (const m of ["openai/gpt-4o-mini", "mistral/mistral-small", "ollama/llama3"]) {
    const { request } = await preparePromptRun(base(src(m), { canAsk }));
    assert.equal(request.top_k, undefined, m);
    assert.equal(request.temperature, 1.5, m);
  }
  // `default` stands for a cloud model that does not take it.
  assert.equal((await preparePromptRun(base(src("default"), { canAsk, defaultModel: "openai/gpt-4o-mini" }))).request.top_k, undefined);
});
