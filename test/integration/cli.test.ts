/** `faro` as a user types it: help, bad flags, the demo model, and a clean Ctrl-C. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { CLI, serve, tempDir } from "../fixtures/serve";

const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 30_000 });

test("--help lists the serve options; an unknown command exits 2", () => {
  const help = run(["--help"]);
  assert.equal(help.status, 0);
  for (const flag of ["--host", "--port", "--home", "--models-dir", "FARO_API_KEY"]) assert.match(help.stdout, new RegExp(flag));
  const bad = run(["frobnicate"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown command 'frobnicate'/);
});

test("bad flag values fail with a message naming the flag", () => {
  const port = run(["serve", "--port", "http"]);
  assert.equal(port.status, 1);
  assert.match(port.stderr, /--port \/ FARO_PORT must be an integer/);
  const env = run(["serve"], { FARO_PORT: "99999" });
  assert.equal(env.status, 1);
  assert.match(env.stderr, /FARO_PORT/);
  const gather = run(["serve", "--batch-gather", "sometimes"]);
  assert.equal(gather.status, 1);
  assert.match(gather.stderr, /--batch-gather \/ FARO_BATCH_GATHER must be 'auto', 'all', 'never' or a number of streams from 2 to 64, not 'sometimes'/);
  const unknown = run(["serve", "--bogus"]);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /bogus/);
});

test("with no model configured, serve writes and serves the demo model, says so, and exits 0 on Ctrl-C", async () => {
  const home = await tempDir();
  const s = await serve([], {}, home);
  try {
    assert.ok(existsSync(join(home, "models", "faro-demo.gguf")));
    assert.match(s.stdout(), /faro-demo \(default\)/);
    assert.match(s.stdout(), /random weights/);
    assert.match(s.stdout(), /--models-dir/);
    const res = await fetch(`${s.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "faro-demo", messages: [{ role: "user", content: "hi" }], max_tokens: 4 }),
    });
    assert.equal(res.status, 200);
  } finally {
    assert.equal(await s.stop(), 0);
  }
  // The shutdown flushed the request log.
  const db = new Database(join(home, "faro.db"), { readonly: true });
  const n = db.prepare("SELECT count(*) AS n FROM requests WHERE route = 'POST /v1/chat/completions'").get() as { n: number };
  db.close();
  assert.equal(n.n, 1);
});

test("a port already in use is a clear error", async () => {
  const s = await serve();
  try {
    const r = run(["serve", "--port", String(s.port), "--home", s.home]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /already in use/);
  } finally {
    await s.stop();
  }
});
