/** The frontmatter's checks are remembered per parsed YAML, and redone when what they depend on changes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzePrompt, type CheckContext } from "../../../server/prompts/check";
import type { ModelInfo } from "../../../server/protocol";

const model = (id: string) => ({ id, faro: { context_length: 64, provider: "local" } }) as unknown as ModelInfo;
const codes = (text: string, ctx: CheckContext) => analyzePrompt(text, ctx).problems.map((p) => [p.code, text.slice(p.start, p.end)]);

test("a body edit reuses the frontmatter's checks; a new model list or default model redoes them", () => {
  const text = "---\nmodel: demo\nconfig:\n  temprature: 1\n---\nHi {{name}}\n";
  const none: CheckContext = { models: [], defaultModel: null, partial: () => null };
  const first = analyzePrompt(text, none);
  const edited = analyzePrompt(text.replace("Hi", "Hello"), none);
  assert.equal(edited.frontmatter, first.frontmatter, "the same facts object: the checks were not run again");
  assert.deepEqual(codes(text, none), [["model-unknown", "demo"], ["config-unknown", "temprature"], ["variable-undeclared", "name"]]);
  // The model appears in the catalog (a new list): the model error goes.
  const withDemo: CheckContext = { ...none, models: [model("demo")] };
  assert.deepEqual(codes(text, withDemo), [["config-unknown", "temprature"], ["variable-undeclared", "name"]]);
  assert.equal(analyzePrompt(text, withDemo).frontmatter.resolvedModel?.id, "demo");
  // `default` resolves through defaultModel, which is part of what the checks depend on.
  const dflt = text.replace("model: demo", "model: default");
  assert.deepEqual(codes(dflt, withDemo).map(([c]) => c), ["model-unknown", "config-unknown", "variable-undeclared"]);
  assert.deepEqual(codes(dflt, { ...withDemo, defaultModel: "demo" }).map(([c]) => c), ["config-unknown", "variable-undeclared"]);
});

test("the same frontmatter at another offset gets its own ranges", () => {
  const ctx: CheckContext = { models: [model("demo")], defaultModel: null, partial: () => null };
  const a = "---\nmodel: nope\n---\nx\n";
  const b = "---   \nmodel: nope\n---\nx\n";
  assert.deepEqual(codes(a, ctx), [["model-unknown", "nope"]]);
  assert.deepEqual(codes(b, ctx), [["model-unknown", "nope"]]);
});
