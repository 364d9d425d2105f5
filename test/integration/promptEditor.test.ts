/**
 * Completion, hover, document symbols and folding of the `.prompt` language over stdio against
 * the built language server (the cursor is written `§` in the texts below).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CodeLens, CompletionItem, DocumentSymbol, FoldingRange, Hover, MarkupContent } from "vscode-languageserver/node";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { writeTinyModel } from "../fixtures/models";
import { tempDir } from "../fixtures/serve";

let lsp: LspClient;
let ws: string;
let n = 0;

/** Opens `text` (without its `§`) and returns the document and the cursor position. */
async function openAt(text: string) {
  const offset = text.indexOf("§");
  const clean = text.replace("§", "");
  const before = clean.slice(0, offset).split("\n");
  const position = { line: before.length - 1, character: before.at(-1)!.length };
  const uri = await lsp.open(join(ws, `doc${++n}.prompt`), clean);
  return { uri, position };
}

async function completions(text: string): Promise<CompletionItem[]> {
  const { uri, position } = await openAt(text);
  const r = (await lsp.conn.sendRequest("textDocument/completion", { textDocument: { uri }, position })) as CompletionItem[] | null;
  return r ?? [];
}

async function hoverText(text: string): Promise<string | null> {
  const { uri, position } = await openAt(text);
  const h = (await lsp.conn.sendRequest("textDocument/hover", { textDocument: { uri }, position })) as Hover | null;
  return h ? (h.contents as MarkupContent).value : null;
}

const labels = (items: CompletionItem[]) => items.map((i) => i.label);

before(async () => {
  const models = await tempDir("faro-models-");
  await writeTinyModel(models, { name: "lsp-model" });
  await writeTinyModel(models, { name: "other-model", seed: 2 });
  ws = await tempDir("faro-ws-");
  await writeFile(join(ws, "_rules.prompt"), "Be brief.\n");
  lsp = await startLsp({ home: await tempDir(), modelsDirs: [models], endpoint: { port: 0 }, aliases: { quick: "local/lsp-model" } }, ws);
  const uri = await lsp.open(join(ws, "warmup.prompt"), "---\nmodel: nope\n---\nHi\n");
  await lsp.diagnostics(uri, 1, (d) => d.some((x) => x.code === "model-unknown"));
});

after(async () => {
  assert.equal(await lsp.stop(), 0, lsp.stderr());
});

test("completes top-level keys (not those already there) and Faro's namespaced keys", async () => {
  const items = await completions("---\nmodel: lsp-model\nco§\n---\nHi\n");
  const l = labels(items);
  for (const k of ["config", "input", "output", "description", "faro.fallbacks", "faro.priority"]) assert.ok(l.includes(k), `${k} in ${l}`);
  assert.ok(!l.includes("model") && !l.includes("raw") && !l.includes("ext"));
  const config = items.find((i) => i.label === "config")!;
  assert.deepEqual(config.textEdit, { range: { start: { line: 2, character: 0 }, end: { line: 2, character: 2 } }, newText: "config:\n  $0" });
});

test("completes model ids with their details, and 'default', then aliases and priced cloud models", async () => {
  const items = await completions("---\nmodel: §\n---\nHi\n");
  assert.deepEqual(labels(items).slice(0, 4), ["default", "lsp-model", "other-model", "quick"]);
  const cloud = items.find((i) => i.label === "openai/gpt-4o-mini")!;
  assert.match(cloud.detail!, /^openai \(cloud\) · 128000 ctx · \$0\.15 in \/ \$0\.6 out per million tokens( · no openai key yet)?$/);
  assert.ok(items.some((i) => i.label === "anthropic/claude-3-5-haiku"), labels(items).join(", "));
  assert.ok(items.slice(4).every((i) => String(i.label).includes("/")), "after the aliases, only provider/model ids");
  assert.match(items[1]!.detail!, /^local · llama · .* · 2048 ctx/);
  assert.match((items[1]!.documentation as MarkupContent).value, /Context window: 2048 tokens/);
});

