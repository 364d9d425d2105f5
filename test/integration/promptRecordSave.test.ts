/**
 * faro/prompt/recordSave over stdio: a save the language client could not send (made while the
 * backend started) recorded as a version with the text saved then, like a didSave; the same
 * text again records nothing; a bad request gets a JSON-RPC error and records nothing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { PromptHistoryResult } from "../../server/protocol";
import { startLsp } from "../fixtures/lspClient";
import { tempDir } from "../fixtures/serve";

const V1 = "---\nmodel: default\n---\nHello\n";

test("a save made before the client ran becomes a version; a repeat does not; a bad one is an error", async () => {
  const ws = await tempDir("faro-ws-");
  const lsp = await startLsp({ home: await tempDir(), modelsDirs: [] }, ws);
  try {
    const uri = pathToFileURL(join(ws, "early.prompt")).href;
    assert.deepEqual(await lsp.request("faro/prompt/recordSave", { uri, text: V1 }), { promptId: "early", version: 1, created: true });
    await lsp.until("versionsChanged", () => lsp.notificationsOf<{ promptId: string; version: number }>("faro/prompt/versionsChanged").find((n) => n.promptId === "early"));
    assert.deepEqual(await lsp.request("faro/prompt/recordSave", { uri, text: V1 }), { promptId: "early", version: 1, created: false });
    const source = await lsp.request("faro/prompt/version", { promptId: "early", version: 1 });
    assert.equal(source.source, V1);
    await assert.rejects(lsp.request("faro/prompt/recordSave", { uri, text: 42 as unknown as string }), /'text' must be the saved text/);
    await assert.rejects(lsp.request("faro/prompt/recordSave", { text: V1 } as unknown as { uri: string; text: string }), /uri/);
    const history: PromptHistoryResult = await lsp.request("faro/prompt/history", { promptId: "early" });
    assert.deepEqual(history.versions.map((v) => v.version), [1]);
  } finally {
    await lsp.stop();
  }
});
