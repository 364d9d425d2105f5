/**
 * Crash safety of the request log: `faro serve` under concurrent load (through a mock OpenAI
 * upstream) is killed with SIGKILL while a second connection, read-only, keeps collecting the
 * ids of committed rows. Reopened, the database passes `PRAGMA integrity_check`, holds every
 * id that was seen committed (and at least as many rows as /metrics said were committed), and
 * the rollup agrees with the rows (both are written in one transaction).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { writeFile, rm } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { serve, tempDir } from "../fixtures/serve";
import { startOpenAIMock } from "../fixtures/mocks/openai";
import { assertPrometheusText } from "../fixtures/prometheus";

const CONNECTIONS = 16;
const LOAD_MS = 2500;

test("SIGKILL under load: the database opens, integrity_check is ok, no committed row is lost", async (t) => {
  const mock = await startOpenAIMock({ apiKey: "k", record: false });
  const home = await tempDir();
  await writeFile(join(home, "config.json"), JSON.stringify({ aliases: { up: { provider: "openai", custom_host: mock.url, api_key: "k", override_params: { model: "gpt-4o-mini" } } } }));
  const faro = await serve([], {}, home);
  const dbFile = join(home, "faro.db");
  try {
    let killed = false;
    let answered = 0;
    const errorsBeforeKill: string[] = [];
    const body = JSON.stringify({ model: "up", messages: [{ role: "user", content: "load" }] });
    const worker = async () => {
      while (!killed) {
        try {
          const res = await fetch(`${faro.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
          await res.arrayBuffer();
          if (res.status === 200) answered++;
          else if (!killed) errorsBeforeKill.push(`status ${res.status}`);
        } catch (err) {
          // After the kill, refused and reset connections are the expected outcome.
          if (!killed) errorsBeforeKill.push(String(err));
        }
      }
    };
    const workers = Array.from({ length: CONNECTIONS }, worker);

    // The second reader: what it sees is committed (WAL readers never see a transaction in progress).
    const reader = new Database(dbFile, { readonly: true, fileMustExist: true });
    const seen = new Set<string>();
    let lastRowid = 0;
    const read = () => {
      const rows = reader.prepare("SELECT rowid, id FROM requests WHERE rowid > ? ORDER BY rowid").all(lastRowid) as { rowid: number; id: string }[];
      for (const r of rows) seen.add(r.id);
      if (rows.length) lastRowid = rows[rows.length - 1]!.rowid;
    };
    const started = Date.now();
    let metricsCommitted = 0;
    while (Date.now() - started < LOAD_MS) {
      await new Promise((r) => setTimeout(r, 25));
      read();
      if (Date.now() - started > LOAD_MS - 300 && metricsCommitted === 0) {
        const m = assertPrometheusText(await (await fetch(`${faro.origin}/metrics`)).text());
        metricsCommitted = m.get('faro_request_log_rows_total{outcome="committed"}') ?? 0;
      }
    }
    read();
    const exited = once(faro.proc, "exit");
    faro.proc.kill("SIGKILL");
    read(); // one more look, racing the kill
    killed = true;
    const [, signal] = (await exited) as [number | null, string | null];
    assert.equal(signal, "SIGKILL");
    await Promise.all(workers);
    reader.close();

    assert.deepEqual(errorsBeforeKill, [], "no request failed before the kill");
    assert.ok(seen.size >= 100, `enough committed rows were seen to mean something (${seen.size}; ${answered} answered)`);
    assert.ok(metricsCommitted > 0);

    const db = new Database(dbFile);
    try {
      assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
      const present = new Set((db.prepare("SELECT id FROM requests").all() as { id: string }[]).map((r) => r.id));
      const missing = [...seen].filter((id) => !present.has(id));
      assert.deepEqual(missing, [], `${missing.length} of ${seen.size} rows seen as committed are missing`);
      assert.ok(present.size >= metricsCommitted, `${present.size} rows present, /metrics had acknowledged ${metricsCommitted}`);
      const rollup = db.prepare("SELECT sum(requests) AS n FROM request_stats").get() as { n: number };
      assert.equal(rollup.n, present.size, "the rollup and the rows commit together");
      t.diagnostic(`${answered} answered, ${seen.size} seen committed by the reader, ${metricsCommitted} acknowledged in /metrics, ${present.size} rows after SIGKILL`);
    } finally {
      db.close();
    }
  } finally {
    if (faro.proc.exitCode === null && faro.proc.signalCode === null) faro.proc.kill("SIGKILL");
    await mock.close();
    await rm(home, { recursive: true, force: true });
  }
});