test("completes models and tools in flow lists ([a, b]) as in block lists, and a quoted value inside its quotes", async () => {
  const at = async (text: string) => (await completions(text)).map((i) => [i.label, (i.textEdit as { range: { start: { character: number } } }).range.start.character]);
  const fallbacks = await at("---\nmodel: lsp-model\nfaro.fallbacks: [default, ls§]\n---\nHi\n");
  assert.deepEqual(fallbacks.slice(0, 2), [["default", 26], ["lsp-model", 26]]);
  assert.deepEqual((await at("---\nmodel: lsp-model\nfaro.fallbacks: [§]\n---\nHi\n"))[1], ["lsp-model", 17]);
  const tools = "faro.tools:\n  get_weather:\n    description: The weather\n  lookup:\n    description: A word\n---\nHi\n";
  assert.deepEqual(await at(`---\ntools: [§]\n${tools}`), [["get_weather", 8], ["lookup", 8]]);
  assert.deepEqual(await at(`---\ntools:\n  - lo§\n${tools}`), [["get_weather", 4], ["lookup", 4]]);
  assert.deepEqual((await at('---\nmodel: "§"\n---\nHi\n'))[1], ["lsp-model", 8], "the quote stays");
  assert.deepEqual((await at("---\nmodel: 'ls§'\n---\nHi\n"))[1], ["lsp-model", 8]);
});

test("completes under input.default the declared variables without a default yet, and an enum's or a boolean's values", async () => {
  const head = "---\ninput:\n  schema:\n    text: string, the text\n    to(enum, the language): [Spanish, English]\n    short?: boolean\n  default:\n";
  const items = await completions(`${head}    to: Spanish\n    §\n---\n{{text}} {{to}} {{short}}\n`);
  assert.deepEqual(items.map((i) => [i.label, i.detail, (i.textEdit as { newText: string }).newText]), [["text", "string", "text: $0"], ["short", "boolean (optional)", "short: $0"]]);
  assert.deepEqual(labels(await completions(`${head}    to: §\n---\nHi\n`)), ["Spanish", "English"]);
  assert.deepEqual(labels(await completions(`${head}    to: "§"\n---\nHi\n`)), ["Spanish", "English"]);
  assert.deepEqual(labels(await completions(`${head}    short: §\n---\nHi\n`)), ["true", "false"]);
});

test("completes config keys under config and enum values", async () => {
  const l = labels(await completions("---\nmodel: lsp-model\nconfig:\n  temperature: 0.5\n  max§\n---\nHi\n"));
  assert.ok(l.includes("maxOutputTokens") && l.includes("topP") && l.includes("stopSequences"), String(l));
  assert.deepEqual(labels(await completions("---\noutput:\n  format: §\n---\nHi\n")), ["text", "json", "jsonl", "array", "enum", "media"]);
});

test("completes schema types: Picoschema's for a field, JSON Schema's for 'type:', none for an enum's or object's value; in output.schema and a tool's parameters too", async () => {
  const pico = ["string", "number", "integer", "boolean", "any", "null"];
  assert.deepEqual(labels(await completions("---\ninput:\n  schema:\n    name: §\n---\nHi\n")), pico);
  assert.deepEqual(labels(await completions("---\noutput:\n  schema:\n    ok: §\n---\nHi\n")), pico);
  assert.deepEqual(labels(await completions("---\ninput:\n  schema:\n    type: §\n---\nHi\n")), ["string", "number", "integer", "boolean", "null", "object", "array"]);
  assert.deepEqual(labels(await completions("---\ninput:\n  schema:\n    type: object\n    properties:\n      n:\n        type: §\n---\nHi\n")), ["string", "number", "integer", "boolean", "null", "object", "array"]);
  assert.deepEqual(labels(await completions("---\ninput:\n  schema:\n    tone(enum): §\n---\nHi\n")), []);
  assert.deepEqual(labels(await completions("---\ninput:\n  schema:\n    user?(object, who): §\n---\nHi\n")), []);
  const tool = "---\nfaro.tools:\n  lookup:\n    description: Look a word up\n    parameters:\n      word: §\n---\nHi\n";
  assert.deepEqual(labels(await completions(tool)), pico, "a tool's parameters are a schema too");
  assert.deepEqual(labels(await completions(tool.replace("word: §", "type: §"))), ["string", "number", "integer", "boolean", "null", "object", "array"]);
});

