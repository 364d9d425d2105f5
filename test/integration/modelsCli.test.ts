/**
 * `faro models pull` and `faro providers check` as a user types them: the built CLI against a
 * loopback file server serving a GGUF, and against the loopback OpenAI mock.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { startFileServer } from "../fixtures/fileServer";
import { startOpenAIMock } from "../fixtures/mocks/openai";
import { writeTinyModel } from "../fixtures/models";
import { CLI, tempDir } from "../fixtures/serve";

/** Async (the servers answer from this process, so spawnSync would deadlock). */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, OPENAI_API_KEY: "", ANTHROPIC_API_KEY: "", GEMINI_API_KEY: "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

test("faro models pull downloads a GGUF into the models folder; faro models then lists it", async (t) => {
  const home = await tempDir();
  const gguf = await readFile(await writeTinyModel(home, { name: "source" }));
  const server = await startFileServer({ body: gguf });
  t.after(() => server.close());
  const pulled = await run(["models", "pull", server.url("/models/pulled-tiny.gguf"), "--home", home]);
  assert.equal(pulled.status, 0, pulled.stderr);
  const path = join(home, "models", "pulled-tiny.gguf");
  assert.equal(pulled.stdout.trim(), path);
  assert.match(pulled.stderr, /pulled-tiny\.gguf: \d+(\.\d)? KB of \d+(\.\d)? KB \(100%\) · .*\/s · done/);
  assert.deepEqual(await readFile(path), gguf);
  const listed = await run(["models", "--home", home]);
  assert.equal(listed.status, 0, listed.stderr);
  assert.match(listed.stdout, /pulled-tiny\tllama/);

  const again = await run(["models", "pull", server.url("/models/pulled-tiny.gguf"), "--home", home]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /faro: pulled-tiny\.gguf is already in .*; delete it first/);
  const missing = await run(["models", "pull", "--home", home]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /needs a URL or an hf: URI/);
});

test("faro models pull refuses a body that is not a GGUF and leaves nothing behind", async (t) => {
  const home = await tempDir();
  const server = await startFileServer({ body: Buffer.from("<html>404 page</html>") });
  t.after(() => server.close());
  const r = await run(["models", "pull", server.url("/fake.gguf"), "--models-dir", join(home, "m")]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /is not a GGUF model file: it starts with "<html>404 page</);
  assert.deepEqual(await readdir(join(home, "m")), []);
});

test("faro providers check: an accepted key, a refused one, and no keys at all", async (t) => {
  const mock = await startOpenAIMock({ apiKey: "sk-right" });
  t.after(() => mock.close());
  const ok = await run(["providers", "check", "openai", "--base-url", mock.url], { OPENAI_API_KEY: "sk-right" });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^ok +openai accepted the key \(2 models available\)\.$/m);
  const refused = await run(["providers", "check", "openai", "--base-url", mock.url], { OPENAI_API_KEY: "sk-wrong-secret" });
  assert.equal(refused.status, 1);
  assert.match(refused.stdout, /^refused openai refused the key \(401: Incorrect API key provided/m);
  assert.doesNotMatch(refused.stdout + refused.stderr, /sk-wrong-secret/);
  const none = await run(["providers", "check"]);
  assert.equal(none.status, 1);
  assert.match(none.stdout, /No provider keys in the environment/);
  const bad = await run(["providers", "check", "nope"]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /Unknown provider 'nope'/);
});

test("a models folder that does not exist is named on stderr, not just an empty list", async () => {
  const home = await tempDir();
  const missing = join(home, "no-such-folder");
  const listed = await run(["models", "--models-dir", missing, "--home", home]);
  assert.equal(listed.status, 0, listed.stderr);
  assert.equal(listed.stdout, "");
  assert.match(listed.stderr, new RegExp(`models folder ${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} does not exist`));
});
