import { test } from "node:test";
import assert from "node:assert/strict";
import { endpointSnippets } from "../../../extension/snippets";

test("snippets carry the real URL and model for Python, JavaScript, curl and LangChain", () => {
  const md = endpointSnippets("http://127.0.0.1:4891/v1", false, "faro-demo");
  for (const heading of ["## Python (openai)", "## JavaScript / TypeScript (openai)", "## curl", "## LangChain (Python)"]) assert.ok(md.includes(heading), heading);
  assert.equal(md.match(/http:\/\/127\.0\.0\.1:4891\/v1/g)!.length, 6);
  assert.ok(md.includes('model="faro-demo"') && md.includes('"model": "faro-demo"'));
  assert.ok(!md.includes("FARO_API_KEY"), "no key on loopback without one");
  assert.equal((md.match(/```/g) ?? []).length % 2, 0, "fences are balanced");
});

test("with a required key the snippets read it from FARO_API_KEY, never inline it", () => {
  const md = endpointSnippets("http://127.0.0.1:9/v1", true, "m");
  assert.ok(md.includes("os.environ['FARO_API_KEY']"));
  assert.ok(md.includes("process.env.FARO_API_KEY"));
  assert.ok(md.includes('-H "Authorization: Bearer $FARO_API_KEY"'));
  assert.ok(md.includes("import os"));
});
