import { test } from "node:test";
import assert from "node:assert/strict";
import { endpointSnippets } from "../../../extension/snippets";

test("snippets carry the real URL and model for Python, JavaScript, curl and LangChain", () => {
  const md = endpointSnippets("http://127.0.0.1:4891/v1", null, "faro-demo");
  for (const heading of ["## Python (openai)", "## JavaScript / TypeScript (openai)", "## curl", "## LangChain (Python)"]) assert.ok(md.includes(heading), heading);
  assert.equal(md.match(/http:\/\/127\.0\.0\.1:4891\/v1/g)!.length, 6);
  assert.ok(md.includes('model="faro-demo"') && md.includes('"model": "faro-demo"'));
  assert.ok(!md.includes("FARO_API_KEY"), "no key on loopback without one");
  assert.equal((md.match(/```/g) ?? []).length % 2, 0, "fences are balanced");
});

test("with the endpoint's own key, every snippet has it filled in", () => {
  const md = endpointSnippets("http://0.0.0.0:9/v1", { value: "faro-abc_123" }, "m");
  assert.ok(md.includes('OpenAI(base_url="http://0.0.0.0:9/v1", api_key="faro-abc_123")'));
  assert.ok(md.includes('new OpenAI({ baseURL: "http://0.0.0.0:9/v1", apiKey: "faro-abc_123" })'));
  assert.ok(md.includes('-H "Authorization: Bearer faro-abc_123"'));
  assert.ok(md.includes('ChatOpenAI(base_url="http://0.0.0.0:9/v1", api_key="faro-abc_123", model="m")'));
  assert.ok(!md.includes("FARO_API_KEY") && !md.includes("import os"), "nothing left to read from the environment");
  assert.match(md, /keep it out of version control/);
});

test("with a key the backend took from its environment, the snippets read FARO_API_KEY", () => {
  const md = endpointSnippets("http://127.0.0.1:9/v1", { value: null }, "m");
  assert.ok(md.includes("os.environ['FARO_API_KEY']"));
  assert.ok(md.includes("process.env.FARO_API_KEY"));
  assert.ok(md.includes('-H "Authorization: Bearer $FARO_API_KEY"'));
  assert.ok(md.includes("import os"));
});
