/**
 * Diagnostics never wait on model I/O: with the model list still being fetched (a promise that
 * has not settled), an edit's diagnostics are published before update() returns, without the
 * model checks (no verdict rather than a wrong one); when the list arrives, the open prompts
 * are checked again against it. The render check after a pause counts with an estimate when no
 * tokenizer is ready. Only a completion in the frontmatter waits for the first list, briefly (known()).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Connection, PublishDiagnosticsParams } from "vscode-languageserver/node";
import { createLogger } from "../../../server/logger";
import type { ModelInfo, ModelsListResult } from "../../../server/protocol";
import { DiagnosticsPublisher } from "../../../server/lsp/diagnostics";
import { PromptDocuments } from "../../../server/lsp/documents";
import { ModelSnapshot } from "../../../server/lsp/models";

test("an edit publishes at once while the model list is pending; the list's arrival republishes with model checks", async () => {
  const published: PublishDiagnosticsParams[] = [];
  const connection = { sendDiagnostics: (p: PublishDiagnosticsParams) => (published.push(p), Promise.resolve()) } as unknown as Connection;
  const logger = createLogger(() => {});
  let arrive: (r: ModelsListResult) => void = () => {};
  const pending = new Promise<ModelsListResult>((r) => (arrive = r));
  const docs = new PromptDocuments(() => ({ models: snapshot.models, defaultModel: snapshot.defaultModel, partial: () => null }));
  const publisher = new DiagnosticsPublisher(connection, docs, logger, () => null, 20);
  const snapshot: ModelSnapshot = new ModelSnapshot(() => pending, () => {
    docs.invalidate();
    for (const d of docs.all()) publisher.update(d);
  }, logger);
  snapshot.start();
  try {
    const text = "---\nmodel: tiny-modle\ninput:\n  schema:\n    name: string\n---\nHello {{name}} and {{other}}\n";
    publisher.update(docs.open("file:///w/a.prompt", 1, text));
    // Published synchronously, the model list still unknown: template checks only.
    assert.equal(published.length, 1);
    assert.deepEqual(published[0]!.diagnostics.map((d) => d.code), ["variable-undeclared"]);

    const doc = docs.change("file:///w/a.prompt", 2, [{ range: { start: { line: 6, character: 0 }, end: { line: 6, character: 5 } }, text: "Hi" }])!;
    publisher.update(doc);
    assert.equal(published.length, 2);
    assert.equal(published[1]!.version, 2);

    // The pause's render check: an estimate (no tokenizer), no warning for a small prompt.
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(published.length, 3);
    assert.deepEqual(published[2]!.diagnostics.map((d) => d.code), ["variable-undeclared"]);

    arrive({ models: [{ id: "tiny-model", faro: { provider: "local", context_length: 64 } }] as unknown as ModelInfo[], defaultModel: "tiny-model" });
    await snapshot.refresh();
    await new Promise((r) => setImmediate(r));
    const last = published.at(-1)!;
    assert.deepEqual(last.diagnostics.map((d) => d.code), ["model-unknown", "variable-undeclared"]);
    assert.match(String(last.diagnostics[0]!.message), /Model 'tiny-modle' is not available\. Available: tiny-model\./);
  } finally {
    snapshot.dispose();
    publisher.dispose();
  }
});

test("known() waits for the first model list, at most its timeout, and not at all once a list is known", async () => {
  const logger = createLogger(() => {});
  let arrive: (r: ModelsListResult) => void = () => {};
  const pending = new Promise<ModelsListResult>((r) => (arrive = r));
  const snapshot = new ModelSnapshot(() => pending, () => {}, logger);
  snapshot.start();
  try {
    const t0 = Date.now();
    await snapshot.known(30);
    assert.equal(snapshot.models, null, "the timeout ends the wait");
    assert.ok(Date.now() - t0 >= 25);
    const waiting = snapshot.known(5_000);
    arrive({ models: [{ id: "m", faro: { provider: "local" } }] as unknown as ModelInfo[], defaultModel: "m" });
    await waiting;
    assert.deepEqual(snapshot.models!.map((m) => m.id), ["m"]);
    await snapshot.known(5_000);
  } finally {
    snapshot.dispose();
  }
});