test("completes variables and helpers in the body, block helpers after {{#, the open block after {{/, partials after {{>, roles", async () => {
  const head = "---\nmodel: lsp-model\ninput:\n  schema:\n    name: string, who\n    topic?: string\n---\n";
  const items = await completions(`${head}Hello {{§`);
  assert.deepEqual(labels(items).slice(0, 2), ["name", "topic"]);
  assert.equal(items[0]!.detail, "string");
  assert.equal(items[1]!.detail, "string (optional)");
  assert.ok(labels(items).includes("json") && labels(items).includes("role"));
  assert.ok(labels(await completions(`${head}{{#e§`)).includes("each"));
  assert.deepEqual(labels(await completions(`${head}{{#each items}}x{{/§`)), ["each"]);
  assert.deepEqual(labels(await completions(`${head}{{> §`)), ["rules"]);
  assert.deepEqual(labels(await completions(`${head}{{role "§`)), ["system", "user", "model", "tool"]);
});

test("completes an object variable's declared fields after a dot ({{who.§), as deep as the schema goes, in Picoschema and JSON Schema", async () => {
  const pico = "---\nmodel: lsp-model\ninput:\n  schema:\n    who(object, the reader):\n      name: string, their name\n      age?: integer\n      address:\n        city: string\n    topic: string\n---\n";
  const items = await completions(`${pico}Hello {{who.§`);
  assert.deepEqual(labels(items), ["name", "age", "address"]);
  assert.equal(items[0]!.detail, "string");
  assert.equal(items[0]!.documentation, "their name");
  assert.equal(items[1]!.detail, "integer (optional)");
  assert.deepEqual(labels(await completions(`${pico}{{who.na§}}`)), ["name", "age", "address"]); // the editor filters by the typed prefix
  assert.deepEqual(labels(await completions(`${pico}{{#if who.address.§`)), ["city"]);
  assert.deepEqual(labels(await completions(`${pico}{{topic.§`)), []); // a string has no fields
  assert.deepEqual(labels(await completions(`${pico}{{nobody.§`)), []);
  const json = "---\nmodel: lsp-model\ninput:\n  schema:\n    type: object\n    properties:\n      who:\n        type: object\n        properties:\n          name: {type: string, description: their name}\n        required: [name]\n---\n";
  const fromJson = await completions(`${json}{{who.§`);
  assert.deepEqual(labels(fromJson), ["name"]);
  assert.equal(fromJson[0]!.detail, "string");
});

test("completes in the body where the editor has closed the braces already ({{§}}), and not in the text just before a tag", async () => {
  const head = "---\nmodel: lsp-model\ninput:\n  schema:\n    name: string, who\n---\n";
  assert.deepEqual(labels(await completions(`${head}Hello {{§}}`)).slice(0, 2), ["name", "json"]);
  assert.deepEqual(labels(await completions(`${head}Hello {{na§}} and more`)).slice(0, 1), ["name"]);
  assert.ok(labels(await completions(`${head}{{#§}}`)).includes("each"));
  assert.deepEqual(labels(await completions(`${head}{{> §}}`)), ["rules"]);
  assert.deepEqual(labels(await completions(`${head}{{#> ru§}}x{{/rules}}`)), ["rules"]);
  assert.deepEqual(labels(await completions(`${head}{{role "§"}}`)), ["system", "user", "model", "tool"]);
  const close = await completions(`${head}{{#if name}}x{{/§}}`);
  assert.deepEqual(close.map((i) => [i.label, (i.textEdit as { newText: string }).newText]), [["if", "if"]], "the braces are there already");
  assert.deepEqual(await completions(`${head}Hello §{{name}}`), []);
  assert.deepEqual(await completions(`${head}{{name}}§`), []);
});

