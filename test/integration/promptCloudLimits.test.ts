/**
 * Cloud models' context windows in the `.prompt` language over stdio against the built language
 * server: maxOutputTokens beyond a cloud model's window or output cap (exact ranges), the
 * rendered prompt over its window, a window given in config.json's `prices`, and hover and
 * completion showing the window. The windows come from the price table (prices.json).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CompletionItem, Diagnostic, Hover, MarkupContent } from "vscode-languageserver/node";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { writeTinyModel } from "../fixtures/models";
import { tempDir } from "../fixtures/serve";

let lsp: LspClient;
let ws: string;
let n = 0;

type Expected = [code: string, severity: number, range: [number, number, number, number], message: RegExp];
const E = 1;
const W = 2;

function expectDiagnostics(ds: Diagnostic[], expected: Expected[]): void {
  const got = ds.map((d) => [String(d.code), d.severity, [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character]]);
  assert.deepEqual(got, expected.map(([c, s, r]) => [c, s, r]), JSON.stringify(ds, null, 1));
  expected.forEach(([, , , message], i) => assert.match(String(ds[i]!.message), message));
}

/** Diagnostics once the render check (after the typing pause) has had its say: `until` tells when. */
async function diagnosticsOf(text: string, until: (d: Diagnostic[]) => boolean = () => true): Promise<Diagnostic[]> {
  const uri = await lsp.open(join(ws, `cloud${++n}.prompt`), text);
  return lsp.diagnostics(uri, 1, until);
}

async function at(text: string): Promise<{ uri: string; position: { line: number; character: number } }> {
  const offset = text.indexOf("§");
  const clean = text.replace("§", "");
  const lines = clean.slice(0, offset).split("\n");
  const uri = await lsp.open(join(ws, `cloud${++n}.prompt`), clean);
  return { uri, position: { line: lines.length - 1, character: lines.at(-1)!.length } };
}

before(async () => {
  const models = await tempDir("faro-models-");
  await writeTinyModel(models, { name: "lsp-model" });
  ws = await tempDir("faro-ws-");
  const home = await tempDir();
  // A model of the user's own with a small window, given in config.json next to its price.
  await writeFile(join(home, "config.json"), JSON.stringify({ prices: { "openai/tiny-window": { input: 1, output: 2, context: 3000, max_output: 500 } } }));
  lsp = await startLsp({ home, modelsDirs: [models], endpoint: { port: 0 } }, ws);
  const uri = await lsp.open(join(ws, "warmup.prompt"), "---\nmodel: nope\n---\nHi\n");
  await lsp.diagnostics(uri, 1, (d) => d.some((x) => x.code === "model-unknown"));
});

after(async () => {
  assert.equal(await lsp.stop(), 0, lsp.stderr());
});

const withMax = (model: string, max: number, body = "Hi") => `---\nmodel: ${model}\nconfig:\n  maxOutputTokens: ${max}\n---\n${body}\n`;

test("maxOutputTokens beyond a cloud model's context window, or beyond its output cap, is an error on the value", async () => {
  expectDiagnostics(await diagnosticsOf(withMax("openai/gpt-4o-mini", 200000)), [
    ["config-range", E, [3, 19, 3, 25], /^maxOutputTokens 200000 is beyond the context window of 'openai\/gpt-4o-mini' \(128000 tokens\)\.$/],
  ]);
  expectDiagnostics(await diagnosticsOf(withMax("openai/gpt-4o-mini", 20000)), [
    ["config-range", E, [3, 19, 3, 24], /^maxOutputTokens 20000 is beyond the most 'openai\/gpt-4o-mini' writes in one answer \(16384 tokens\)\.$/],
  ]);
  // A dated name finds the family's limits; within them, nothing is said.
  expectDiagnostics(await diagnosticsOf(withMax("openai/gpt-4o-mini-2024-07-18", 20000)), [
    ["config-range", E, [3, 19, 3, 24], /beyond the most 'openai\/gpt-4o-mini-2024-07-18' writes in one answer \(16384 tokens\)/],
  ]);
  expectDiagnostics(await diagnosticsOf(withMax("openai/gpt-4o-mini", 16384)), []);
  // A window from config.json.
  expectDiagnostics(await diagnosticsOf(withMax("openai/tiny-window", 600)), [
    ["config-range", E, [3, 19, 3, 22], /^maxOutputTokens 600 is beyond the most 'openai\/tiny-window' writes in one answer \(500 tokens\)\.$/],
  ]);
  // A cloud model the table has no window for: no verdict rather than a guess.
  expectDiagnostics(await diagnosticsOf(withMax("openai/gpt-9-ultra", 10_000_000)), []);
});

