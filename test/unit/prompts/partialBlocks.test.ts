/**
 * Partials called as a block, `{{#> name}}fallback{{/name}}`: a missing one renders its fallback
 * (no error), the fallback is checked like any template text, an existing one is rendered (not
 * the fallback), and `{{> @partial-block}}` is accepted where it has a block to insert and
 * explained where it has none.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzePrompt } from "../../../server/prompts/check";
import { renderPrompt } from "../../../server/prompts/render";

const FILES: Record<string, string> = { frame: "[{{> @partial-block}}]", plain: "PLAIN {{topic}}" };
const partial = (name: string) => FILES[name] ?? null;
const HEAD = "---\ninput:\n  schema:\n    name: string\n    topic: string\n---\n";

function problems(body: string, partialFile = false): Array<[string, string]> {
  const text = HEAD + body;
  return analyzePrompt(text, { models: null, defaultModel: null, partial, partialFile }).problems.map((p) => [p.code, text.slice(p.start, p.end)]);
}

test("a missing partial called with a fallback is no error; the fallback is checked like the template", () => {
  assert.deepEqual(problems("{{#> missing}}Hi {{name}} {{topic}}{{/missing}}\n"), []);
  assert.deepEqual(problems("{{#> missing}}Hi {{nam}} {{nope 1}}{{/missing}} {{name}} {{topic}}\n"), [
    ["unknown-helper", "nope"],
    ["variable-undeclared", "nam"],
  ]);
  assert.deepEqual(problems("{{> missing}} {{name}} {{topic}}\n"), [["partial-unresolved", "missing"]]);
});

test("a partial that inserts its block must be called as a block; its variables count as used", () => {
  assert.deepEqual(problems("{{#> frame}}Hi {{name}}{{/frame}} {{> plain}}\n"), []);
  assert.deepEqual(problems("{{> frame}} {{name}} {{> plain}}\n"), [["partial-block-missing", "frame"]]);
  const [message] = analyzePrompt(HEAD + "{{> frame}}{{name}}{{topic}}\n", { models: null, defaultModel: null, partial }).problems.map((p) => p.message);
  assert.match(message!, /^Partial 'frame' inserts the block it is called with \(\{\{> @partial-block\}\}\), so rendering fails without one: call it as \{\{#> frame\}\}…\{\{\/frame\}\}\.$/);
});

test("{{> @partial-block}} is fine in a partial file or an inline partial, and explained in a prompt", () => {
  assert.deepEqual(problems("<{{> @partial-block}}> {{name}} {{topic}}\n", true), []);
  assert.deepEqual(problems("{{#*inline \"box\"}}<{{> @partial-block}}>{{/inline}}{{#> box}}{{name}} {{topic}}{{/box}}\n"), []);
  const text = HEAD + "{{name}} {{topic}} {{> @partial-block}}\n";
  const [p] = analyzePrompt(text, { models: null, defaultModel: null, partial }).problems;
  assert.equal(p?.code, "partial-block-outside");
  assert.equal(text.slice(p.start, p.end), "@partial-block");
  assert.match(p.message, /works only inside a partial \(a _name\.prompt file or an \{\{#\*inline\}\} one\)/);
});

test("a run renders a partial called as a block, with the block inside it, and the fallback only when it is missing", async () => {
  const render = async (source: string) => (await renderPrompt({ source, data: { input: { name: "Ana", topic: "tea" } }, partialResolver: partial })).messages[0]!.content;
  assert.deepEqual(await render("{{#> frame}}Hi {{name}}{{/frame}}"), [{ text: "[Hi Ana]" }]);
  assert.deepEqual(await render("{{#> plain}}fallback{{/plain}}"), [{ text: "PLAIN tea" }]);
  assert.deepEqual(await render("{{#> missing}}fallback {{name}}{{/missing}}"), [{ text: "fallback Ana" }]);
  assert.deepEqual(await render("{{#> missing}}{{#> frame}}in {{topic}}{{/frame}}{{/missing}}"), [{ text: "[in tea]" }]);
});
