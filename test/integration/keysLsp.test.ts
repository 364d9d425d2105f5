/**
 * faro/keys/create, list, usage and revoke over LSP (the built language server on stdio), with
 * requests through the endpoint it started (faro/endpoint/start) made by the openai SDK holding
 * the virtual key: the secret comes back once and is never listed, usage counts the local
 * model's real tokens (a stream without include_usage too), a revoked key is refused with 401,
 * and bad params are JSON-RPC errors carrying the OpenAI fields.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import type { EndpointStatus, KeysUsageResult, LogRowFull, VirtualKeyInfo } from "../../server/protocol";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { tempDir } from "../fixtures/serve";

let lsp: LspClient;
let baseURL: string;

type RpcError = { code?: number; message?: string; data?: { status?: number; code?: string; param?: string } };

before(async () => {
  lsp = await startLsp({ home: await tempDir(), endpoint: { port: 0 }, engine: { threads: 1 } }, await tempDir("faro-ws-"));
  const status = await lsp.conn.sendRequest<EndpointStatus>("faro/endpoint/start", {});
  baseURL = status.url!;
});
after(async () => {
  await lsp.stop();
});

const client = (apiKey: string) => new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const ASK = { model: "faro-demo", messages: [{ role: "user" as const, content: "hi" }], max_tokens: 3, temperature: 0 };

async function loggedRow(id: string): Promise<LogRowFull> {
  for (let i = 0; i < 100; i++) {
    try {
      return await lsp.conn.sendRequest<LogRowFull>("faro/logs/get", { id });
    } catch (e) {
      if ((e as RpcError).data?.status !== 404) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`no log row for ${id}`);
}

test("create returns the secret once; list never shows it; usage counts real tokens of requests made with it; revoke makes it 401", async () => {
  const created = await lsp.conn.sendRequest<{ key: VirtualKeyInfo; secret: string }>("faro/keys/create", {
    name: "app",
    budgetUsd: 5,
    period: "day",
    rpm: 60,
    models: ["faro-demo"],
  });
  const { key, secret } = created;
  assert.match(secret, /^fk-[A-Za-z0-9_-]{43}$/);
  assert.equal(key.prefix, secret.slice(0, 9));
  assert.deepEqual([key.name, key.budgetUsd, key.period, key.rpm, key.tpm, key.models, key.revokedAt, key.spentUsd], ["app", 5, "day", 60, null, ["faro-demo"], null, 0]);
  assert.equal("secret" in key, false);

  const listed = await lsp.conn.sendRequest<{ keys: VirtualKeyInfo[] }>("faro/keys/list", {});
  assert.deepEqual(listed.keys.map((k) => k.name), ["app"]);
  assert.equal(JSON.stringify(listed).includes(secret), false, "the secret is never listed");
  assert.equal(JSON.stringify(listed).includes(secret.slice(9)), false, "nor any part of it past the prefix");

  // A stream without stream_options.include_usage: the local engine still reports real counts,
  // which the log and the key's usage get (the client gets no usage chunk).
  const c = client(secret);
  const stream = await c.chat.completions.create({ ...ASK, stream: true }).withResponse();
  const streamId = stream.response.headers.get("x-request-id")!;
  let sawUsage = false;
  for await (const chunk of stream.data) sawUsage ||= chunk.usage != null;
  assert.equal(sawUsage, false, "no usage chunk unless asked");
  // The same request answered as JSON reports its usage: the same prompt, greedy decoding.
  const plain = await c.chat.completions.create(ASK).withResponse();
  const usage = plain.data.usage!;
  assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0, JSON.stringify(usage));

  const streamRow = await loggedRow(streamId);
  assert.deepEqual([streamRow.promptTokens, streamRow.completionTokens], [usage.prompt_tokens, usage.completion_tokens]);
  assert.equal(streamRow.virtualKeyId, key.id);
  const plainRow = await loggedRow(plain.response.headers.get("x-request-id")!);
  assert.equal(plainRow.virtualKeyId, key.id);

  const used = await lsp.conn.sendRequest<KeysUsageResult>("faro/keys/usage", { name: "app" });
  assert.deepEqual(used.total, { requests: 2, promptTokens: 2 * usage.prompt_tokens, completionTokens: 2 * usage.completion_tokens, costUsd: 0 });
  assert.equal(used.rows.length, 1);
  assert.equal(used.rows[0]!.requests, 2);
  assert.equal(used.key.name, "app");

  // A model the key does not allow: 403 from the endpoint, and it is not counted.
  await assert.rejects(c.chat.completions.create({ ...ASK, model: "local/other" }), (e: unknown) => e instanceof OpenAI.APIError && e.status === 403);

  const revoked = await lsp.conn.sendRequest<{ key: VirtualKeyInfo }>("faro/keys/revoke", { name: "app" });
  assert.ok(revoked.key.revokedAt !== null && revoked.key.revokedAt > 0);
  await assert.rejects(c.chat.completions.create(ASK), (e: unknown) => {
    assert.ok(e instanceof OpenAI.APIError, String(e));
    assert.equal(e.status, 401);
    assert.equal(e.code, "key_revoked");
    assert.match(e.message, /Virtual key 'app' \(fk-.{6}\.\.\.\) was revoked/);
    return true;
  });
  const after = await lsp.conn.sendRequest<KeysUsageResult>("faro/keys/usage", { name: "app" });
  assert.equal(after.total.requests, 2, "refused requests cost nothing");
  assert.ok((await lsp.conn.sendRequest<{ keys: VirtualKeyInfo[] }>("faro/keys/list", {})).keys[0]!.revokedAt !== null);
});

test("bad params are JSON-RPC errors with a clear message, status, code and param", async () => {
  const rejects = async (method: string, params: unknown, status: number, param: string | undefined, message: RegExp) => {
    await assert.rejects(lsp.conn.sendRequest(method, params), (e: RpcError) => {
      assert.equal(e.code, -32000 - status, `${method}: ${e.message}`);
      assert.equal(e.data?.status, status);
      assert.equal(e.data?.param, param);
      assert.match(e.message ?? "", message);
      return true;
    });
  };
  await rejects("faro/keys/create", {}, 400, "name", /A key name is 1-64 letters/);
  await rejects("faro/keys/create", { name: "has space" }, 400, "name", /A key name is 1-64 letters/);
  await rejects("faro/keys/create", { name: "b", period: "year" }, 400, "period", /period must be one of day, week, month, total, not 'year'/);
  await rejects("faro/keys/create", { name: "b", rpm: 1.5 }, 400, "rpm", /rpm must be a positive integer, not '1.5'/);
  await rejects("faro/keys/create", { name: "b", budgetUsd: -1 }, 400, "budget", /budget must be a positive number/);
  await rejects("faro/keys/create", { name: "b", models: [] }, 400, "models", /at least one model/);
  await rejects("faro/keys/create", { name: "b", models: "gpt-4o" }, 400, "models", /models must be a list/);
  await lsp.conn.sendRequest("faro/keys/create", { name: "taken" });
  await rejects("faro/keys/create", { name: "taken" }, 409, "name", /already exists/);
  await rejects("faro/keys/revoke", { name: "nope" }, 404, "name", /No virtual key named 'nope'/);
  await rejects("faro/keys/usage", { name: "nope" }, 404, "name", /No virtual key named 'nope'/);
  await rejects("faro/keys/usage", {}, 400, "name", /name is required/);
  await rejects("faro/keys/revoke", { name: 7 }, 400, "name", /name is required/);
  // Nothing half-made: the refused creates left only the keys made on purpose.
  const names = (await lsp.conn.sendRequest<{ keys: VirtualKeyInfo[] }>("faro/keys/list", {})).keys.map((k) => k.name).sort();
  assert.deepEqual(names, ["app", "taken"]);
});
