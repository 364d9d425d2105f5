/**
 * faro/logs/query, get, stats and export over LSP (the built language server on stdio), after a
 * real request through the endpoint it started; bad params come back as JSON-RPC errors that
 * carry the OpenAI fields.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import OpenAI from "openai";
import type { EndpointStatus, LogExportResult, LogQueryResult, LogRowFull, LogStatsResult } from "../../server/protocol";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { tempDir } from "../fixtures/serve";

let lsp: LspClient;
let home: string;

before(async () => {
  home = await tempDir();
  lsp = await startLsp({ home, endpoint: { port: 0 }, engine: { threads: 1 } }, await tempDir("faro-ws-"));
});
after(async () => {
  await lsp.stop();
});

test("a request made through the endpoint is queryable, gettable, in the stats and exportable", async () => {
  const status = await lsp.conn.sendRequest<EndpointStatus>("faro/endpoint/start", {});
  const client = new OpenAI({ baseURL: status.url!, apiKey: "unused", maxRetries: 0 });
  const { response } = await client.chat.completions
    .create({ model: "faro-demo", messages: [{ role: "user", content: "hi" }], max_tokens: 3, metadata: { suite: "lsp" } })
    .withResponse();
  const id = response.headers.get("x-request-id")!;

  let page: LogQueryResult = { rows: [], nextCursor: null };
  for (let i = 0; i < 100 && page.rows.length === 0; i++) {
    page = await lsp.conn.sendRequest<LogQueryResult>("faro/logs/query", { metadata: { suite: "lsp" }, limit: 10 });
    if (page.rows.length === 0) await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(page.rows.map((r) => r.id), [id]);
  assert.equal(page.nextCursor, null);

  const row = await lsp.conn.sendRequest<LogRowFull>("faro/logs/get", { id });
  assert.equal(row.model, "faro-demo");
  assert.equal(row.requestBody, null);

  const stats = await lsp.conn.sendRequest<LogStatsResult>("faro/logs/stats", { maxPoints: 60 });
  const demo = stats.models.find((m) => m.model === "faro-demo")!;
  assert.equal(demo.requests, 1);
  assert.equal(demo.provider, "local");
  assert.ok(demo.latencyP50Ms! > 0);
  const points = stats.series.points;
  assert.ok(points.length <= 60 && points.length * stats.series.bucketMs >= stats.until - stats.since, `${points.length} points of ${stats.series.bucketMs} ms`);
  assert.equal(stats.series.points.reduce((n, p) => n + p.requests, 0), stats.totals.requests);

  const path = join(home, "export.jsonl");
  const exported = await lsp.conn.sendRequest<LogExportResult>("faro/logs/export", { format: "jsonl", path, metadata: { suite: "lsp" } });
  assert.deepEqual([exported.rows, exported.path, exported.data], [1, path, null]);
  assert.equal((JSON.parse((await readFile(path, "utf8")).trim()) as { id: string }).id, id);
});

test("bad params are JSON-RPC errors with status, code and param", async () => {
  await assert.rejects(lsp.conn.sendRequest("faro/logs/query", { limit: 5000 }), (e: { data?: { status?: number; param?: string; code?: string } }) => {
    assert.deepEqual([e.data?.status, e.data?.param, e.data?.code], [400, "limit", "invalid_value"]);
    return true;
  });
  await assert.rejects(lsp.conn.sendRequest("faro/logs/get", { id: "missing" }), (e: { data?: { status?: number } }) => e.data?.status === 404);
  await assert.rejects(lsp.conn.sendRequest("faro/logs/stats", { since: 10, until: 5 }), (e: { data?: { param?: string } }) => e.data?.param === "since");
});
