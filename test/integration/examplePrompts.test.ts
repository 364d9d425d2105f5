/**
 * The example prompts run on the demo model (no models configured) over LSP with their
 * default inputs, the translator also with a row of its dataset.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { PromptRunEvent, PromptRunStarted } from "../../server/protocol";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { tempDir } from "../fixtures/serve";

const dir = resolve("prompts");
let lsp: LspClient;

before(async () => {
  lsp = await startLsp({ home: await tempDir() }, dir);
});

after(async () => {
  assert.equal(await lsp.stop(), 0, lsp.stderr());
});

async function runToEnd(file: string, extra: { datasetRow?: number } = {}): Promise<PromptRunEvent> {
  const started = await lsp.conn.sendRequest<PromptRunStarted>("faro/prompt/run", { uri: lsp.uri(join(dir, file)), ...extra });
  const end = Date.now() + 60_000;
  for (;;) {
    const e = lsp.notifications.map((n) => n.params as PromptRunEvent).find((p) => p?.runId === started.runId && p.type !== "text");
    if (e) return e;
    if (Date.now() > end) throw new Error(`${file} did not finish\n${lsp.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const file of readdirSync(dir).filter((f) => f.endsWith(".prompt") && !f.startsWith("_")).sort()) {
  test(`${file} runs on the demo model with its default inputs`, async () => {
    const e = await runToEnd(file);
    assert.equal(e.type, "done", JSON.stringify(e));
    if (e.type !== "done") return;
    assert.equal(e.model, "faro-demo");
    assert.ok(["stop", "length"].includes(e.finishReason), e.finishReason);
    assert.ok((e.usage?.prompt_tokens ?? 0) > 0);
  });
}

test("translate.prompt runs with a row of its dataset", async () => {
  const e = await runToEnd("translate.prompt", { datasetRow: 1 });
  assert.equal(e.type, "done", JSON.stringify(e));
});
