/**
 * Runs and versions over LSP (stdio, the built server): a save records a version when the
 * text changed, history/labels/versions are served, faro/prompt/run streams runEvent
 * notifications keyed by run id and can be cancelled, datasets feed variables.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PromptHistoryResult, PromptRunEvent, PromptRunParams, PromptRunStarted, PromptSourceResult } from "../../server/protocol";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { writeTinyModel } from "../fixtures/models";
import { tempDir } from "../fixtures/serve";

let lsp: LspClient;
let ws: string;
const V1 = "---\nmodel: default\nconfig:\n  temperature: 0\n  maxOutputTokens: 5\ninput:\n  schema:\n    name: string\n---\nHello {{name}}\n";
const V2 = V1.replace("Hello", "Hi");

const versionsChanged = () => lsp.notifications.filter((n) => n.method === "faro/prompt/versionsChanged").map((n) => n.params);

const events = (runId: string) => lsp.notifications.filter((n) => n.method === "faro/prompt/runEvent" && (n.params as PromptRunEvent).runId === runId).map((n) => n.params as PromptRunEvent);
const finished = (runId: string) => lsp.until(`run ${runId} to end`, () => events(runId).find((e) => e.type !== "text"));
const run = (p: PromptRunParams) => lsp.conn.sendRequest<PromptRunStarted>("faro/prompt/run", p);

before(async () => {
  const models = await tempDir("faro-models-");
  await writeTinyModel(models, { name: "tiny-model" });
  ws = await tempDir("faro-ws-");
  lsp = await startLsp({ home: await tempDir(), modelsDirs: [models], endpoint: { port: 0 }, engine: { threads: 1 } }, ws);
});

after(async () => {
  assert.equal(await lsp.stop(), 0, lsp.stderr());
});

test("saving records a version only when the text changed; history, labels and versions", async () => {
  const uri = await lsp.open(join(ws, "greet.prompt"), V1);
  await lsp.conn.sendNotification("textDocument/didSave", { textDocument: { uri } });
  await lsp.until("v1", () => versionsChanged().find((p) => (p as { version: number }).version === 1));
  await lsp.conn.sendNotification("textDocument/didSave", { textDocument: { uri } });
  await lsp.change(uri, V2);
  await lsp.conn.sendNotification("textDocument/didSave", { textDocument: { uri } });
  await lsp.until("v2", () => versionsChanged().find((p) => (p as { version: number }).version === 2));
  assert.deepEqual(versionsChanged(), [{ promptId: "greet", version: 1 }, { promptId: "greet", version: 2 }]);

  const h = await lsp.conn.sendRequest<PromptHistoryResult>("faro/prompt/history", { uri });
  assert.deepEqual(h.versions.map((v) => v.version), [2, 1]);
  const labelled = await lsp.conn.sendRequest<PromptHistoryResult>("faro/prompt/label", { promptId: "greet", label: "production", version: 1 });
  assert.deepEqual(labelled.labels, { production: 1 });
  assert.deepEqual(labelled.versions[1]!.labels, ["production"]);
  const v1 = await lsp.conn.sendRequest<PromptSourceResult>("faro/prompt/version", { promptId: "greet", version: 1 });
  assert.equal(v1.source, V1);
  await assert.rejects(lsp.conn.sendRequest("faro/prompt/version", { promptId: "greet", version: 9 }), (e: { data?: { code?: string; status?: number } }) => {
    assert.equal(e.data?.code, "version_not_found");
    assert.equal(e.data?.status, 404);
    return true;
  });
});

test("faro/prompt/run streams text then done with tokens, latency and cost, keyed by run id", async () => {
  const uri = lsp.uri(join(ws, "greet.prompt"));
  const started = await run({ uri, runId: "run-1", variables: { name: "Ada" } });
  assert.deepEqual(started, { runId: "run-1", promptId: "greet", version: 2, model: "default" });
  const done = await finished("run-1");
  assert.equal(done.type, "done", JSON.stringify(done));
  if (done.type !== "done") return;
  assert.equal(done.model, "tiny-model");
  assert.equal(done.finishReason, "length");
  assert.equal(done.usage?.completion_tokens, 5);
  assert.equal(done.costUsd, 0);
  assert.ok(done.latencyMs > 0 && done.ttftMs !== null);
  const text = events("run-1").filter((e) => e.type === "text").map((e) => (e as { text: string }).text).join("");
  assert.ok(text.length > 0);
  const byLabel = await run({ uri, label: "production", variables: { name: "Ada" } });
  assert.equal(byLabel.version, 1);
  assert.match(byLabel.runId, /^[0-9a-f-]{36}$/);
  await finished(byLabel.runId);
  // Unsaved edits run as they are, without a version.
  await lsp.change(uri, V2.replace("Hi", "Hey"));
  assert.equal((await run({ uri, runId: "run-unsaved", variables: { name: "Ada" } })).version, null);
  await finished("run-unsaved");
});

test("a run can be cancelled while it streams", async () => {
  const uri = await lsp.open(join(ws, "long.prompt"), "---\nconfig:\n  temperature: 0\n  maxOutputTokens: 1900\n---\nWrite a long story.\n");
  await run({ uri, runId: "run-long" });
  await lsp.until("the first token", () => events("run-long").find((e) => e.type === "text"));
  assert.deepEqual(await lsp.conn.sendRequest("faro/prompt/cancel", { runId: "run-long" }), { cancelled: true });
  const done = await finished("run-long");
  assert.equal(done.type === "done" && done.finishReason, "cancelled");
  assert.deepEqual(await lsp.conn.sendRequest("faro/prompt/cancel", { runId: "run-long" }), { cancelled: false });
});

test("bad runs are refused with the reason: missing variables, dataset rows", async () => {
  const uri = lsp.uri(join(ws, "greet.prompt"));
  await assert.rejects(run({ uri }), (e: { message: string; data?: { code?: string; param?: string } }) => {
    assert.equal(e.data?.code, "missing_variable");
    assert.equal(e.data?.param, "variables.name");
    return true;
  });
  await writeFile(join(ws, "rows.jsonl"), '{"name": "Ada"}\n{"name": "Grace"}\n');
  const dsUri = await lsp.open(join(ws, "ds.prompt"), "---\nfaro.dataset: rows.jsonl\nconfig:\n  maxOutputTokens: 2\ninput:\n  schema:\n    name: string\n---\nHi {{name}}\n");
  assert.deepEqual(await lsp.conn.sendRequest("faro/prompt/inputs", { uri: dsUri }), {
    variables: [{ name: "name", type: "string", optional: false, description: null }],
    datasetFile: join(ws, "rows.jsonl"),
    rows: [{ name: "Ada" }, { name: "Grace" }],
  });
  const ok = await run({ uri: dsUri, datasetRow: 1 });
  assert.equal((await finished(ok.runId)).type, "done");
  await assert.rejects(run({ uri: dsUri, datasetRow: 5 }), /has 2 rows; there is no row 5/);
});
