/**
 * The diagnostic codes promptDiagnostics.test.ts does not reach, over stdio against the built
 * language server, each with its exact range (the span of the text it points at), severity and
 * message: a frontmatter that is not a mapping, a YAML warning, a value outside a key's values, an
 * output format a typo away from a known one (with its quick fix), a
 * key Dotprompt computes, a key Faro does not send to the prompt's model, a Handlebars syntax
 * error, a misused helper, a repeated {{history}}, a tool that is not a mapping, and a default
 * prompt that fails to render.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { CodeAction, Diagnostic } from "vscode-languageserver/node";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { writeTinyModel } from "../fixtures/models";
import { tempDir } from "../fixtures/serve";

let lsp: LspClient;
let ws: string;
let n = 0;

const E = 1;
const W = 2;
const I = 3;

type Range4 = [number, number, number, number];

/** The range of the `nth` occurrence of `needle` in `text` (line and character, as LSP counts them). */
function span(text: string, needle: string, nth = 0): Range4 {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  assert.ok(at >= 0, `'${needle}' is in the text`);
  const pos = (o: number): [number, number] => {
    const lines = text.slice(0, o).split("\n");
    return [lines.length - 1, lines.at(-1)!.length];
  };
  return [...pos(at), ...pos(at + needle.length)];
}

async function check(text: string, expected: Array<[code: string, severity: number, range: Range4, message: RegExp]>, until: (d: Diagnostic[]) => boolean = () => true): Promise<void> {
  const uri = await lsp.open(join(ws, `codes${++n}.prompt`), text);
  const ds = await lsp.diagnostics(uri, 1, until);
  const got = ds.map((d) => [String(d.code), d.severity, [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character]]);
  assert.deepEqual(got, expected.map(([c, s, r]) => [c, s, r]), JSON.stringify(ds, null, 1));
  expected.forEach(([, , , message], i) => assert.match(String(ds[i]!.message), message));
}

before(async () => {
  const models = await tempDir("faro-models-");
  await writeTinyModel(models, { name: "lsp-model" });
  ws = await tempDir("faro-ws-");
  lsp = await startLsp({ home: await tempDir(), modelsDirs: [models], endpoint: { port: 0 } }, ws);
  const uri = await lsp.open(join(ws, "warmup.prompt"), "---\nmodel: nope\n---\nHi\n");
  await lsp.diagnostics(uri, 1, (d) => d.some((x) => x.code === "model-unknown"));
});

after(async () => {
  assert.equal(await lsp.stop(), 0, lsp.stderr());
});

test("frontmatter: not a mapping, a YAML warning", async () => {
  const list = "---\n- model\n- config\n---\nHi\n";
  await check(list, [["frontmatter-not-mapping", E, span(list, "- model\n- config"), /^The frontmatter must be a YAML mapping of keys/]]);
  // A tag YAML does not know is a warning, not an error.
  const tagged = "---\nmodel: lsp-model\ndescription: !mystery text\n---\nHi\n";
  await check(tagged, [["yaml-warning", W, span(tagged, "!mystery"), /^YAML: Unresolved tag: !mystery$/]]);
});

test("keys: a value outside its values, a key Dotprompt computes, a key Faro does not apply for the prompt's model", async () => {
  // A local model applies topK: nothing to say about it.
  const text = "---\nmodel: lsp-model\nconfig:\n  toolChoice: sometimes\n  topK: 5\nraw: {}\n---\nHi\n";
  await check(text, [
    ["key-computed", W, span(text, "raw"), /^'raw' is computed by Dotprompt while parsing; the value written here is replaced\.$/],
    ["wrong-value", E, span(text, "sometimes"), /^'toolChoice' must be one of auto, required, none, not string "sometimes"\.$/],
  ]);
  const cloud = "---\nmodel: openai/gpt-4o-mini\nconfig:\n  topK: 5\n---\nHi\n";
  await check(cloud, [["ignored-by-faro", I, span(cloud, "topK"), /^'topK' is left out for openai models: their API has no top_k\.$/]]);
  await check(cloud.replace("openai/gpt-4o-mini", "gemini/gemini-2.0-flash"), []);
});

test("an output format a typo away from a known one: a warning with a quick fix; another value is left alone", async () => {
  const text = "---\nmodel: lsp-model\noutput:\n  format: jsn\n---\nHi\n";
  const uri = await lsp.open(join(ws, `codes${++n}.prompt`), text);
  const ds = await lsp.diagnostics(uri);
  assert.deepEqual(ds.map((d) => [d.code, d.severity, d.message]), [
    ["value-unknown", W, "'jsn' is not a value Faro knows for 'output.format' (text, json, jsonl, array, enum, media). Did you mean 'json'?"],
  ]);
  assert.deepEqual(ds[0]!.range, { start: { line: 3, character: 10 }, end: { line: 3, character: 13 } });
  const actions = (await lsp.conn.sendRequest("textDocument/codeAction", { textDocument: { uri }, range: ds[0]!.range, context: { diagnostics: ds } })) as CodeAction[];
  assert.deepEqual(actions.map((a) => [a.title, a.isPreferred]), [["Change to 'json'", true], ["Change to 'jsonl'", false]]);
  assert.deepEqual(actions[0]!.edit?.changes?.[uri], [{ range: ds[0]!.range, newText: "json" }]);
  for (const custom of ["xml", "yaml", "markdown", "json"]) await check(text.replace("jsn", custom), []);
});

test("template: a Handlebars syntax error, helpers misused, {{history}} twice", async () => {
  const syntax = "---\nmodel: lsp-model\n---\nHello {{name}\n";
  await check(syntax, [["template-syntax", E, span(syntax, "}"), /^Handlebars syntax error: expected '\}\}\}\}', '\}\}', .*; found invalid text\.$/]]);

  const helpers = "---\nmodel: lsp-model\n---\nHi {{media}} {{history}} {{history}}\n";
  await check(helpers, [
    ["helper-misused", E, span(helpers, "media"), /^'media' needs a url: \{\{media url=imageUrl\}\}\.$/],
    ["history-repeated", W, span(helpers, "history", 1), /^'\{\{history\}\}' appears more than once/],
  ]);
});

test("a tool that is not a mapping", async () => {
  const text = "---\nmodel: lsp-model\ntools: [lookup]\nfaro.tools:\n  lookup: 5\n---\nHi\n";
  await check(text, [["tool-invalid", E, span(text, "5", 0), /^The tool 'lookup' must be a mapping with 'description' and 'parameters'\.$/]]);
});

test("a default prompt that fails to render is a warning on the body's first line, once typing pauses", async () => {
  // A partial named by a value: which one only the default inputs tell, and none has that name.
  const text = "---\nmodel: lsp-model\ninput:\n  default:\n    part: footer\n---\n{{> (lookup . \"part\")}}\n";
  await check(text, [["render-failed", W, span(text, "{{> (lookup . \"part\")}}"), /^Rendering with the default inputs fails: The partial footer could not be found$/]], (d) => d.length > 0);
  // Handlebars parses '{{#if}}' and refuses it only when rendering; Faro says so as it is typed.
  const early = "---\nmodel: lsp-model\n---\n{{#if}}x{{/if}}\n";
  await check(early, [["helper-misused", E, span(early, "if"), /^'if' takes exactly one condition: write \{\{#if condition\}\}…\{\{\/if\}\}\.$/]]);
});
