/** parsePromptDocument: Dotprompt's frontmatter split, YAML and Handlebars errors with exact ranges, template analysis. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePromptDocument } from "../../../server/prompts/document";
import { renderPrompt } from "../../../server/prompts/render";

/** The text a problem or reference covers. */
const at = (text: string, s: { start: number; end: number }) => text.slice(s.start, s.end);

test("splits frontmatter and body as Dotprompt does, with offsets", () => {
  const text = "---\nmodel: demo\n---\nHello {{name}}\n";
  const d = parsePromptDocument(text);
  assert.ok(d.frontmatter);
  assert.equal(at(text, d.frontmatter.span), "model: demo");
  assert.deepEqual(d.frontmatter.data, { model: "demo" });
  assert.equal(at(text, d.body), "Hello {{name}}\n");
  assert.deepEqual(d.problems, []);
  assert.deepEqual(d.template.variables.map((v) => [v.name, at(text, v)]), [["name", "name"]]);
});

test("CRLF files and a file without frontmatter", () => {
  const crlf = "---\r\nmodel: a\r\n---\r\nHi {{x}}";
  const d = parsePromptDocument(crlf);
  assert.equal(at(crlf, d.frontmatter!.span), "model: a");
  assert.equal(at(crlf, d.template.variables[0]!), "x");
  const plain = parsePromptDocument("Just {{text}}");
  assert.equal(plain.frontmatter, null);
  assert.equal(plain.body.start, 0);
});

test("an unclosed frontmatter is an error on the first line", () => {
  const d = parsePromptDocument("---\nmodel: x\nHello");
  assert.deepEqual(d.problems.map((p) => [p.code, p.start, p.end]), [["frontmatter-unclosed", 0, 3]]);
});

test("an empty frontmatter is none for Dotprompt (the '---' lines are template): a warning, not 'not closed'", () => {
  for (const text of ["---\n---\nHi", "---\n\n---\nHi", "---\r\n---\r\nHi"]) {
    const d = parsePromptDocument(text);
    assert.equal(d.frontmatter, null, JSON.stringify(text));
    assert.equal(d.body.start, 0, "the whole file is the template, as the library renders it");
    assert.deepEqual(d.problems.map((p) => [p.code, p.severity, p.start]), [["frontmatter-empty", "warning", 0]], JSON.stringify(text));
  }
  // A frontmatter of a comment only is not empty for the library.
  assert.equal(parsePromptDocument("---\n# later\n---\nHi").problems.length, 0);
});

test("YAML errors point into the frontmatter", () => {
  const text = "---\nmodel: x\nmodel: y\n---\nHi";
  const d = parsePromptDocument(text);
  const p = d.problems.find((x) => x.code === "yaml-syntax");
  assert.ok(p, JSON.stringify(d.problems));
  assert.equal(at(text, p), "model");
  assert.equal(d.text.slice(0, p.start).split("\n").length - 1, 2, "on line 3");
  assert.match(p.message, /unique/);
  assert.equal(d.frontmatter!.hasErrors, true);
});

test("an unclosed block is reported on its opening tag", () => {
  const text = "---\nmodel: x\n---\nA\n{{#each items}}\n{{#if a}}x{{/if}}\n";
  const p = parsePromptDocument(text).problems;
  assert.deepEqual(p.map((x) => [x.code, at(text, x)]), [["block-unclosed", "{{#each items}}"]]);
  assert.match(p[0]!.message, /add '\{\{\/each\}\}'/);
});

test("a mismatched close names both blocks", () => {
  const text = "{{#if a}}\nx\n{{/each}}";
  const [p] = parsePromptDocument(text).problems;
  assert.equal(p?.code, "block-mismatch");
  assert.equal(at(text, p!), "if");
  assert.match(p!.message, /'\{\{#if\}\}' is closed by '\{\{\/each\}\}'/);
});

test("a syntax error covers the offending token", () => {
  const text = "---\nmodel: x\n---\nHello {{name}\n";
  const [p] = parsePromptDocument(text).problems;
  assert.equal(p?.code, "template-syntax");
  assert.equal(at(text, p!), "}");
  assert.match(p!.message, /expected .*'\}\}'/);
});

test("variables: root names only, respecting each/with contexts and block params", () => {
  const text = "{{a}} {{b.c}} {{#each items as |it|}}{{it.x}} {{y}} {{../z}} {{@root.w}} {{@index}}{{/each}}{{#with obj}}{{inner}}{{/with}}{{#if cond}}{{v}}{{/if}}{{json data indent=2}}";
  const vars = parsePromptDocument(text).template.variables.map((v) => v.name);
  assert.deepEqual(vars, ["a", "b", "items", "z", "w", "obj", "cond", "v", "data"]);
});

test("helpers are classified like the Handlebars compiler with knownHelpersOnly", () => {
  const text = "{{history}} {{shout name}} {{#each xs}}{{/each}} {{#section}}{{/section}} {{role 'system'}}";
  const h = parsePromptDocument(text).template.helpers.map((x) => [x.name, x.known, x.block]);
  assert.deepEqual(h, [["history", true, false], ["shout", false, false], ["each", true, true], ["section", true, true], ["role", true, false]]);
});

test("renders are isolated: a partial from one render is not seen by the next", async () => {
  const first = await renderPrompt({ source: "{{> header}}", partialResolver: (n) => (n === "header" ? "v1" : null) });
  assert.equal(first.messages[0]?.content[0]?.text, "v1");
  const second = await renderPrompt({ source: "{{> header}}", partialResolver: (n) => (n === "header" ? "v2" : null) });
  assert.equal(second.messages[0]?.content[0]?.text, "v2");
  await assert.rejects(renderPrompt({ source: "{{> header}}" }), /partial header could not be found/);
});
