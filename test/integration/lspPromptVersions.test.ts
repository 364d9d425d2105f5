/**
 * Versions over LSP as the editor's History uses them (stdio, the built server): a label moved
 * and removed; the two sources a diff shows, served exactly; a restore (the editor writes an
 * old version's text and saves) recording a new version with that text, and nothing more when
 * saved unchanged; and a run's log row carrying the prompt id and version (and none for an
 * unsaved run's version).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { PromptHistoryResult, PromptRunEvent, PromptRunStarted, PromptSourceResult } from "../../server/protocol";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { writeTinyModel } from "../fixtures/models";
import { tempDir } from "../fixtures/serve";

const V1 = "---\nmodel: default\nconfig:\n  temperature: 0\n  maxOutputTokens: 3\ninput:\n  schema:\n    name: string\n---\nHello {{name}}\n";
const V2 = V1.replace("Hello", "Hi");

test("labels move and go; diff sources are exact; a restore records a new version; runs log their prompt id and version", async () => {
  const models = await tempDir("faro-models-");
  await writeTinyModel(models, { name: "tiny-model" });
  const ws = await tempDir("faro-ws-");
  const home = await tempDir();
  const lsp = await startLsp({ home, modelsDirs: [models], engine: { threads: 1 } }, ws);
  const saved = (version: number) =>
    lsp.until(`v${version}`, () => lsp.notifications.find((n) => n.method === "faro/prompt/versionsChanged" && (n.params as { version: number }).version === version));
  const history = () => lsp.conn.sendRequest<PromptHistoryResult>("faro/prompt/history", { promptId: "sub/greet" });
  const source = async (version: number) => (await lsp.conn.sendRequest<PromptSourceResult>("faro/prompt/version", { promptId: "sub/greet", version })).source;
  try {
    const uri = await lsp.open(join(ws, "sub", "greet.prompt"), V1);
    await lsp.conn.sendNotification("textDocument/didSave", { textDocument: { uri } });
    await saved(1);
    await lsp.change(uri, V2);
    await lsp.conn.sendNotification("textDocument/didSave", { textDocument: { uri } });
    await saved(2);

    // A label set, moved to another version, then removed.
    await lsp.conn.sendRequest("faro/prompt/label", { promptId: "sub/greet", label: "staging", version: 1 });
    const moved = await lsp.conn.sendRequest<PromptHistoryResult>("faro/prompt/label", { promptId: "sub/greet", label: "staging", version: 2 });
    assert.deepEqual(moved.labels, { staging: 2 });
    assert.deepEqual(moved.versions.map((v) => [v.version, v.labels]), [[2, ["staging"]], [1, []]]);
    const removed = await lsp.conn.sendRequest<PromptHistoryResult>("faro/prompt/label", { promptId: "sub/greet", label: "staging", version: null });
    assert.deepEqual(removed.labels, {});

    // The diff editor's two sides: each version's text exactly.
    assert.equal(await source(1), V1);
    assert.equal(await source(2), V2);

    // Restore v1: the editor writes its text and saves; that is a new version with v1's text.
    await lsp.change(uri, await source(1));
    await lsp.conn.sendNotification("textDocument/didSave", { textDocument: { uri } });
    await saved(3);
    assert.equal(await source(3), V1);
    await lsp.conn.sendNotification("textDocument/didSave", { textDocument: { uri } });
    const h = await history();
    assert.deepEqual(h.versions.map((v) => v.version), [3, 2, 1]);
    assert.equal(h.versions[0]!.hash, h.versions[2]!.hash, "v3 is v1's text");

    // Runs: the saved prompt (v3) and an unsaved edit of it.
    for (const [runId, text] of [["run-saved", null], ["run-unsaved", V2.replace("Hi", "Hey")]] as const) {
      if (text) await lsp.change(uri, text);
      const started = await lsp.conn.sendRequest<PromptRunStarted>("faro/prompt/run", { uri, runId, variables: { name: "Ada" } });
      assert.equal(started.version, text ? null : 3);
      await lsp.until(`${runId} done`, () => lsp.notifications.find((n) => n.method === "faro/prompt/runEvent" && (n.params as PromptRunEvent).runId === runId && (n.params as PromptRunEvent).type === "done"));
    }
  } finally {
    assert.equal(await lsp.stop(), 0, lsp.stderr());
  }
  // Stopping the backend flushes the request log.
  const db = new Database(join(home, "faro.db"), { readonly: true });
  const rows = db.prepare("SELECT prompt_id, prompt_version, status, completion_tokens FROM requests ORDER BY created_at").all();
  db.close();
  assert.deepEqual(rows, [
    { prompt_id: "sub/greet", prompt_version: 3, status: 200, completion_tokens: 3 },
    { prompt_id: "sub/greet", prompt_version: null, status: 200, completion_tokens: 3 },
  ]);
});
