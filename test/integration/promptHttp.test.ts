/**
 * Stored prompts over HTTP with the official openai SDK (its response and stream types), and
 * `faro run` from the command line; both leave log rows carrying the prompt's id and version.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import OpenAI from "openai";
import type { ChatCompletion, ChatCompletionChunk } from "openai/resources/chat/completions";
import { Stream } from "openai/core/streaming";
import { openDatabase } from "../../server/store/db";
import { PromptVersionStore } from "../../server/store/promptVersions";
import { writeTinyModel } from "../fixtures/models";
import { CLI, serve, tempDir, type Served } from "../fixtures/serve";

// Greedy decoding: random weights then answer the same way every run (no early end of text).
const GREET_V1 = "---\nmodel: default\nconfig:\n  temperature: 0\n  maxOutputTokens: 6\ninput:\n  schema:\n    name: string, who to greet\n---\nSay hello to {{name}}.\n";
const GREET_V2 = GREET_V1.replace("Say hello", "Greet");
const REVIEW = "---\nconfig:\n  temperature: 0\n  maxOutputTokens: 4\n---\nReview this. {{> sig}}\n";
// topK 1 samples the greedy answer whatever the temperature.
const TOP_K = "---\nconfig:\n  temperature: 2\n  topK: 1\n  maxOutputTokens: 8\n---\nSay hello.\n";

let server: Served;
let client: OpenAI;
let home: string;
let models: string;

before(async () => {
  models = await tempDir("faro-models-");
  await writeTinyModel(models, { name: "tiny-model" });
  home = await tempDir();
  const db = openDatabase(join(home, "faro.db"));
  const store = new PromptVersionStore(db);
  store.record("greet", GREET_V1);
  store.record("greet", GREET_V2);
  store.setLabel("greet", "production", 1);
  store.record("sub/_sig", "-- the bot");
  store.record("sub/review", REVIEW);
  store.record("top-k", TOP_K);
  db.close();
  server = await serve(["--models-dir", models, "--threads", "1"], {}, home);
  client = new OpenAI({ baseURL: server.baseURL, apiKey: "unused", maxRetries: 0 });
});

after(async () => {
  assert.equal(await server.stop(), 0, server.stderr());
});

test("GET /v1/prompts lists prompt ids, latest versions and labels (not partials)", async () => {
  const list = await client.get<{ object: string; data: Array<{ id: string; latest_version: number; labels: Record<string, number> }> }>("/prompts");
  assert.equal(list.object, "list");
  assert.deepEqual(list.data.map((p) => [p.id, p.latest_version, p.labels]), [["greet", 2, { production: 1 }], ["sub/review", 1, {}], ["top-k", 1, {}]]);
  const one = await client.get<{ id: string; versions: Array<{ version: number; labels: string[] }> }>("/prompts/greet");
  assert.deepEqual(one.versions.map((v) => [v.version, v.labels]), [[2, []], [1, ["production"]]]);
});

test("POST /v1/prompts/{id}/completions answers a chat.completion; by label or version; partials from the store", async () => {
  const { data, response } = await client.post<ChatCompletion>("/prompts/greet/completions", { body: { variables: { name: "Ada" } } }).withResponse();
  assert.equal(data.object, "chat.completion");
  assert.equal(data.model, "tiny-model");
  assert.equal(data.choices[0]?.message.role, "assistant");
  assert.equal(typeof data.choices[0]?.message.content, "string");
  assert.equal(data.choices[0]?.finish_reason, "length");
  assert.equal(data.usage?.completion_tokens, 6);
  assert.equal(response.headers.get("x-faro-prompt-version"), "2");
  assert.match(data.id, /^chatcmpl-/);
  const byLabel = await client.post<ChatCompletion>("/prompts/greet/completions", { body: { variables: { name: "Ada" }, label: "production", max_tokens: 2 } }).withResponse();
  assert.equal(byLabel.response.headers.get("x-faro-prompt-version"), "1");
  assert.equal(byLabel.data.usage?.completion_tokens, 2, "body parameters override the prompt's config");
  const v1 = await client.post<ChatCompletion>("/prompts/greet/completions", { body: { variables: { name: "Ada" }, version: 1 } }).withResponse();
  assert.equal(v1.response.headers.get("x-faro-prompt-version"), "1");
  const review = await client.post<ChatCompletion>("/prompts/sub/review/completions", { body: {} });
  assert.equal(review.usage?.completion_tokens, 4);
});

test("a prompt's topK reaches the local model: topK 1 answers greedily at temperature 2", async () => {
  const answer = async (body: Record<string, unknown>) => (await client.post<ChatCompletion>("/prompts/top-k/completions", { body })).choices[0]!.message.content;
  const greedy = await answer({ temperature: 0 });
  for (const seed of [1, 2, 3]) assert.equal(await answer({ seed }), greedy, `seed ${seed}`);
});

test("stream: true answers chat.completion.chunk events the SDK reads", async () => {
  const stream = await client.post<Stream<ChatCompletionChunk>>("/prompts/greet/completions", {
    body: { variables: { name: "Ada" }, stream: true, stream_options: { include_usage: true } },
    stream: true,
  });
  const chunks: ChatCompletionChunk[] = [];
  for await (const c of stream) chunks.push(c);
  assert.ok(chunks.every((c) => c.object === "chat.completion.chunk"));
  assert.equal(chunks[0]?.choices[0]?.delta.role, "assistant");
  assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, "length");
  assert.equal(chunks.at(-1)?.usage?.completion_tokens, 6);
});

test("stream: true with logprobs: each content chunk carries its tokens' log probabilities", async () => {
  const stream = await client.post<Stream<ChatCompletionChunk>>("/prompts/greet/completions", {
    body: { variables: { name: "Ada" }, stream: true, logprobs: true, top_logprobs: 2 },
    stream: true,
  });
  const content: string[] = [];
  const bytes: number[] = [];
  for await (const c of stream) {
    const choice = c.choices[0];
    if (!choice?.delta.content) continue;
    content.push(choice.delta.content);
    for (const lp of choice.logprobs?.content ?? []) {
      assert.ok(lp.logprob <= 0);
      assert.equal(lp.top_logprobs.length, 2);
      bytes.push(...(lp.bytes ?? []));
    }
  }
  assert.ok(content.length > 0);
  // A lone byte of a UTF-8 character is a token "bytes:\\xNN"; the bytes always add up to the text.
  assert.equal(Buffer.from(bytes).toString("utf8"), content.join(""), "the tokens spell the streamed content");
});

test("unknown ids, path traversal, missing variables and bad versions get clear 4xx errors", async () => {
  const fail = async (path: string, body: unknown, status: number, code: string, param: string | null, message: RegExp) => {
    const res = await fetch(`${server.baseURL}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    assert.equal(res.status, status, path);
    const { error } = (await res.json()) as { error: { code: string; param: string | null; message: string; type: string } };
    assert.equal(error.code, code);
    assert.equal(error.param, param);
    assert.match(error.message, message);
  };
  await fail("/prompts/nope/completions", {}, 404, "prompt_not_found", "id", /No prompt 'nope' has been recorded/);
  await fail("/prompts/%2e%2e%2fetc%2fpasswd/completions", {}, 400, "invalid_prompt_id", "id", /Invalid prompt id '\.\.\/etc\/passwd'/);
  await fail("/prompts/greet/completions", {}, 400, "missing_variable", "variables.name", /Missing variable 'name' \(string: who to greet\)/);
  await fail("/prompts/greet/completions", { variables: { name: "x" }, label: "staging" }, 404, "label_not_found", "label", /no label 'staging'\. Its labels: production/);
  await fail("/prompts/greet/completions", { variables: { name: "x" }, version: 7 }, 404, "version_not_found", "version", /no version 7; its latest is 2/);
  await fail("/prompts/greet/completions", { variables: { name: "x" }, messages: [] }, 400, "invalid_value", "messages", /messages come from the prompt/);
  await fail("/prompts/greet/completions", { variables: "x" }, 400, "invalid_value", "variables", /variables/);
  await fail("/prompts/greet", {}, 404, "unknown_url", null, /POST \/v1\/prompts\/greet\/completions/);
  // The SDK sees the same errors as typed exceptions.
  await assert.rejects(client.post("/prompts/nope/completions", { body: {} }), (e: unknown) => e instanceof OpenAI.NotFoundError);
});

test("faro run: streams the answer, prints stats, records versions; --label runs a recorded one", async () => {
  const ws = await tempDir("faro-ws-");
  const file = join(ws, "hello.prompt");
  await writeFile(file, GREET_V1);
  const cliHome = await tempDir();
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, "run", ...args, "--home", cliHome, "--models-dir", models, "--threads", "1"], { cwd: ws, encoding: "utf8", timeout: 60_000 });
  const first = run(["hello.prompt", "--input", "name=Ada"]);
  assert.equal(first.status, 0, first.stderr);
  assert.ok(first.stdout.length > 1);
  assert.match(first.stderr, /faro: hello v1 · tiny-model · \d+ tokens in, 6 out · [\d.]+ s · first token \d+ ms · \$0 \(local\) · finish: length/);
  await writeFile(file, GREET_V2.replace("maxOutputTokens: 6", "maxOutputTokens: 3"));
  const second = run(["hello.prompt", "-i", "name=Ada"]);
  assert.match(second.stderr, /hello v2 .* 3 out/);
  const old = run(["hello.prompt", "--input", "name=Ada", "--version", "1"]);
  assert.match(old.stderr, /hello v1 .* 6 out/);
  const missing = run(["hello.prompt"]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^faro: Missing variable 'name'/m);
  const badLabel = run(["hello.prompt", "--input", "name=x", "--label", "production"]);
  assert.equal(badLabel.status, 1);
  assert.match(badLabel.stderr, /no label 'production'/);
  const db = new Database(join(cliHome, "faro.db"), { readonly: true });
  const rows = db.prepare("SELECT route, prompt_id, prompt_version, status, completion_tokens FROM requests ORDER BY created_at").all();
  db.close();
  assert.deepEqual(rows, [
    { route: "CLI faro run", prompt_id: "hello", prompt_version: 1, status: 200, completion_tokens: 6 },
    { route: "CLI faro run", prompt_id: "hello", prompt_version: 2, status: 200, completion_tokens: 3 },
    { route: "CLI faro run", prompt_id: "hello", prompt_version: 1, status: 200, completion_tokens: 6 },
  ]);
});

test("HTTP prompt requests are logged with the prompt id and version", async () => {
  // The log is written in batches; give it a moment past its flush interval.
  await new Promise((r) => setTimeout(r, 400));
  const db = new Database(join(home, "faro.db"), { readonly: true });
  const rows = db.prepare("SELECT prompt_id, prompt_version, status FROM requests WHERE prompt_id IS NOT NULL AND status = 200 ORDER BY created_at").all() as Array<{ prompt_id: string; prompt_version: number }>;
  db.close();
  assert.deepEqual(rows.slice(0, 4).map((r) => [r.prompt_id, r.prompt_version]), [["greet", 2], ["greet", 1], ["greet", 1], ["sub/review", 1]]);
});