test("the rendered default prompt over a cloud model's context window is a warning on the model", async () => {
  // About 130,000 tokens by the estimate (4 characters a token): over gpt-4o-mini's 128,000.
  const big = `Summarize: ${"word ".repeat(104_000)}`;
  const ds = await diagnosticsOf(`---\nmodel: openai/gpt-4o-mini\n---\n${big}\n`, (d) => d.length > 0);
  expectDiagnostics(ds, [["context-window", W, [1, 7, 1, 25], /is ≈ 13\d{4} tokens \(estimate\): more than the 128000-token context window of 'openai\/gpt-4o-mini'\.$/]]);

  // config.json's window, and maxOutputTokens counted in: 2,750 + 400 > 3,000.
  const ds2 = await diagnosticsOf(withMax("openai/tiny-window", 400, "x".repeat(11_000)), (d) => d.length > 0);
  expectDiagnostics(ds2, [["context-window", W, [1, 7, 1, 25], /is ≈ 2750 tokens \(estimate\) plus maxOutputTokens 400: more than the 3000-token context window of 'openai\/tiny-window'\.$/]]);
  // Edits move the verdict both ways: 2,750 + 260 is over, 2,750 + 200 fits and the warning goes.
  const near = withMax("openai/tiny-window", 260, "x".repeat(11_000));
  const uri = await lsp.open(join(ws, `cloud${++n}.prompt`), near);
  expectDiagnostics(await lsp.diagnostics(uri, 1, (d) => d.length > 0), [["context-window", W, [1, 7, 1, 25], /plus maxOutputTokens 260: more than the 3000-token context window/]]);
  const v2 = await lsp.change(uri, near.replace("maxOutputTokens: 260", "maxOutputTokens: 200"));
  assert.deepEqual(await lsp.diagnostics(uri, v2, (d) => d.length === 0), []);
});

test("hover and completion show a cloud model's context window and output cap", async () => {
  const h = await at("---\nmodel: openai/gpt-4o-m§ini\n---\nHi\n");
  const hover = (await lsp.conn.sendRequest("textDocument/hover", { textDocument: { uri: h.uri }, position: h.position })) as Hover;
  assert.equal(
    (hover.contents as MarkupContent).value,
    "**openai/gpt-4o-mini** — openai model, sent to openai's API through Faro's gateway (needs its key)\n\nContext window: 128000 tokens · Max output: 16384 tokens\n\nPrice: $0.15 input · $0.6 output per million tokens",
  );
  assert.deepEqual(hover.range, { start: { line: 1, character: 7 }, end: { line: 1, character: 25 } });

  const c = await at("---\nmodel: §\n---\nHi\n");
  const items = ((await lsp.conn.sendRequest("textDocument/completion", { textDocument: { uri: c.uri }, position: c.position })) as CompletionItem[]) ?? [];
  const byId = (id: string) => items.find((i) => i.label === id)?.detail;
  assert.match(byId("openai/gpt-4o-mini")!, /^openai \(cloud\) · 128000 ctx · \$0\.15 in \/ \$0\.6 out per million tokens/);
  assert.match(byId("openai/tiny-window")!, /^openai \(cloud\) · 3000 ctx · \$1 in \/ \$2 out/);
  // Priced without a known window: no ctx part.
  assert.match(byId("mistral/mistral-small")!, /^mistral \(cloud\) · \$0\.1 in/);
});
