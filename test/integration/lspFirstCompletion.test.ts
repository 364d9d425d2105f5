/**
 * The first model completion after the language server starts offers the local models: it
 * waits briefly for the first model list instead of answering with `default` and cloud models only.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { CompletionItem } from "vscode-languageserver/node";
import { startLsp } from "../fixtures/lspClient";
import { writeTinyModel } from "../fixtures/models";
import { tempDir } from "../fixtures/serve";

test("a model completion asked for at once after start offers the local models", async () => {
  const models = await tempDir("faro-models-");
  await writeTinyModel(models, { name: "first-model" });
  const ws = await tempDir("faro-ws-");
  const lsp = await startLsp({ home: await tempDir(), modelsDirs: [models], endpoint: { port: 0 } }, ws);
  try {
    const uri = await lsp.open(join(ws, "a.prompt"), "---\nmodel: \n---\nHi\n");
    const items = ((await lsp.conn.sendRequest("textDocument/completion", { textDocument: { uri }, position: { line: 1, character: 7 } })) as CompletionItem[] | null) ?? [];
    assert.deepEqual(items.map((i) => i.label).slice(0, 2), ["default", "first-model"]);
    assert.match(items[0]!.detail!, /now first-model/);
  } finally {
    assert.equal(await lsp.stop(), 0, lsp.stderr());
  }
});
