/**
 * Model and provider management over the language server, as the extension drives it: a cloud
 * model as the default (requests for `default` go to it), downloads with progress notifications
 * and cancel, and provider key checks. The built dist/server/main.js over stdio.
 */
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import type { ModelDownloadProgress } from "../../server/protocol";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { startFileServer, type FileServer } from "../fixtures/fileServer";
import { startOpenAIMock } from "../fixtures/mocks/openai";
import type { MockServer } from "../fixtures/mocks/mockServer";
import { writeTinyModel } from "../fixtures/models";
import { tempDir } from "../fixtures/serve";

let lsp: LspClient;
let models: string;
let files: FileServer;
let mock: MockServer;
let gguf: Buffer;
const progress = () => lsp.notificationsOf<ModelDownloadProgress>("faro/models/downloadProgress");
const changed = () => lsp.notificationsOf<{ defaultModel: string | null; models: Array<{ id: string }> }>("faro/models/changed");

before(async () => {
  models = await tempDir("faro-models-");
  gguf = await readFile(await writeTinyModel(models, { name: "local-one" }));
  files = await startFileServer({ body: gguf });
  mock = await startOpenAIMock({ apiKey: "sk-mock" });
  lsp = await startLsp({ home: await tempDir(), modelsDirs: [models], endpoint: { port: 0 } }, null);
});

after(async () => {
  const code = await lsp.stop();
  await files.close();
  await mock.close();
  assert.equal(code, 0, lsp.stderr());
});

test("a cloud provider/model can be the default: listed as such, and requests for 'default' go to it", async () => {
  assert.deepEqual(await lsp.request("faro/models/select", { model: "openai/gpt-4o-mini" }), { defaultModel: "openai/gpt-4o-mini" });
  assert.equal((await lsp.request("faro/models/list", {})).defaultModel, "openai/gpt-4o-mini");
  assert.equal(changed().at(-1)?.defaultModel, "openai/gpt-4o-mini");
  const { url } = await lsp.request("faro/endpoint/start", { port: 0 });
  // Pointed at the mock with Portkey's headers; the model stays the one 'default' names.
  const res = await fetch(`${url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-mock", "x-portkey-provider": "openai", "x-portkey-custom-host": mock.url },
    body: JSON.stringify({ model: "default", messages: [{ role: "user", content: "hi" }], max_tokens: 5 }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get("x-faro-provider"), "openai");
  assert.equal((mock.requests.at(-1)!.body as { model: string }).model, "gpt-4o-mini");
  await lsp.request("faro/endpoint/stop", {});

  await assert.rejects(lsp.request("faro/models/select", { model: "nosuch/model" }), (err: { data?: { code?: string } }) => err.data?.code === "model_not_found");
  await assert.rejects(lsp.request("faro/models/select", { model: "openai/" }), (err: { data?: { code?: string } }) => err.data?.code === "model_not_found");
  assert.deepEqual(await lsp.request("faro/models/select", { model: "local-one" }), { defaultModel: "local-one" });
});

test("faro/models/download streams progress, lists the model and tells the extension", async () => {
  const result = await lsp.request("faro/models/download", { source: files.url("/dl/fetched.gguf"), id: "lsp-1" });
  assert.equal(result.model, "fetched");
  assert.equal(result.path, join(models, "fetched.gguf"));
  assert.deepEqual(await readFile(result.path), gguf);
  const mine = progress().filter((p) => p.id === "lsp-1");
  assert.ok(mine.length >= 1);
  assert.equal(mine.at(-1)!.receivedBytes, gguf.length);
  assert.ok(changed().at(-1)!.models.some((m) => m.id === "fetched"), "faro/models/changed lists the new model");
  assert.ok((await lsp.request("faro/models/list", {})).models.some((m) => m.id === "fetched"));
});

test("faro/models/downloadCancel stops a download with a cancelled error; the partial stays", async () => {
  files.set({ stallAfter: 100_000 });
  const pending = lsp.request("faro/models/download", { source: files.url("/dl/stalled.gguf"), id: "lsp-2" });
  const partial = join(models, "stalled.gguf.partial");
  while ((await stat(partial).then((s) => s.size, () => 0)) < 100_000) await sleep(5);
  assert.deepEqual(await lsp.request("faro/models/downloadCancel", { id: "lsp-2" }), { cancelled: true });
  await assert.rejects(pending, (err: { message: string; data?: { code?: string } }) => {
    assert.equal(err.data?.code, "download_cancelled");
    assert.match(err.message, /partial file is kept/);
    return true;
  });
  assert.equal((await stat(partial)).size, 100_000);
  assert.deepEqual(await lsp.request("faro/models/downloadCancel", { id: "lsp-2" }), { cancelled: false });
  files.set({ stallAfter: undefined });
});

test("faro/providers/check checks a given key, or the one the backend holds", async () => {
  const ok = await lsp.request("faro/providers/check", { provider: "openai", key: "sk-mock", baseUrl: mock.url });
  assert.equal(ok.status, "ok");
  const refused = await lsp.request("faro/providers/check", { provider: "openai", key: "sk-nope", baseUrl: mock.url });
  assert.equal(refused.status, "refused");
  await lsp.request("faro/providers/setKey", { provider: "groq", key: "sk-mock" });
  const held = await lsp.request("faro/providers/check", { provider: "groq", baseUrl: mock.url });
  assert.equal(held.status, "ok");
  await assert.rejects(lsp.request("faro/providers/check", { provider: "groq", key: "k", baseUrl: "https://elsewhere.example/v1" }), (err: { data?: { code?: string } }) => err.data?.code === "host_not_allowed");
});