test("completes the names a block gives with 'as |x|' inside it, innermost first, and not after it closes", async () => {
  const head = "---\ninput:\n  schema:\n    items(array): string\n---\n";
  assert.deepEqual(labels(await completions(`${head}{{#each items as |item i|}}{{#with item as |it|}}{{§}}`)).slice(0, 4), ["it", "item", "i", "items"]);
  assert.deepEqual(labels(await completions(`${head}{{#each items as |item|}}{{#if i§`)).slice(0, 2), ["item", "items"]);
  assert.deepEqual(labels(await completions(`${head}{{#each items as |item|}}{{item}}{{/each}} {{§`)).slice(0, 1), ["items"]);
});

test("completes an enum variable's values in the string {{#ifEquals}} compares it with", async () => {
  const head = "---\ninput:\n  schema:\n    to(enum, the language): [Spanish, English]\n    text: string\n---\n";
  assert.deepEqual(labels(await completions(`${head}{{#ifEquals to "§"}}x{{/ifEquals}}`)), ["Spanish", "English"]);
  assert.deepEqual(labels(await completions(`${head}{{#unlessEquals to 'Sp§`)), ["Spanish", "English"]);
  assert.deepEqual(await completions(`${head}{{#ifEquals text "§`), []);
});

test("completes partials after {{#> as after {{>, and the partials the template defines itself first, while the tag is half typed", async () => {
  const head = "---\nmodel: lsp-model\n---\n";
  assert.deepEqual(labels(await completions(`${head}{{#> §`)), ["rules"]);
  const inline = `${head}{{#*inline "box"}}[{{> @partial-block}}]{{/inline}}{{#*inline 'rules'}}mine{{/inline}}\n`;
  const items = await completions(`${inline}{{> §`);
  assert.deepEqual(labels(items), ["box", "rules"]);
  assert.equal(items[1]!.detail, "inline partial, defined in this prompt");
  assert.deepEqual(labels(await completions(`${inline}{{#> b§`)), ["box", "rules"]);
});

