/**
 * `faro run` flags the other CLI test does not reach: `--label` running the version a label
 * points at, and `--model` overriding the prompt's model (an unknown one refused); the log rows carry the version and model that ran.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openDatabase } from "../../server/store/db";
import { PromptVersionStore } from "../../server/store/promptVersions";
import { writeTinyModel } from "../fixtures/models";
import { CLI, tempDir } from "../fixtures/serve";

// Greedy decoding: random weights then answer the same way every run.
const V1 = "---\nmodel: tiny-a\nconfig:\n  temperature: 0\n  maxOutputTokens: 5\ninput:\n  schema:\n    name: string, who to greet\n---\nSay hello to {{name}}.\n";
const V2 = V1.replace("maxOutputTokens: 5", "maxOutputTokens: 2");

let models: string;
let ws: string;
let home: string;

before(async () => {
  models = await tempDir("faro-models-");
  await writeTinyModel(models, { name: "tiny-a" });
  await writeTinyModel(models, { name: "tiny-b", seed: 2 });
  ws = await tempDir("faro-ws-");
  home = await tempDir();
});

const run = (args: string[]) => spawnSync(process.execPath, [CLI, "run", ...args, "--home", home, "--models-dir", models, "--threads", "1"], { cwd: ws, encoding: "utf8", timeout: 60_000 });

test("faro run --label runs the version the label points at; --model runs another model; an unknown --model is refused", async () => {
  const file = join(ws, "hi.prompt");
  {
    await writeFile(file, V1);
    const v1 = run(["hi.prompt", "--input", "name=Ada"]);
    assert.equal(v1.status, 0, v1.stderr);
    assert.match(v1.stderr, /faro: hi v1 · tiny-a · \d+ tokens in, 5 out/);
    await writeFile(file, V2);
    const v2 = run(["hi.prompt", "--input", "name=Ada"]);
    assert.match(v2.stderr, /faro: hi v2 · tiny-a · \d+ tokens in, 2 out/);

    // A label set on v1 (as the editor's History does): --label runs v1, not the file's v2.
    const db = openDatabase(join(home, "faro.db"));
    new PromptVersionStore(db).setLabel("hi", "production", 1);
    db.close();
    const labelled = run(["hi.prompt", "--input", "name=Ada", "--label", "production"]);
    assert.equal(labelled.status, 0, labelled.stderr);
    assert.match(labelled.stderr, /faro: hi v1 · tiny-a · \d+ tokens in, 5 out/);

    const other = run(["hi.prompt", "--input", "name=Ada", "--model", "tiny-b"]);
    assert.equal(other.status, 0, other.stderr);
    assert.match(other.stderr, /faro: hi v2 · tiny-b · \d+ tokens in, 2 out/);

    const unknown = run(["hi.prompt", "--input", "name=Ada", "-m", "nope"]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /^faro: The model 'nope' does not exist/m);

    const both = run(["hi.prompt", "--input", "name=Ada", "--label", "production", "--version", "1"]);
    assert.equal(both.status, 1, both.stderr);
    assert.match(both.stderr, /either --version or --label/);

    const log = new Database(join(home, "faro.db"), { readonly: true });
    const rows = log.prepare("SELECT prompt_id, prompt_version, model, completion_tokens FROM requests WHERE status = 200 ORDER BY created_at").all();
    log.close();
    assert.deepEqual(rows, [
      { prompt_id: "hi", prompt_version: 1, model: "tiny-a", completion_tokens: 5 },
      { prompt_id: "hi", prompt_version: 2, model: "tiny-a", completion_tokens: 2 },
      { prompt_id: "hi", prompt_version: 1, model: "tiny-a", completion_tokens: 5 },
      { prompt_id: "hi", prompt_version: 2, model: "tiny-b", completion_tokens: 2 },
    ]);
  }
});

test("faro run says what a provider's failure was in one line, without a stack trace", async () => {
  const own = await tempDir();
  // An alias to a provider that cannot be reached (nothing listens on port 1).
  await writeFile(join(own, "config.json"), JSON.stringify({ aliases: { down: { provider: "openai", custom_host: "http://127.0.0.1:1/v1", api_key: "k" } } }));
  await writeFile(join(ws, "down.prompt"), "---\nmodel: down\n---\nHi\n");
  const r = spawnSync(process.execPath, [CLI, "run", "down.prompt", "--home", own, "--models-dir", models], { cwd: ws, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^faro: Provider 'openai': could not reach http:\/\/127\.0\.0\.1:1/m);
  assert.doesNotMatch(r.stderr, /^\s+at /m, r.stderr);
});
