/**
 * Diagnostics of the `.prompt` language over stdio against the built language server: each
 * check with its exact range, code and message, quick fixes, partials from disk, and the
 * context-window warning once typing pauses.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CodeAction, Diagnostic } from "vscode-languageserver/node";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { writeTinyModel } from "../fixtures/models";
import { tempDir } from "../fixtures/serve";

let lsp: LspClient;
let ws: string;
let modelPath: string;

type Expected = [code: string, severity: number, range: [number, number, number, number], message?: RegExp];

function summary(ds: Diagnostic[]): Array<[string, number, [number, number, number, number]]> {
  return ds.map((d) => [String(d.code), d.severity ?? 0, [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character]]);
}

function expectDiagnostics(ds: Diagnostic[], expected: Expected[]): void {
  assert.deepEqual(summary(ds), expected.map(([c, s, r]) => [c, s, r]), JSON.stringify(ds, null, 1));
  expected.forEach(([, , , message], i) => {
    if (message) assert.match(String(ds[i]!.message), message);
    assert.equal(ds[i]!.source, "faro");
  });
}

let n = 0;
async function check(text: string, expected: Expected[]): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
  const uri = await lsp.open(join(ws, `case${++n}.prompt`), text);
  const diagnostics = await lsp.diagnostics(uri);
  expectDiagnostics(diagnostics, expected);
  return { uri, diagnostics };
}

const E = 1;
const W = 2;
const I = 3;

before(async () => {
  const models = await tempDir("faro-models-");
  await writeTinyModel(models, { name: "lsp-model" });
  // Only the context-window test uses this one, so its tokenizer is not loaded before that test.
  modelPath = await writeTinyModel(models, { name: "count-model", seed: 3 });
  await writeTinyModel(models, { name: "other-model", seed: 2 });
  ws = await tempDir("faro-ws-");
  await writeFile(join(ws, "_header.prompt"), "About {{topic}}:\n");
  lsp = await startLsp({ home: await tempDir(), modelsDirs: [models], endpoint: { port: 0 }, aliases: { quick: "local/lsp-model" } }, ws);
  // The model list arrives in the background; the server republishes when it does.
  const uri = await lsp.open(join(ws, "warmup.prompt"), "---\nmodel: lsp-modle\n---\nHi\n");
  await lsp.diagnostics(uri, 1, (d) => d.some((x) => x.code === "model-unknown"));
});

after(async () => {
  assert.equal(await lsp.stop(), 0, lsp.stderr());
});

test("a clean prompt has no diagnostics", async () => {
  await check("---\nmodel: lsp-model\nconfig:\n  temperature: 0.3\ninput:\n  schema:\n    name: string, who to greet\n---\nHello {{name}}!\n", []);
});

test("an alias from the settings is a model name like the catalog's", async () => {
  await check("---\nmodel: quick\nfaro.fallbacks: [lsp-model]\n---\nHi\n", []);
  await check("---\nmodel: quik\n---\nHi\n", [["model-unknown", E, [1, 7, 1, 11], /Model 'quik' is not available\..*quick\./]]);
});

test("model not in the catalog, with quick fixes to the nearest ids", async () => {
  const { uri, diagnostics } = await check("---\nmodel: lsp-modle\n---\nHi\n", [[
    "model-unknown", E, [1, 7, 1, 16], /Model 'lsp-modle' is not available\. Available: count-model, lsp-model, other-model, quick\./,
  ]]);
  const actions = (await lsp.conn.sendRequest("textDocument/codeAction", {
    textDocument: { uri },
    range: diagnostics[0]!.range,
    context: { diagnostics },
  })) as CodeAction[];
  assert.equal(actions[0]?.title, "Change to 'lsp-model'");
  assert.equal(actions[0]?.isPreferred, true);
  assert.deepEqual(actions[0]?.edit?.changes?.[uri], [{ range: diagnostics[0]!.range, newText: "lsp-model" }]);
});

test("a faro.dataset naming no file (relative to the prompt) is a warning, which goes once the file is there, without an edit", async () => {
  const dir = join(ws, "sub");
  await mkdir(dir, { recursive: true });
  const text = "---\nmodel: lsp-model\nfaro.dataset: rows.jsonl\n---\nHi\n";
  const uri = await lsp.open(join(dir, "withData.prompt"), text);
  const missing = await lsp.diagnostics(uri, 1, (d) => d.length > 0);
  expectDiagnostics(missing, [["file-missing", W, [2, 14, 2, 24], new RegExp(`^The dataset 'rows\\.jsonl' does not exist \\(looked for ${join(dir, "rows.jsonl").replace(/[\\/.]/g, "\\$&")}\\); the path is relative to the prompt\\.$`)]]);
  await writeFile(join(dir, "rows.jsonl"), '{"name": "Ada"}\n');
  assert.deepEqual(await lsp.diagnostics(uri, 1, (d) => d.length === 0), []);
  await mkdir(join(dir, "cases"));
  const folder = await lsp.open(join(dir, "withFolder.prompt"), text.replace("rows.jsonl", "cases"));
  expectDiagnostics(await lsp.diagnostics(folder, 1, (d) => d.length > 0), [["file-missing", W, [2, 14, 2, 19], /^The dataset 'cases' is a folder \(.*\); name a JSON or JSONL file\.$/]]);
});

test("YAML syntax errors are surfaced with the line they are on", async () => {
  await check("---\nmodel: lsp-model\nconfig: {temperature: 0.5\n---\nHi\n", [["yaml-syntax", E, [2, 0, 2, 25], /^YAML: Flow map .* end with a \}$/]]);
});

test("unknown keys, wrong types and config out of range for the model", async () => {
  await check("---\nmodel: lsp-model\nmodle: x\ndescription: 5\nconfig:\n  temperature: 3\n  maxOutputTokens: 100000\n  topk: 3\n---\nHi\n", [
    ["unknown-key", W, [2, 0, 2, 5], /Unknown frontmatter key 'modle'.*Did you mean 'model'\?/],
    ["wrong-type", E, [3, 13, 3, 14], /'description' must be a string, not number 5\./],
    ["config-range", E, [5, 15, 5, 16], /'temperature' must be from 0 to 2, not 3\./],
    ["config-range", E, [6, 19, 6, 25], /maxOutputTokens 100000 is beyond the context window of 'lsp-model' \(2048 tokens\)\./],
    ["config-unknown", W, [7, 2, 7, 6], /Did you mean 'topK'\?/],
  ]);
});

test("a YAML alias is checked as the value it stands for, and reported where it is written", async () => {
  await check("---\nmodel: &m lsp-model\ndescription: *m\nconfig:\n  temperature: *m\ninput:\n  schema:\n    a: &t string, a word\n    b: *t\n  default:\n    a: &x hi\n    b: *x\n---\n{{a}} {{b}}\n", [
    ["wrong-type", E, [4, 15, 4, 17], /^'temperature' must be a number, not string "lsp-model"\.$/],
  ]);
});

test("tools through YAML aliases are checked as the values they stand for: listed, defined, described", async () => {
  const defs = "faro.tools:\n  get_weather: *def\n  lookup:\n    description: *d\n    parameters:\n      q: string\n---\nHi\n";
  const head = "---\nmodel: lsp-model\nx.d: &d Look a word up\nx.def: &def\n  description: The weather\n  parameters:\n    city: string\n";
  await check(`${head}x.t: &t get_weather\ntools: [*t, lookup]\n${defs}`, []);
  await check(`${head}x.t: &t get_wether\ntools: [*t, lookup]\n${defs}`, [
    ["tool-unknown", E, [8, 8, 8, 10], /^The tool 'get_wether' has no definition in faro\.tools.* Did you mean 'get_weather'\?/],
    ["tool-unused", W, [10, 2, 10, 13], /^The tool 'get_weather' is defined but not listed/],
  ]);
});

test("Picoschema errors", async () => {
  await check("---\nmodel: lsp-model\ninput:\n  schema:\n    name: strin\n    tags(list): string\n---\nHi {{name}} {{tags}}\n", [
    ["schema-unknown-type", E, [4, 10, 4, 15], /Unknown Picoschema type 'strin'/],
    ["schema-invalid", E, [5, 4, 5, 14], /must be 'object', 'array' or 'enum', not 'list'/],
  ]);
});

test("JSON Schema errors, on the wrong node at any depth", async () => {
  await check("---\nmodel: lsp-model\ninput:\n  schema:\n    type: object\n    properties:\n      name: {type: strng}\n      tags: {type: array, items: {type: numbr}}\n    required: [name, nick]\n---\nHi {{name}} {{tags}}\n", [
    ["schema-invalid", E, [8, 21, 8, 25], /nick/],
    ["schema-invalid", E, [6, 19, 6, 24], /JSON Schema 'type' must be one of boolean, integer, null, number, string, object, array/],
    ["schema-invalid", E, [7, 40, 7, 45], /JSON Schema 'type' must be one of/],
  ]);
});

test("input.default against input.schema: a value of another type or outside an enum is an error on the value (a run with the defaults is refused)", async () => {
  await check("---\nmodel: lsp-model\ninput:\n  schema:\n    year: string\n    n?: integer\n    tone(enum): [formal, casual]\n    tags?(array): string\n  default:\n    year: 2024\n    n: null\n    tone: angry\n    tags: [a]\n---\n{{year}} {{n}} {{tone}} {{tags}}\n", [
    ["default-mismatch", E, [9, 10, 9, 14], /^The default of 'year' is number 2024, but input\.schema declares a string: a run with the default inputs is refused\.$/],
    ["default-mismatch", E, [11, 10, 11, 15], /^The default of 'tone' is string "angry", but input\.schema allows only "formal", "casual"/],
  ]);
  await check("---\nmodel: lsp-model\ninput:\n  schema:\n    type: object\n    properties:\n      n: {type: number}\n  default:\n    n: five\n---\n{{n}}\n", [
    ["default-mismatch", E, [8, 7, 8, 11], /'n' is string "five", but input\.schema declares a number/],
  ]);
});

test("a default for a variable input.schema does not declare is flagged on its name, with the declared one it likely means as a quick fix", async () => {
  const text = "---\nmodel: lsp-model\ninput:\n  schema:\n    name: string, who to greet\n  default:\n    nam: World\n    extra: 1\n---\nHello {{name}}\n";
  const { uri, diagnostics } = await check(text, [
    ["default-undeclared", W, [6, 4, 6, 7], /^'nam' has a default but input\.schema does not declare it\. Did you mean 'name'\?$/],
    ["default-undeclared", W, [7, 4, 7, 9], /^'extra' has a default but input\.schema does not declare it\.$/],
  ]);
  const actions = (await lsp.conn.sendRequest("textDocument/codeAction", { textDocument: { uri }, range: diagnostics[0]!.range, context: { diagnostics } })) as CodeAction[];
  assert.deepEqual(actions.map((a) => [a.title, a.edit?.changes?.[uri]?.[0]?.newText]), [["Rename to 'name'", "name"]]);
});

test("Handlebars: unclosed and mismatched blocks, unknown helpers, misused roles", async () => {
  await check("---\nmodel: lsp-model\n---\nIntro\n{{#each items}}\n- {{this}}\n", [["block-unclosed", E, [4, 0, 4, 15], /'\{\{#each\}\}' is never closed/]]);
  await check("{{#if a}}\nx\n{{/each}}\n", [["block-mismatch", E, [0, 3, 0, 5], /closed by '\{\{\/each\}\}'/]]);
  await check("---\nmodel: lsp-model\ninput:\n  schema:\n    name: string\n---\n{{role \"assistant\"}}\n{{shout name}}\n{{#role}}x{{/role}}\n", [
    ["role-misused", E, [6, 2, 6, 6], /Unknown role 'assistant'.*system, user, model, tool/],
    ["unknown-helper", E, [7, 2, 7, 7], /Unknown helper 'shout'/],
    ["role-misused", E, [8, 3, 8, 7], /not a block helper/],
  ]);
});

test("helpers called with the wrong arguments or form are flagged as they are typed, where Dotprompt's render fails, misrenders or drops an argument", async () => {
  const text = "---\nmodel: lsp-model\ninput:\n  schema:\n    a: string\n    b: string\n---\n{{#each}}x{{/each}}\n{{#if a b}}x{{/if}}\n{{json}}\n{{section}}\n{{history \"x\"}}\n{{ifEquals a b}}\n{{#if a}}x{{else if a\n  b}}y{{/if}}\n{{#ifEquals a b}}ok{{/ifEquals}} {{json a indent=2}} {{section \"output\"}} {{lookup a b}}\n";
  await check(text, [
    ["helper-misused", E, [7, 3, 7, 7], /^'each' takes exactly one list or object to repeat over: write \{\{#each items\}\}…\{\{\/each\}\}\.$/],
    ["helper-misused", E, [8, 8, 8, 9], /^'if' takes exactly one condition: write \{\{#if condition\}\}…\{\{\/if\}\}\.$/],
    ["helper-misused", E, [9, 2, 9, 6], /^'json' takes one value: write \{\{json value\}\}/],
    ["helper-misused", E, [10, 2, 10, 9], /^'section' takes one section name: write \{\{section "name"\}\}\.$/],
    ["helper-misused", W, [11, 10, 11, 13], /^'history' takes no arguments: Dotprompt ignores this argument\. Write \{\{history\}\}\.$/],
    ["helper-misused", E, [12, 2, 12, 10], /^'ifEquals' is a block helper: write \{\{#ifEquals a b\}\}…\{\{\/ifEquals\}\}\.$/],
    ["helper-misused", E, [14, 2, 14, 3], /^'if' takes exactly one condition/],
  ]);
});

test("variables used but not declared (quick fix declares) and declared but unused", async () => {
  const text = "---\nmodel: lsp-model\ninput:\n  schema:\n    name: string\n    unused?: number, never used\n---\nHello {{name}} from {{city}}!\n";
  const { uri, diagnostics } = await check(text, [
    ["variable-undeclared", W, [7, 22, 7, 26], /'city' is not declared in input\.schema/],
    ["variable-unused", W, [5, 4, 5, 11], /'unused' is declared in input\.schema but the template never uses it/],
  ]);
  assert.deepEqual(diagnostics[1]!.tags, [1], "unused is marked unnecessary");
  const actions = (await lsp.conn.sendRequest("textDocument/codeAction", { textDocument: { uri }, range: diagnostics[0]!.range, context: { diagnostics } })) as CodeAction[];
  const declare = actions.find((a) => a.title === "Declare 'city' in input.schema");
  assert.deepEqual(declare?.edit?.changes?.[uri], [{ range: { start: { line: 6, character: 0 }, end: { line: 6, character: 0 } }, newText: "    city: string\n" }]);
});

test("a misspelt variable says which declared one it likely means, and the preferred quick fix changes it", async () => {
  const text = "---\nmodel: lsp-model\ninput:\n  schema:\n    language: string\n---\nReview this {{langauge}} code, in {{language}}.\n";
  const { uri, diagnostics } = await check(text, [["variable-undeclared", W, [6, 14, 6, 22], /^'langauge' is not declared in input\.schema\. Did you mean 'language'\?$/]]);
  const actions = (await lsp.conn.sendRequest("textDocument/codeAction", { textDocument: { uri }, range: diagnostics[0]!.range, context: { diagnostics } })) as CodeAction[];
  assert.deepEqual(actions.map((a) => [a.title, a.isPreferred]), [["Change to 'language'", true], ["Declare 'langauge' in input.schema", false]]);
  assert.deepEqual(actions[0]!.edit?.changes?.[uri], [{ range: diagnostics[0]!.range, newText: "language" }]);
});

test("{{#ifEquals}} with a value its enum variable cannot take is flagged on the value; an item's field in {{#each}} and short unrelated names are not", async () => {
  const head = "---\nmodel: lsp-model\ninput:\n  schema:\n    to(enum, the language): [Spanish, English]\n    items?(array): string\n---\n";
  await check(`${head}{{#ifEquals to "French"}}Fr{{/ifEquals}}{{#unlessEquals 'German' to}}x{{/unlessEquals}}{{#ifEquals to "English"}}En{{/ifEquals}}{{items}}\n`, [
    ["enum-value-unknown", W, [7, 15, 7, 23], /^'French' is not one of the values input\.schema allows for 'to' \(Spanish, English\): this block never renders\.$/],
    ["enum-value-unknown", W, [7, 56, 7, 64], /: this block always renders\.$/],
  ]);
  await check(`${head}{{to}}{{#each items}}{{#ifEquals to "French"}}x{{/ifEquals}}{{/each}} {{xs}}\n`, [["variable-undeclared", W, [7, 72, 7, 74], /^'xs' is not declared in input\.schema\.$/]]);
});

test("partials resolve from _name.prompt files; a missing one is an error; their variables count as used", async () => {
  await check("---\nmodel: lsp-model\ninput:\n  schema:\n    topic: string\n---\n{{> header}}\n{{> missing}}\n", [
    ["partial-unresolved", E, [7, 4, 7, 11], /Partial 'missing' not found: .*_missing\.prompt/],
  ]);
});

test("a misspelt partial says which one it likely means, a file's or an inline one, and the quick fix changes it", async () => {
  const text = "---\nmodel: lsp-model\ninput:\n  schema:\n    topic: string\n---\n{{#*inline \"footer\"}}Bye{{/inline}}\n{{> heder}}\n{{> foter}}\n{{topic}}\n";
  const { uri, diagnostics } = await check(text, [
    ["partial-unresolved", E, [7, 4, 7, 9], /^Partial 'heder' not found: .* Did you mean 'header'\?$/],
    ["partial-unresolved", E, [8, 4, 8, 9], /^Partial 'foter' not found: .* Did you mean 'footer'\?$/],
  ]);
  const actions = (await lsp.conn.sendRequest("textDocument/codeAction", { textDocument: { uri }, range: diagnostics[0]!.range, context: { diagnostics } })) as CodeAction[];
  assert.deepEqual(actions.map((a) => [a.title, a.isPreferred]), [["Change to 'header'", true]]);
  assert.deepEqual(actions[0]!.edit?.changes?.[uri], [{ range: diagnostics[0]!.range, newText: "header" }]);
});

test("a partial the template defines itself ({{#*inline}}) is found, and its variables count as used", async () => {
  await check("---\nmodel: lsp-model\ninput:\n  schema:\n    name: string\n---\n{{#*inline \"greet\"}}Hello {{name}}{{/inline}}\n{{> greet}}\n{{> missing}}\n", [
    ["partial-unresolved", E, [8, 4, 8, 11], /Partial 'missing' not found/],
  ]);
});

test("partials called as a block: a missing one renders its fallback; {{> @partial-block}} belongs in a partial file and needs a block call", async () => {
  const frame = join(ws, "_frame.prompt");
  await writeFile(frame, "[{{> @partial-block}}]\n");
  assert.deepEqual(await lsp.diagnostics(await lsp.open(frame, "[{{> @partial-block}}]\n")), []);
  await check("---\nmodel: lsp-model\ninput:\n  schema:\n    name: string\n---\n{{#> missing}}Hi {{name}}{{/missing}}\n{{#> frame}}{{name}}{{/frame}}\n{{> frame}}\n{{> @partial-block}}\n", [
    ["partial-block-outside", E, [9, 4, 9, 18], /only inside a partial/],
    ["partial-block-missing", E, [8, 4, 8, 9], /^Partial 'frame' inserts the block it is called with/],
  ]);
});

test("tools: names without a definition, repeated or unused ones, bad names, descriptions and parameters", async () => {
  const text = [
    "---",
    "model: lsp-model",
    "tools: [get_weather, get_wether, get_weather]",
    "faro.tools:",
    "  get_weather:",
    "    description: 12",
    "    parameters:",
    "      city: string",
    "  bad name!:",
    "    parameters: string",
    "  lookup:",
    "    parameters:",
    "      type: array",
    "    returns: x",
    "---",
    "Hi",
    "",
  ].join("\n");
  const { uri, diagnostics } = await check(text, [
    ["wrong-type", E, [5, 17, 5, 19], /^The description of the tool 'get_weather' must be a string\.$/],
    ["tool-name", E, [8, 2, 8, 11], /'bad name!' is not a valid tool name: use 1 to 64 letters, digits, '_' or '-'/],
    ["tool-parameters", E, [9, 16, 9, 22], /The parameters of the tool 'bad name!' must describe an object \(named fields\), not 'string'/],
    ["unknown-key", W, [13, 4, 13, 11], /Unknown key 'returns' in the tool 'lookup'\. Known: description, parameters\./],
    ["tool-parameters", E, [12, 6, 13, 0], /The parameters of the tool 'lookup' must describe an object \(named fields\), not 'array'/],
    ["tool-unknown", E, [2, 21, 2, 31], /^The tool 'get_wether' has no definition in faro\.tools, so Faro cannot send it to the model\. Did you mean 'get_weather'\?/],
    ["tool-repeated", W, [2, 33, 2, 44], /listed twice/],
    ["tool-unused", W, [8, 2, 8, 11], /The tool 'bad name!' is defined but not listed in 'tools:', so runs do not send it\./],
    ["tool-unused", W, [10, 2, 10, 8], /'lookup' is defined but not listed/],
  ]);
  assert.deepEqual(diagnostics[7]!.tags, [1], "an unused tool is marked unnecessary");
  assert.deepEqual(diagnostics[5]!.data, { suggestions: ["get_weather"] });
  const actions = (await lsp.conn.sendRequest("textDocument/codeAction", { textDocument: { uri }, range: diagnostics[5]!.range, context: { diagnostics: [diagnostics[5]] } })) as CodeAction[];
  assert.deepEqual(actions.find((a) => a.title === "Change to 'get_weather'")?.edit?.changes?.[uri], [{ range: diagnostics[5]!.range, newText: "get_weather" }]);
  // A Picoschema or JSON Schema error inside parameters is reported where it is.
  const v2 = await lsp.change(uri, text.replace("      city: string", "      city: strng"));
  const ds = await lsp.diagnostics(uri, v2);
  assert.ok(ds.some((d) => d.code?.toString().startsWith("schema") && d.range.start.line === 7), JSON.stringify(ds.map((d) => [d.code, d.range.start])));
});

test("frontmatter that is never closed", async () => {
  await check("---\nmodel: lsp-model\nHello\n", [["frontmatter-unclosed", E, [0, 0, 0, 3], /not closed/]]);
});

test("a blank line before the frontmatter: Dotprompt sees none and sends the '---' lines; a quick fix removes the line", async () => {
  const text = "\n---\nmodel: lsp-model\n---\nHi\n";
  const { uri, diagnostics } = await check(text, [["frontmatter-not-first", W, [0, 0, 1, 3], /^The frontmatter's '---' must start the file's first line: .*Dotprompt reads no frontmatter \(model, config and input are not applied\) and sends the whole file, '---' lines included, to the model\./]]);
  const actions = (await lsp.conn.sendRequest("textDocument/codeAction", { textDocument: { uri }, range: diagnostics[0]!.range, context: { diagnostics } })) as CodeAction[];
  const remove = actions.find((a) => a.title === "Remove what comes before '---'");
  assert.deepEqual(remove?.edit?.changes?.[uri], [{ range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }, newText: "" }]);
  await check("  ---\nmodel: lsp-model\n---\nHi\n", [["frontmatter-not-first", W, [0, 0, 0, 5], /must start the file's first line/]]);
});

test("the rendered default prompt against the context window, once typing pauses: an estimate at once, then the model's tokenizer's count; edits update diagnostics", async () => {
  const { getLlama } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never" });
  const vocab = await llama.loadModel({ modelPath, vocabOnly: true });
  // What count-model's own tokenizer counts for a rendered text, computed here independently.
  const counted = (rendered: string) => vocab.tokenize(rendered, false).length;
  const promptWith = (value: string) => `---\nmodel: count-model\nconfig:\n  maxOutputTokens: 256\ninput:\n  schema:\n    text: string\n  default:\n    text: ${value}\n---\nSummarize: {{text}}\n`;
  try {
    // 8,500 characters of one short word: about 2128 tokens by the estimate, fewer for the tiny vocabulary.
    const words = "word ".repeat(1700).trim();
    const fits = counted(`Summarize: ${words}`);
    assert.ok(fits + 256 <= 2048 && Math.ceil(`Summarize: ${words}`.length / 4) + 256 > 2048, `precondition: the estimate says too big, the tokenizer says it fits (${fits})`);
    const uri = await lsp.open(join(ws, "big.prompt"), promptWith(words));
    // The tokenizer of count-model is not loaded before this prompt asks for it: the first warning is an estimate...
    const ds = await lsp.diagnostics(uri, 1, (d) => d.length > 0);
    expectDiagnostics(ds, [["context-window", W, [1, 7, 1, 18], /is ≈ 2128 tokens \(estimate\) plus maxOutputTokens 256: more than the 2048-token context window of 'count-model'/]]);
    // ...which the real count withdraws once the tokenizer has loaded, without an edit.
    assert.deepEqual(await lsp.diagnostics(uri, 1, (d) => d.length === 0), []);

    // Words the tiny vocabulary splits into many tokens: the exact count is far above the estimate.
    const latin = "lorem ipsum dolor ".repeat(600).trim();
    const expected = counted(`Summarize: ${latin}`);
    assert.ok(expected > 2 * Math.ceil(`Summarize: ${latin}`.length / 4), `precondition: the tokenizer counts far more than the estimate (${expected})`);
    const v2 = await lsp.change(uri, promptWith(latin));
    const exact = await lsp.diagnostics(uri, v2, (d) => d.length > 0);
    expectDiagnostics(exact, [["context-window", W, [1, 7, 1, 18], new RegExp(`is ${expected} tokens \\(counted with its tokenizer\\) plus maxOutputTokens 256: more than the 2048-token context window of 'count-model'`)]]);

    const v3 = await lsp.change(uri, promptWith(latin).replace("{{text}}", "{{text}} {{extra}}"));
    const after = await lsp.diagnostics(uri, v3, (d) => d.some((x) => x.code === "variable-undeclared"));
    assert.ok(after.some((d) => d.code === "variable-undeclared" && d.range.start.line === 10));
  } finally {
    await vocab.dispose();
  }
});
