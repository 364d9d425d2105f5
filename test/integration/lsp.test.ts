/**
 * The language server as VS Code starts it: the built dist/server/main.js over stdio, spoken
 * to with vscode-jsonrpc. Checks initialize and the typed faro/* requests.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { EndpointStatus } from "../../server/protocol";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { tempDir } from "../fixtures/serve";
import { writeTinyModel } from "../fixtures/models";

let lsp: LspClient;

before(async () => {
  const models = await tempDir("faro-models-");
  await writeTinyModel(models, { name: "lsp-model" });
  await writeTinyModel(models, { name: "other-model", seed: 2 });
  lsp = await startLsp({ home: await tempDir(), modelsDirs: [models], endpoint: { port: 0 }, aliases: { quick: "lsp-model" } }, null);
  assert.equal(lsp.initializeResult.serverInfo?.name, "faro");
});

after(async () => {
  assert.equal(await lsp.stop(), 0, lsp.stderr());
});

test("faro/models/list returns the GGUF models and a default", async () => {
  const { models, defaultModel } = await lsp.request("faro/models/list", {});
  assert.deepEqual(models.map((m) => m.id).sort(), ["lsp-model", "other-model"]);
  assert.ok(models.every((m) => m.faro.architecture === "llama" && m.faro.provider === "local"));
  assert.ok(defaultModel === "lsp-model" || defaultModel === "other-model");
});

test("faro/models/select changes the default and notifies; an unknown model is an error", async () => {
  assert.deepEqual(await lsp.request("faro/models/select", { model: "other-model" }), { defaultModel: "other-model" });
  assert.equal((await lsp.request("faro/models/list", {})).defaultModel, "other-model");
  assert.ok(lsp.notifications.some((n) => n.method === "faro/models/changed"));
  await assert.rejects(lsp.request("faro/models/select", { model: "missing" }), (err: { code: number; message: string; data?: { code?: string } }) => {
    assert.match(err.message, /missing/);
    assert.equal(err.data?.code, "model_not_found");
    return true;
  });
});

test("faro/endpoint/start serves HTTP, status reports it, stop ends it", async () => {
  const started: EndpointStatus = await lsp.request("faro/endpoint/start", { port: 0 });
  assert.equal(started.running, true);
  assert.match(started.url ?? "", /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  const res = await fetch(`${started.url}/models`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { data: Array<{ id: string }> };
  assert.equal(body.data.length, 2);
  // 'default' follows the model selected over LSP.
  const chat = await fetch(`${started.url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "default", messages: [{ role: "user", content: "hi" }], max_tokens: 3 }),
  });
  assert.equal(((await chat.json()) as { model: string }).model, "other-model");
  // An alias from the editor's settings (faro.aliases) names a model in any request.
  const aliased = await fetch(`${started.url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "quick", messages: [{ role: "user", content: "hi" }], max_tokens: 3 }),
  });
  assert.equal(((await aliased.json()) as { model: string }).model, "lsp-model");
  assert.deepEqual(await lsp.request("faro/endpoint/status", {}), started);
  const stopped = await lsp.request("faro/endpoint/stop", {});
  assert.equal(stopped.running, false);
  assert.equal(stopped.url, null);
  await assert.rejects(fetch(`${started.url}/models`));
  assert.ok(lsp.notifications.filter((n) => n.method === "faro/endpoint/changed").length >= 2);
});

test("faro/queue/list shows the resident models; faro/queue/cancel of an unknown id is false; faro/models/unload frees an idle model", async () => {
  const { requests, models } = await lsp.request("faro/queue/list", {});
  assert.deepEqual(requests, [], "nothing is running between tests");
  assert.ok(models.some((m) => m.id === "other-model" && m.state === "ready"), "the model used above is still loaded");
  assert.deepEqual(await lsp.request("faro/queue/cancel", { id: "nope" }), { cancelled: false });
  assert.deepEqual(await lsp.request("faro/models/unload", { model: "other-model" }), { unloaded: true });
  assert.deepEqual(await lsp.request("faro/models/unload", { model: "other-model" }), { unloaded: false });
  assert.ok(lsp.notifications.some((n) => n.method === "faro/queue/changed"));
});

test("faro/providers/setKey keeps a key in memory and faro/providers/list shows that it is set, never the key", async () => {
  const before = await lsp.request("faro/providers/list", {});
  const groq = () => before.providers.find((p) => p.id === "groq")!;
  assert.equal(groq().family, "openai");
  const after = await lsp.request("faro/providers/setKey", { provider: "groq", key: "gsk-secret-123456" });
  assert.equal(after.providers.find((p) => p.id === "groq")!.hasKey, true);
  assert.doesNotMatch(JSON.stringify(after), /gsk-secret/);
  const cleared = await lsp.request("faro/providers/setKey", { provider: "groq", key: null });
  assert.equal(cleared.providers.find((p) => p.id === "groq")!.hasKey, Boolean(process.env.GROQ_API_KEY));
  await assert.rejects(lsp.request("faro/providers/setKey", { provider: "nope", key: "x" }), /Unknown provider/);
  assert.doesNotMatch(lsp.stderr(), /gsk-secret/);
});
