/**
 * Comparisons over LSP (stdio, the built server, the tiny model): columns stream at once,
 * runs end with their metrics, a refused column shows its error while the others finish,
 * cancelling works, comparisons are saved in faro.db with their winner, bad specs are 400s.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { CompareEvent, CompareRunResult, CompareStarted, CompareStartParams, Comparison, ComparisonSummary } from "../../server/protocol";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { writeTinyModel } from "../fixtures/models";
import { tempDir } from "../fixtures/serve";

let lsp: LspClient;
let ws: string;
let home: string;
const PROMPT = "---\nmodel: default\nconfig:\n  temperature: 0\n  maxOutputTokens: 6\ninput:\n  schema:\n    name: string\n---\nHello {{name}}\n";

const events = (id: string) =>
  lsp.notifications.filter((n) => n.method === "faro/compare/event" && (n.params as CompareEvent).comparisonId === id).map((n) => n.params as CompareEvent);
const finished = (id: string) => lsp.until(`comparison ${id} to finish`, () => events(id).find((e) => e.type === "finished"), 30_000);
const start = (p: CompareStartParams) => lsp.conn.sendRequest<CompareStarted>("faro/compare/start", p);
const get = (comparisonId: string) => lsp.conn.sendRequest<Comparison>("faro/compare/get", { comparisonId });
const refusal = (code: string, param: string | null, status = 400) => (e: { data?: { code?: string; param?: string | null; status?: number } }) => {
  assert.equal(e.data?.code, code);
  assert.equal(e.data?.param, param);
  assert.equal(e.data?.status, status);
  return true;
};

before(async () => {
  const models = await tempDir("faro-models-");
  await writeTinyModel(models, { name: "tiny-a" });
  await writeTinyModel(models, { name: "tiny-b" });
  ws = await tempDir("faro-ws-");
  home = await tempDir();
  lsp = await startLsp({ home, modelsDirs: [models], endpoint: { port: 0 }, engine: { threads: 1 } }, ws);
});

after(async () => {
  assert.equal(await lsp.stop(), 0, lsp.stderr());
});

test("two models stream side by side, k runs each, saved with metrics; a winner is kept", async () => {
  const uri = await lsp.open(join(ws, "greet.prompt"), PROMPT);
  const started = await start({ uri, models: ["tiny-a", "tiny-b"], variables: { name: "Ada" }, repeats: 2 });
  assert.match(started.comparisonId, /^cmp-[0-9a-f]{32}$/);
  assert.deepEqual(started.columns, [
    { index: 0, label: "tiny-a", model: "tiny-a", version: null },
    { index: 1, label: "tiny-b", model: "tiny-b", version: null },
  ]);
  assert.equal(started.title, "greet: tiny-a vs tiny-b");
  assert.equal((await finished(started.comparisonId)).type === "finished" && events(started.comparisonId).at(-1)?.type, "finished");
  const evs = events(started.comparisonId);
  assert.deepEqual(evs.find((e) => e.type === "finished"), { comparisonId: started.comparisonId, type: "finished", status: "done" });
  const results: CompareRunResult[][] = [[], []];
  for (const column of [0, 1]) {
    for (const run of [0, 1]) {
      const mine = evs.filter((e) => e.type !== "finished" && e.column === column && e.run === run);
      const texts = mine.filter((e) => e.type === "text");
      const done = mine.find((e) => e.type === "done");
      assert.ok(texts.length > 0, `column ${column} run ${run} streamed text`);
      assert.ok(done && done.type === "done", JSON.stringify(mine.at(-1)));
      if (done?.type !== "done") return;
      // Deltas come before the run's end and add up to its text.
      assert.ok(mine.indexOf(done) > mine.indexOf(texts.at(-1)!));
      assert.equal(texts.map((t) => (t.type === "text" ? t.text : "")).join(""), done.result.text);
      const r = done.result;
      assert.equal(r.model, column === 0 ? "tiny-a" : "tiny-b");
      assert.equal(r.provider, "local");
      assert.equal(r.finishReason, "length");
      assert.equal(r.tokensOut, 6);
      assert.ok(r.tokensIn !== null && r.tokensIn > 0);
      assert.ok(r.ttftMs !== null && r.ttftMs > 0 && r.latencyMs >= r.ttftMs);
      assert.ok(r.tokensPerSecond !== null && r.tokensPerSecond > 0);
      assert.equal(r.costUsd, 0);
      results[column]!.push(r);
    }
  }
  // Both columns ran at once: each one's first run started before the other's last ended.
  const firstText = (c: number) => evs.findIndex((e) => e.type === "text" && e.column === c);
  const lastDone = (c: number) => evs.findLastIndex((e) => e.type === "done" && e.column === c);
  assert.ok(firstText(1) < lastDone(0) && firstText(0) < lastDone(1), "columns ran concurrently");

  const saved = await get(started.comparisonId);
  assert.equal(saved.status, "done");
  assert.equal(saved.promptId, "greet");
  assert.deepEqual(saved.spec, { uri, models: ["tiny-a", "tiny-b"], variables: { name: "Ada" }, repeats: 2 });
  assert.deepEqual(saved.columns.map((c) => c.runs.map((r) => (r.ok ? r.result : r.error))), results);
  assert.equal(saved.winner, null);

  const won = await lsp.conn.sendRequest<Comparison>("faro/compare/setWinner", { comparisonId: started.comparisonId, column: 1 });
  assert.equal(won.winner, "tiny-b");
  await assert.rejects(lsp.conn.sendRequest("faro/compare/setWinner", { comparisonId: started.comparisonId, column: 7 }), refusal("invalid_value", "column"));
  const list = await lsp.conn.sendRequest<{ comparisons: ComparisonSummary[] }>("faro/compare/list", { promptId: "greet" });
  assert.deepEqual(list.comparisons[0], { id: started.comparisonId, createdAt: saved.createdAt, title: "greet: tiny-a vs tiny-b", promptId: "greet", status: "done", labels: ["tiny-a", "tiny-b"], winner: "tiny-b" });

  // It is in the SQLite file itself, not only in the server's memory; so are the runs' log rows.
  const db = new Database(join(home, "faro.db"), { readonly: true });
  try {
    const row = db.prepare("SELECT status, winner, prompt_id FROM comparisons WHERE id = ?").get(started.comparisonId);
    assert.deepEqual(row, { status: "done", winner: "tiny-b", prompt_id: "greet" });
    const ids = results.flat().map((r) => r.requestId);
    const count = db.prepare(`SELECT count(*) AS n FROM requests WHERE prompt_id = 'greet' AND id IN (${ids.map(() => "?").join(",")})`);
    // The log is written in batches off the request path.
    await lsp.until("the runs' log rows", () => ((count.get(...ids) as { n: number }).n === 4 ? true : undefined), 30_000);
  } finally {
    db.close();
  }
});

test("an unknown model shows its error in its column while the other column completes", async () => {
  const started = await start({ message: "Say hi", models: ["no-such-model", "tiny-a"], maxTokens: 4 });
  assert.equal(started.promptId, null);
  await finished(started.comparisonId);
  const evs = events(started.comparisonId);
  const err = evs.find((e) => e.type === "error");
  assert.ok(err && err.type === "error");
  assert.equal(err.column, 0);
  assert.equal(err.error.status, 404);
  assert.equal(err.error.code, "model_not_found");
  assert.match(err.error.message, /no-such-model/);
  const done = evs.find((e) => e.type === "done");
  assert.ok(done && done.type === "done" && done.column === 1);
  assert.equal(done.result.tokensOut, 4);
  const saved = await get(started.comparisonId);
  assert.equal(saved.status, "done");
  assert.deepEqual(saved.columns[0]!.runs, [{ ok: false, error: err.error }]);
  assert.equal(saved.columns[1]!.runs[0]!.ok, true);
});

test("a comparison can be cancelled while it streams; it is saved as cancelled", async () => {
  // Temperature 0: the random-weight models then answer deterministically, and at this seed
  // neither ends the story early, so the cancel always lands while both columns stream.
  const uri = await lsp.open(join(ws, "long-story.prompt"), "---\nconfig:\n  temperature: 0\n  maxOutputTokens: 1900\n---\nWrite a long story.\n");
  const started = await start({ uri, models: ["tiny-a", "tiny-b"], repeats: 3 });
  await lsp.until("the first token", () => events(started.comparisonId).find((e) => e.type === "text"), 30_000);
  assert.deepEqual(await lsp.conn.sendRequest("faro/compare/cancel", { comparisonId: started.comparisonId }), { cancelled: true });
  assert.deepEqual(await finished(started.comparisonId), { comparisonId: started.comparisonId, type: "finished", status: "cancelled" });
  const saved = await get(started.comparisonId);
  assert.equal(saved.status, "cancelled");
  // No column went on to its second run.
  for (const c of saved.columns) assert.ok(c.runs.length <= 1, JSON.stringify(c.runs));
  const ended = saved.columns.flatMap((c) => c.runs).filter((r) => r.ok);
  assert.ok(ended.length >= 1);
  for (const r of ended) assert.ok(r.ok && r.result.finishReason === "cancelled" && r.result.tokensOut! < 1900);
  assert.deepEqual(await lsp.conn.sendRequest("faro/compare/cancel", { comparisonId: started.comparisonId }), { cancelled: false });
});

test("versions of a prompt compare as columns on one model", async () => {
  const uri = await lsp.open(join(ws, "vers.prompt"), PROMPT);
  await lsp.conn.sendNotification("textDocument/didSave", { textDocument: { uri } });
  await lsp.change(uri, PROMPT.replace("Hello", "Hi there"));
  await lsp.conn.sendNotification("textDocument/didSave", { textDocument: { uri } });
  await lsp.until("v2", () => lsp.notifications.find((n) => n.method === "faro/prompt/versionsChanged" && (n.params as { promptId: string; version: number }).promptId === "vers" && (n.params as { version: number }).version === 2), 30_000);
  const started = await start({ uri, versions: [1, 2], models: ["tiny-b"], variables: { name: "Ada" } });
  assert.deepEqual(started.columns.map((c) => [c.label, c.model, c.version]), [["v1", "tiny-b", 1], ["v2", "tiny-b", 2]]);
  await finished(started.comparisonId);
  const saved = await get(started.comparisonId);
  assert.deepEqual(saved.columns.map((c) => c.runs.map((r) => r.ok && r.result.model)), [["tiny-b"], ["tiny-b"]]);
  await assert.rejects(start({ uri, versions: [1, 9] }), refusal("version_not_found", "versions", 404));
});

test("bad specs are refused with the reason", async () => {
  const uri = lsp.uri(join(ws, "greet.prompt"));
  await assert.rejects(start({ uri, models: [] }), refusal("missing_required_parameter", "models"));
  await assert.rejects(start({ models: ["tiny-a"] }), refusal("missing_required_parameter", "uri"));
  await assert.rejects(start({ uri, message: "x", models: ["tiny-a"] }), refusal("invalid_value", "message"));
  await assert.rejects(start({ message: "x", models: ["tiny-a", "tiny-a"] }), refusal("invalid_value", "models"));
  await assert.rejects(start({ message: "x", models: ["tiny-a"], repeats: 11 }), (e: { data?: { param?: string; status?: number } }) => e.data?.param === "repeats" && e.data.status === 400);
  await assert.rejects(start({ message: "x", models: ["a", "b", "c", "d", "e", "f", "g", "h", "i"] }), refusal("invalid_value", "models"));
  await assert.rejects(lsp.conn.sendRequest("faro/compare/get", { comparisonId: "cmp-nope" }), refusal("comparison_not_found", "comparisonId", 404));
  // A missing variable is the column's error, not a refusal of the whole comparison.
  const started = await start({ uri, models: ["tiny-a"] });
  await finished(started.comparisonId);
  const saved = await get(started.comparisonId);
  assert.equal(saved.columns[0]!.runs[0]!.ok === false && saved.columns[0]!.runs[0]!.error.code, "missing_variable");
});