test("hover: model details, key docs, variable type and description, helper usage", async () => {
  assert.match((await hoverText("---\nmodel: lsp-mo§del\n---\nHi\n"))!, /\*\*lsp-model\*\* — local model \(llama.*\n\nContext window: 2048 tokens · Size: .* · Loaded: no.*\n\nPrice: free/);
  assert.match((await hoverText("---\nmodel: defa§ult\n---\nHi\n"))!, /`default` is now \*\*(lsp|other)-model\*\*/);
  assert.match((await hoverText("---\nconfig:\n  tempe§rature: 1\n---\nHi\n"))!, /\*\*config\.temperature\*\* \(number\)\n\nSampling temperature/);
  const head = "---\ninput:\n  schema:\n    name: string, who to greet\n---\n";
  assert.equal(await hoverText(`${head}Hi {{na§me}}`), "**name**: `string`\n\nwho to greet");
  assert.match((await hoverText(`${head}{{js§on name}}`))!, /\{\{json value indent=2\}\}/);
  assert.equal(await hoverText(`${head}Plain te§xt {{name}}`), null);
});

test("hover: a YAML alias gets the hover of what it stands for (a model, in a flow list too); an inline partial's name shows its body", async () => {
  const model = /\*\*lsp-model\*\* — local model \(llama.*\n\nContext window: 2048 tokens/;
  const alias = new RegExp(`^\`\\*m\` stands for \`lsp-model\`\n\n${model.source}`);
  assert.match((await hoverText("---\nx.m: &m lsp-model\nmodel: *§m\n---\nHi\n"))!, alias);
  assert.match((await hoverText("---\nx.m: &m lsp-model\nmodel: default\nfaro.fallbacks: [*m§]\n---\nHi\n"))!, alias);
  assert.equal(await hoverText('{{#*inline "x"}}Hi{{/inline}}{{> §x}}\n'), "Inline partial **x** (defined on line 1)\n\n```handlebars\nHi\n```");
});

test("hover on an input.schema field: its type and description, in Picoschema and in JSON Schema alike", async () => {
  assert.equal(await hoverText("---\ninput:\n  schema:\n    na§me: string, who to greet\n---\nHi {{name}}\n"), "**name**: `string`\n\nwho to greet");
  const json = "---\ninput:\n  schema:\n    type: object\n    properties:\n      na§me: {type: string, description: who to greet}\n      age: {type: integer}\n    required: [name]\n---\nHi {{name}} {{age}}\n";
  assert.equal(await hoverText(json), "**name**: `string`\n\nwho to greet");
  assert.equal(await hoverText(json.replace("na§me", "name").replace("age:", "a§ge:")), "**age**: `integer` (optional)");
  assert.equal(await hoverText(json.replace("na§me", "name").replace("{type: string,", "{ty§pe: string,")), null, "a keyword inside a property's schema is not the variable");
});

test("document symbols: frontmatter keys and template blocks and roles, nested", async () => {
  const text = "---\nmodel: lsp-model\nconfig:\n  temperature: 1\n---\n{{role \"system\"}}\nRules\n{{#each items}}\n{{#if this}}x{{/if}}\n{{/each}}\n";
  const uri = await lsp.open(join(ws, "symbols.prompt"), text);
  const symbols = (await lsp.conn.sendRequest("textDocument/documentSymbol", { textDocument: { uri } })) as DocumentSymbol[];
  const shape = (s: DocumentSymbol): unknown => [s.name, ...(s.children?.length ? [s.children.map(shape)] : [])];
  assert.deepEqual(symbols.map(shape), [
    ["frontmatter", [["model"], ["config", [["temperature"]]]]],
    ["template", [["role: system"], ["#each", [["#if"]]]]],
  ]);
  const each = symbols[1]!.children![1]!;
  assert.deepEqual(each.range, { start: { line: 7, character: 0 }, end: { line: 9, character: 9 } });
  assert.deepEqual(each.selectionRange, { start: { line: 7, character: 0 }, end: { line: 7, character: 15 } });
});

test("document symbols: a Picoschema field is its name, with its type, optionality and description as detail; JSON Schema keys stay as written", async () => {
  const text = "---\ninput:\n  schema:\n    text: string, the text\n    to(enum, the language): [Spanish, English]\n    user?(object, who asks):\n      name: string\n      tags(array): string\noutput:\n  schema:\n    type: object\n    properties:\n      ok: {type: boolean}\nfaro.tools:\n  lookup:\n    description: A word\n    parameters:\n      q: string, the word\n---\n{{text}} {{to}} {{user}}\n";
  const uri = await lsp.open(join(ws, "picoOutline.prompt"), text);
  const symbols = (await lsp.conn.sendRequest("textDocument/documentSymbol", { textDocument: { uri } })) as DocumentSymbol[];
  const shape = (s: DocumentSymbol): unknown => [s.name, ...(s.detail ? [s.detail] : []), ...(s.children?.length ? [s.children.map(shape)] : [])];
  const [input, output, tools] = symbols[0]!.children!;
  assert.deepEqual(shape(input!), ["input", [["schema", [
    ["text", "string · the text"],
    ["to", "enum (Spanish, English) · the language"],
    ["user", "object (optional) · who asks", [["name", "string"], ["tags", "array of string"]]],
  ]]]]);
  assert.deepEqual(shape(output!), ["output", [["schema", [["type", "object"], ["properties", [["ok"]]]]]]]);
  assert.deepEqual(shape(tools!), ["faro.tools", [["lookup", [["description", "A word"], ["parameters", [["q", "string · the word"]]]]]]]);
  const block = await lsp.open(join(ws, "blockOutline.prompt"), "---\ninput:\n  default:\n    code: |\n      one()\n        two()\n---\n{{code}}\n");
  const [blockSymbols] = (await lsp.conn.sendRequest("textDocument/documentSymbol", { textDocument: { uri: block } })) as DocumentSymbol[];
  assert.equal(blockSymbols!.children![0]!.children![0]!.children![0]!.detail, "one() two()", "a block scalar's detail is one line");
  const to = input!.children![0]!.children![1]!;
  assert.deepEqual(to.selectionRange, { start: { line: 4, character: 4 }, end: { line: 4, character: 26 } });
});

test("folding: frontmatter, multi-line YAML values, blocks, comments", async () => {
  const text = "---\nmodel: lsp-model\nconfig:\n  temperature: 1\n  topP: 0.5\n---\n{{!--\n a comment\n--}}\n{{#each items}}\n- {{this}}\n{{/each}}\n";
  const uri = await lsp.open(join(ws, "fold.prompt"), text);
  const ranges = (await lsp.conn.sendRequest("textDocument/foldingRange", { textDocument: { uri } })) as FoldingRange[];
  const got = ranges.map((r) => [r.startLine, r.endLine, r.kind ?? null]).sort((a, b) => Number(a[0]) - Number(b[0]));
  assert.deepEqual(got, [[0, 4, null], [2, 4, null], [6, 8, "comment"], [9, 10, null]]);
});

test("an inline partial's definition is in the outline, with the blocks inside it, and folds", async () => {
  const text = "---\nmodel: lsp-model\n---\n{{#*inline \"row\"}}\n{{#if this}}\n- {{this}}\n{{/if}}\n{{/inline}}\n{{#each items}}{{> row}}{{/each}}\n";
  const uri = await lsp.open(join(ws, "inlineOutline.prompt"), text);
  const symbols = (await lsp.conn.sendRequest("textDocument/documentSymbol", { textDocument: { uri } })) as DocumentSymbol[];
  const shape = (s: DocumentSymbol): unknown => [s.name, ...(s.children?.length ? [s.children.map(shape)] : [])];
  assert.deepEqual(shape(symbols[1]!), ["template", [["*inline row", [["#if"]]], ["#each"]]]);
  const row = symbols[1]!.children![0]!;
  assert.deepEqual([row.range, row.selectionRange], [
    { start: { line: 3, character: 0 }, end: { line: 7, character: 11 } },
    { start: { line: 3, character: 11 }, end: { line: 3, character: 16 } },
  ]);
  const ranges = (await lsp.conn.sendRequest("textDocument/foldingRange", { textDocument: { uri } })) as FoldingRange[];
  assert.deepEqual(ranges.filter((r) => r.startLine >= 3).map((r) => [r.startLine, r.endLine]).sort((a, b) => a[0]! - b[0]!), [[3, 6], [4, 5]]);
});

test("code lenses Run, Compare, History on the frontmatter; none on partials", async () => {
  const uri = await lsp.open(join(ws, "lens.prompt"), "---\nmodel: lsp-model\n---\nHi\n");
  const lenses = (await lsp.conn.sendRequest("textDocument/codeLens", { textDocument: { uri } })) as CodeLens[];
  assert.deepEqual(lenses.map((l) => [l.range.start.line, l.command?.title, l.command?.command, l.command?.arguments]), [
    [0, "▶ Run", "faro.prompt.run", [uri]],
    [0, "Compare", "faro.prompt.compare", [uri]],
    [0, "History", "faro.prompt.history", [uri]],
  ]);
  const partial = await lsp.open(join(ws, "_part.prompt"), "Some text\n");
  assert.deepEqual(await lsp.conn.sendRequest("textDocument/codeLens", { textDocument: { uri: partial } }), []);
});
