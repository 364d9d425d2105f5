/**
 * The Logs dashboard's backend calls as the panel makes them: the built language server over
 * stdio, a few real requests through its endpoint with the official openai SDK (local tiny model,
 * tags, one 404), then the panel's own poll (webview/logs/poll.ts: faro/logs/stats + the newest
 * page of faro/logs/query), "load more" with the cursor, faro/logs/get for the detail view,
 * the charts built from the real stats, and faro/logs/export to a file as the save dialog does.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import OpenAI from "openai";
import type { EndpointStatus } from "../../server/protocol";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { tempDir } from "../fixtures/serve";
import { writeTinyModel } from "../fixtures/models";
import { DEFAULT_FILTER, queryParams, toFilter, type FilterState } from "../../webview/logs/filters";
import { pollOnce, type LogsApi } from "../../webview/logs/poll";
import { appendPage } from "../../webview/logs/rows";
import { charts, tiles } from "../../webview/logs/dashboard";
import { detailSections } from "../../webview/logs/format";

let lsp: LspClient;
let home = "";
let client: OpenAI;
const ids: string[] = [];

const api: LogsApi = { query: (p) => lsp.request("faro/logs/query", p), stats: (p) => lsp.request("faro/logs/stats", p) };
const watch = (filter: Partial<FilterState>, limit = 50) => ({ filter: { ...DEFAULT_FILTER, range: "1h" as const, ...filter }, limit, utcOffsetMinutes: 0 });

before(async () => {
  const models = await tempDir("faro-models-");
  await writeTinyModel(models, { name: "logs-model" });
  home = await tempDir();
  await writeFile(join(home, "config.json"), JSON.stringify({ log: { bodies: true } }));
  lsp = await startLsp({ home, modelsDirs: [models], endpoint: { port: 0 } }, null);
  const ep: EndpointStatus = await lsp.request("faro/endpoint/start", { port: 0 });
  client = new OpenAI({ baseURL: ep.url!, apiKey: "unused", maxRetries: 0 });

  // Five answers from the local model (two tagged team=search), a stream, and one unknown model (404).
  for (let i = 0; i < 4; i++) {
    const { data, response } = await client.chat.completions
      .create({ model: "logs-model", messages: [{ role: "user", content: `hello ${i}` }], max_tokens: 4, temperature: 0, metadata: i < 2 ? { team: "search" } : { team: "ads" } })
      .withResponse();
    assert.ok(data.choices[0]);
    ids.push(response.headers.get("x-request-id")!);
  }
  const stream = await client.chat.completions.create({ model: "logs-model", messages: [{ role: "user", content: "stream" }], max_tokens: 4, stream: true });
  for await (const _ of stream) void _;
  await assert.rejects(client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }), (e: { status?: number }) => e.status === 404);

  // The batched writer flushes within ~200 ms: wait (bounded) until all six rows are in the log.
  for (let i = 0; i < 200; i++) {
    const { rows } = await lsp.request("faro/logs/query", { limit: 10 });
    if (rows.length >= 6) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the six requests never reached the log\n${lsp.stderr()}`);
});

after(async () => {
  assert.equal(await lsp.stop(), 0, lsp.stderr());
});

test("the panel's poll: the newest rows (newest first) and stats over the same requests", async () => {
  const u = await pollOnce(api, watch({}), Date.now());
  assert.equal(u.error, null);
  const rows = u.newest!.rows;
  assert.equal(rows.length, 6);
  assert.deepEqual([...rows].sort((a, b) => b.createdAt - a.createdAt || (b.id < a.id ? -1 : 1)).map((r) => r.id), rows.map((r) => r.id));
  assert.equal(rows.filter((r) => r.model === "logs-model" && r.status === 200).length, 5);
  assert.equal(rows.filter((r) => r.status === 404).length, 1);
  assert.ok(rows.some((r) => r.stream));
  const s = u.stats!;
  assert.equal(s.totals.requests, 6);
  assert.equal(s.totals.errors, 1);
  const local = s.models.find((m) => m.model === "logs-model");
  assert.equal(local?.requests, 5);
  assert.ok(local!.latencyP50Ms! > 0 && local!.latencyP95Ms! >= local!.latencyP50Ms!);
  assert.ok(s.series.points.length > 0 && s.series.points.length <= 120);
  assert.equal(s.series.points.reduce((a, p) => a + p.requests, 0), 6);
  assert.equal(s.daily.reduce((a, d) => a + d.requests, 0), 6);

  // What the webview draws from it.
  assert.equal(tiles(s)[0]!.value, "6");
  const drawn = Object.fromEntries(charts(s).map((c) => [c.key, c.svg]));
  assert.match(drawn.latency!, /logs-model · p50: /);
  assert.match(drawn.rpm!, /6 requests, 1 errors in the range/);
  assert.match(drawn.tps!, /<title>logs-model · tokens\/s: [\d.]+<\/title>/);
});

test("filters reach the backend: model, status, tags, and a model filter narrows the charts", async () => {
  const tagged = await pollOnce(api, watch({ tags: "team=search" }), Date.now());
  assert.deepEqual(new Set(tagged.newest!.rows.map((r) => r.id)), new Set(ids.slice(0, 2)));
  assert.ok(tagged.newest!.rows.every((r) => r.metadata?.team === "search"));
  const errors = await pollOnce(api, watch({ status: "error" }), Date.now());
  assert.deepEqual(errors.newest!.rows.map((r) => r.status), [404]);
  const byModel = await pollOnce(api, watch({ model: "logs-model", status: "200" }), Date.now());
  assert.equal(byModel.newest!.rows.length, 5);
  assert.equal(byModel.stats!.totals.requests, 5);
  const none = await pollOnce(api, watch({ provider: "openai" }), Date.now());
  assert.deepEqual([none.newest!.rows.length, none.stats!.totals.requests], [0, 0]);
  assert.ok(charts(none.stats!).every((c) => c.svg.startsWith("<svg")));
});

test("load more: keyset pages of 2 cover every row once, in order", async () => {
  const first = await pollOnce(api, watch({}, 2), Date.now());
  let list = { rows: first.newest!.rows, nextCursor: first.newest!.nextCursor };
  let pages = 1;
  while (list.nextCursor) {
    const p = queryParams(watch({}).filter, Date.now(), 2, list.nextCursor);
    assert.ok(p.ok);
    list = appendPage(list, await lsp.request("faro/logs/query", p.value));
    pages++;
  }
  assert.equal(pages, 3);
  assert.equal(new Set(list.rows.map((r) => r.id)).size, 6);
  await assert.rejects(lsp.request("faro/logs/query", { cursor: "not-a-cursor", limit: 2 }), /Invalid cursor/);
});

test("the detail view: faro/logs/get has tokens, latency, TTFT, cost and the logged bodies", async () => {
  const full = await lsp.request("faro/logs/get", { id: ids[0]! });
  assert.equal(full.id, ids[0]);
  assert.ok(full.promptTokens! > 0 && full.completionTokens! > 0);
  assert.ok(full.ttftMs !== null && full.latencyMs >= full.ttftMs);
  assert.equal(full.costUsd, 0, "local models cost 0");
  assert.match(full.requestBody ?? "", /hello 0/);
  assert.ok(full.responseBody, "body logging was on in config.json");
  const flat = Object.fromEntries(detailSections(full, Date.now()).flatMap((s) => s.rows));
  assert.equal(flat.Model, "logs-model");
  assert.equal(flat.team, "search");
  await assert.rejects(lsp.request("faro/logs/get", { id: "missing" }), (e: { message: string; data?: { code?: string } }) => {
    assert.match(e.message, /No request with the id 'missing'/);
    assert.equal(e.data?.code, "request_not_found");
    return true;
  });
});

test("export as the save dialog does it: CSV and JSONL written by the backend for the panel's filter", async () => {
  const filter = toFilter({ ...DEFAULT_FILTER, range: "1h", tags: "team=ads" }, Date.now());
  assert.ok(filter.ok);
  const csvPath = join(home, "out.csv");
  const csv = await lsp.request("faro/logs/export", { ...filter.value, format: "csv", includeBodies: false, path: csvPath });
  assert.deepEqual([csv.rows, csv.path], [2, csvPath]);
  const lines = (await readFile(csvPath, "utf8")).trimEnd().split("\r\n");
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^id,createdAt,route,model,/);
  const jsonlPath = join(home, "out.jsonl");
  const jl = await lsp.request("faro/logs/export", { ...filter.value, format: "jsonl", includeBodies: true, path: jsonlPath });
  assert.equal(jl.rows, 2);
  const rows = (await readFile(jsonlPath, "utf8")).trimEnd().split("\n").map((l) => JSON.parse(l) as { metadata: { team: string }; requestBody: string | null });
  assert.ok(rows.every((r) => r.metadata.team === "ads" && r.requestBody));
  await assert.rejects(lsp.request("faro/logs/export", { format: "csv", path: "relative.csv" }), /absolute path/);
});
