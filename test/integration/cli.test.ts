/** `faro` as a user types it: help, bad flags, the demo model, and a clean Ctrl-C. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { CLI, serve, tempDir, type Served } from "../fixtures/serve";
import { startOpenAIMock } from "../fixtures/mocks/openai";
import type { MockServer } from "../fixtures/mocks/mockServer";
import { writeSmallModel } from "../fixtures/models";
import { llamaVocabulary } from "../../server/engine/gguf/llamaModel";

const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 30_000 });

/** faro serve with the alias `up` for the OpenAI mock (key "k"); stopped, and the mock closed, after `fn`. */
async function withCloudAlias(fn: (s: Served, mock: MockServer, home: string) => Promise<void>): Promise<void> {
  const mock = await startOpenAIMock({ apiKey: "k" });
  const home = await tempDir();
  await writeFile(join(home, "config.json"), JSON.stringify({ aliases: { up: { provider: "openai", custom_host: mock.url, api_key: "k", override_params: { model: "gpt-4o-mini" } } } }));
  const s = await serve([], {}, home);
  try {
    await fn(s, mock, home);
  } finally {
    await s.stop();
    await mock.close();
  }
}

/** The chat completion rows in a home's faro.db (read once faro has stopped). */
function chatRows<T>(home: string, columns: string): T[] {
  const db = new Database(join(home, "faro.db"), { readonly: true });
  try {
    return db.prepare(`SELECT ${columns} FROM requests WHERE route = 'POST /v1/chat/completions'`).all() as T[];
  } finally {
    db.close();
  }
}

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

test("Ctrl-C with a request in flight answers it 503 'Faro is shutting down', not as a failure of its own", async () => {
  await withCloudAlias(async (s, mock, home) => {
    // The upstream would answer much later: the request is still in flight at Ctrl-C.
    mock.failNext({ headerDelayMs: 10_000 });
    const pending = fetch(`${s.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "up", messages: [{ role: "user", content: "hi" }] }),
    });
    while (mock.requestCount < 1) await sleep(10);
    assert.equal(await s.stop(), 0);
    const res = await pending;
    const body = (await res.json()) as { error: { message: string; type: string; code: string } };
    assert.equal(res.status, 503, JSON.stringify(body));
    assert.equal(body.error.code, "shutting_down");
    assert.equal(body.error.type, "server_error");
    assert.match(body.error.message, /^Faro is shutting down/);
    const rows = chatRows<{ status: number; error: string }>(home, "status, error");
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.status, 503);
    assert.match(rows[0]!.error, /^Faro is shutting down/);
    // One info line says what the shutdown did; the request it stopped is not logged as an error.
    assert.match(s.stderr(), / info +stopping: 1 request in flight answered 503 shutting_down\n/);
    assert.doesNotMatch(s.stderr(), / error /, s.stderr());
  });
});

test("Ctrl-C during a cloud stream ends it with the shutting_down error event, and its row keeps the tokens counted so far", async () => {
  await withCloudAlias(async (s, mock, home) => {
    // One chunk every 400 ms: Ctrl-C comes after the first words, long before the end. The mock
    // reports no usage before its end, so the row's counts are Faro's own (tiktoken, started
    // only now: its first use takes a while, which the client must not wait for).
    mock.failNext({ chunkDelayMs: 400 });
    const res = await fetch(`${s.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "up", messages: [{ role: "user", content: "hello there" }], stream: true }),
    });
    let text = "";
    let stopping: Promise<number | null> | null = null;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += Buffer.from(chunk).toString();
      if (!stopping && text.includes('"content":"hello')) stopping = s.stop();
    }
    assert.equal(await stopping, 0);
    const frames = text.split("\n\n").filter(Boolean);
    assert.match(frames.at(-1)!, /^event: error\ndata: .*"code":"shutting_down"/, "the stream's last frame is the error, not a cut connection");
    const [row] = chatRows<{ status: number; prompt_tokens: number; completion_tokens: number }>(home, "status, prompt_tokens, completion_tokens");
    assert.equal(row!.status, 503);
    assert.ok(row!.prompt_tokens > 0 && row!.completion_tokens > 0, JSON.stringify(row));
  });
});

test("Ctrl-C during a local stream ends it with the shutting_down error event, and its row says so", async () => {
  const models = await tempDir();
  await writeSmallModel(models, "small");
  const home = await tempDir();
  const s = await serve(["--models-dir", models], {}, home);
  try {
    // Eight answers one after the other, end tokens banned: seconds of writing, even though the
    // random model sometimes stops one answer early on an end marker written as text.
    const vocab = llamaVocabulary(true).tokens;
    const logit_bias = Object.fromEntries([2, vocab.indexOf("<|im_start|>"), vocab.indexOf("<|im_end|>")].map((t) => [String(t), -100]));
    const res = await fetch(`${s.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "small", messages: [{ role: "user", content: "hi" }], max_tokens: 300, n: 8, stream: true, logit_bias }),
    });
    let text = "";
    let stopping: Promise<number | null> | null = null;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += Buffer.from(chunk).toString();
      if (!stopping && /"content":"[^"]/.test(text)) stopping = s.stop();
    }
    assert.equal(await stopping, 0);
    assert.match(text.split("\n\n").filter(Boolean).at(-1)!, /^event: error\ndata: .*"code":"shutting_down"/);
    const [row] = chatRows<{ status: number; error: string }>(home, "status, error");
    assert.equal(row!.status, 503);
    assert.match(row!.error, /^Faro is shutting down/);
  } finally {
    await s.stop();
  }
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
