/**
 * Virtual keys and cost end to end: keys made with the built CLI (`faro keys`) against a running
 * `faro serve` routed to the mock OpenAI upstream, called with the official openai SDK whose
 * apiKey is the virtual key: cost in the log and the header, 403/429/401 refusals, the secret in
 * no file and no output.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import OpenAI from "openai";
import { Portkey } from "portkey-ai";
import { CLI, serve, tempDir, type Served } from "../fixtures/serve";
import { loggedRow } from "../fixtures/logRows";
import { startOpenAIMock } from "../fixtures/mocks/openai";
import type { MockServer } from "../fixtures/mocks/mockServer";

const UPSTREAM_KEY = "test-key";
const MASTER = "master-key-for-this-test";
let mock: MockServer;
let faro: Served;
const outputs: string[] = [];

const keys = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, "keys", ...args, "--home", faro.home], { encoding: "utf8", timeout: 30_000, env: { ...process.env, FARO_API_KEY: "" } });
  outputs.push(r.stdout, r.stderr);
  return r;
};
const secretOf = (stdout: string) => stdout.match(/fk-[A-Za-z0-9_-]{43}/)?.[0] ?? assert.fail(`no secret in: ${stdout}`);
const client = (apiKey: string) => new OpenAI({ baseURL: faro.baseURL, apiKey, maxRetries: 0 });
const ask = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: "user" as const, content: "hello there" }], max_tokens: 10, ...extra });

const logged = (id: string) => loggedRow(faro.home, id);

/** A response header of an SDK error (a Headers object in openai v5, a record before). */
function header(err: InstanceType<typeof OpenAI.APIError>, name: string): string | null {
  const h = err.headers as unknown;
  if (h instanceof Headers) return h.get(name);
  return ((h as Record<string, string> | undefined) ?? {})[name] ?? null;
}

async function refused(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof OpenAI.APIError, String(err));
    return err;
  }
  assert.fail("expected an error");
}

before(async () => {
  mock = await startOpenAIMock({ apiKey: UPSTREAM_KEY });
  const home = await tempDir();
  const target = (model: string) => ({ provider: "openai", custom_host: mock.url, api_key: UPSTREAM_KEY, override_params: { model } });
  const pair = { strategy: { mode: "fallback" }, targets: [target("gpt-4o"), target("gpt-4o-mini")] };
  await writeFile(join(home, "config.json"), JSON.stringify({ aliases: { "mock-mini": target("gpt-4o-mini"), "mock-4o": target("gpt-4o"), "mock-pair": pair }, configs: { "two-mocks": pair } }));
  faro = await serve([], { FARO_API_KEY: MASTER }, home);
});

after(async () => {
  assert.equal(await faro.stop(), 0);
  await mock.close();
});

test("faro keys: create prints the secret once; list, usage and revoke never do", () => {
  const made = keys("create", "--name", "cli-key", "--budget", "5", "--period", "week", "--rpm", "60", "--tpm", "100000", "--models", "a,b");
  assert.equal(made.status, 0, made.stderr);
  const secret = secretOf(made.stdout);
  assert.match(made.stdout, /budget \$5\.00 per week, 60 rpm, 100000 tpm, models a, b/);
  const list = keys("list");
  assert.equal(list.status, 0);
  assert.match(list.stdout, new RegExp(`cli-key\\s+${secret.slice(0, 9)}\\.\\.\\.\\s+\\$0\\.00 this week`));
  assert.match(list.stdout, /active/);
  assert.equal(list.stdout.includes(secret), false);
  const json = JSON.parse(keys("list", "--json").stdout) as Array<Record<string, unknown>>;
  assert.deepEqual(json.map((k) => [k.name, k.rpm, k.tpm, k.models, k.budgetUsd, k.period]), [["cli-key", 60, 100000, ["a", "b"], 5, "week"]]);
  const usage = keys("usage", "cli-key");
  assert.equal(usage.status, 0);
  assert.match(usage.stdout, /total\s+0\s+0\s+0\s+\$0\.00/);
  const revoked = keys("revoke", "cli-key");
  assert.match(revoked.stdout, /Revoked virtual key 'cli-key'/);
  assert.match(keys("list").stdout, /revoked 20\d\d-/);
  const again = keys("create", "--name", "cli-key");
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already exists/);
  const bad = keys("create", "--name", "x", "--rpm", "lots");
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--rpm must be a number/);
  assert.match(keys("usage", "nobody").stderr, /No virtual key named 'nobody'/);
  // A budget between cents is shown as set, not rounded to $0.01.
  assert.match(keys("create", "--name", "small", "--budget", "0.015").stdout, /budget \$0\.015 per month/);
});

test("an allowed model passes with the virtual key; cost (with cached input) lands in the log row and the header", async () => {
  const secret = secretOf(keys("create", "--name", "app", "--models", "mock-mini").stdout);
  mock.reset();
  mock.replyNext({ text: "hi back", usage: { promptTokens: 1000, completionTokens: 500, cachedTokens: 400 } });
  const { data, response } = await client(secret).chat.completions.create(ask("mock-mini")).withResponse();
  assert.equal(data.usage?.prompt_tokens, 1000);
  assert.equal(data.usage?.prompt_tokens_details?.cached_tokens, 400);
  const expected = (600 * 0.15 + 400 * 0.075 + 500 * 0.6) / 1e6; // gpt-4o-mini list prices
  assert.equal(Number(response.headers.get("x-faro-cost-usd")), expected);
  // The provider got Faro's upstream key, never the virtual key.
  assert.equal(mock.requests[0]!.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
  const row = await logged(data.id);
  assert.ok(Math.abs((row.cost_usd as number) - expected) < 1e-12);
  assert.equal(row.cached_tokens, 400);
  assert.match(String(row.virtual_key_id), /^vk-/);
  const usage = keys("usage", "app");
  assert.match(usage.stdout, /total\s+1\s+1000\s+500\s+\$0\.000420/);
  // FARO_API_KEY still works beside virtual keys, without their limits.
  const plain = await client(MASTER).chat.completions.create(ask("mock-4o"));
  assert.equal(plain.choices[0]!.finish_reason, "stop");
});

test("a streamed answer: usage chunk when asked, the cost as an SSE comment before [DONE], and in the log", async () => {
  const secret = secretOf(keys("create", "--name", "streamer").stdout);
  mock.reset();
  const stream = await client(secret).chat.completions.create({ ...ask("mock-mini"), stream: true, stream_options: { include_usage: true } });
  let last: OpenAI.ChatCompletionChunk | null = null;
  let id = "";
  for await (const c of stream) [last, id] = [c, c.id];
  assert.ok(last?.usage && last.usage.prompt_tokens > 0 && last.usage.completion_tokens > 0);
  const cost = (last.usage.prompt_tokens * 0.15 + last.usage.completion_tokens * 0.6) / 1e6;
  const row = await logged(id);
  assert.ok(Math.abs((row.cost_usd as number) - cost) < 1e-12);
  const raw = await fetch(`${faro.baseURL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
    body: JSON.stringify({ ...ask("mock-mini"), stream: true }),
  });
  const frames = (await raw.text()).split("\n\n").filter(Boolean);
  assert.equal(frames.at(-1), "data: [DONE]");
  assert.match(frames.at(-2)!, /^: x-faro-cost-usd 0\.0000\d+$/);
  assert.equal(frames.some((f) => f.includes('"usage":{')), false, "no usage chunk unless asked");
});

test("a stream whose provider sends no usage is counted with gpt-4o-mini's tokenizer (o200k_base), returned and priced", async () => {
  mock.reset();
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  // "quick" split across two chunks is still one token.
  mock.replyNext({ rawEvents: [chunk({ role: "assistant", content: "The qu" }, null), chunk({ content: "ick brown fox" }, null), chunk({}, "stop"), "data: [DONE]\n\n"] });
  const stream = await client(MASTER).chat.completions.create({ ...ask("mock-mini"), stream: true, stream_options: { include_usage: true } });
  let usage: OpenAI.CompletionUsage | null | undefined = null;
  let id = "";
  for await (const c of stream) [usage, id] = [c.usage ?? usage, c.id];
  // OpenAI's cookbook count: 3 per message + "user" (1) + "hello there" (2) + 3 priming = 9;
  // "The quick brown fox" is 4 o200k_base tokens (The, ␣quick, ␣brown, ␣fox).
  assert.deepEqual(usage, { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
  const row = await logged(id);
  assert.equal(row.prompt_tokens, 9);
  assert.equal(row.completion_tokens, 4);
  assert.ok(Math.abs((row.cost_usd as number) - (9 * 0.15 + 4 * 0.6) / 1e6) < 1e-12);
});

test("a model the key does not allow is 403 and nothing is sent", async () => {
  const secret = secretOf(keys("create", "--name", "mini-only", "--models", "mock-mini").stdout);
  mock.reset();
  const err = await refused(client(secret).chat.completions.create(ask("mock-4o")));
  assert.equal(err.status, 403);
  assert.equal(err.code, "model_not_allowed");
  assert.match(err.message, /may not use the model 'mock-4o'.*Allowed: mock-mini/);
  assert.equal(mock.requests.length, 0);
  // A routing config cannot smuggle a model past the list either.
  const config = { provider: "openai", custom_host: mock.url, api_key: UPSTREAM_KEY, override_params: { model: "gpt-4o" } };
  const viaConfig = await refused(client(secret).chat.completions.create(ask("mock-mini"), { headers: { "x-portkey-config": JSON.stringify(config) } }));
  assert.equal(viaConfig.status, 403);
  assert.equal(mock.requests.length, 0);
});

test("a cached answer of a model the key does not allow is 403 too, with or without a routing config", async () => {
  const secret = secretOf(keys("create", "--name", "mini-cached", "--models", "mock-mini").stdout);
  const cached = { headers: { "x-portkey-cache": "simple" } };
  const config = { provider: "openai", custom_host: mock.url, api_key: UPSTREAM_KEY, override_params: { model: "gpt-4o" } };
  const viaConfig = { headers: { ...cached.headers, "x-portkey-config": JSON.stringify(config) } };
  // Someone allowed gpt-4o fills the cache...
  await client(MASTER).chat.completions.create(ask("mock-4o"), cached);
  await client(MASTER).chat.completions.create(ask("mock-mini"), viaConfig);
  mock.reset();
  // ...which must not hand gpt-4o's answers to a key limited to gpt-4o-mini.
  for (const [model, options] of [["mock-4o", cached], ["mock-mini", viaConfig]] as const) {
    const err = await refused(client(secret).chat.completions.create(ask(model), options));
    assert.equal(err.status, 403, `${model}: ${err.message}`);
    assert.equal(err.code, "model_not_allowed");
    const row = await logged(err.requestID!);
    assert.deepEqual([row.provider, row.model], ["openai", "gpt-4o"], "logged with the model whose answer it refused");
  }
  // The model it is allowed still gets its hits.
  await client(secret).chat.completions.create(ask("mock-mini"), cached);
  const { response } = await client(secret).chat.completions.create(ask("mock-mini"), cached).withResponse();
  assert.equal(response.headers.get("x-faro-cache"), "hit");
  assert.equal(mock.requests.length, 1);
});

test("over rpm: 429 with Retry-After and retry-after-ms", async () => {
  const secret = secretOf(keys("create", "--name", "slow", "--rpm", "2").stdout);
  mock.reset();
  const c = client(secret);
  await c.chat.completions.create(ask("mock-mini"));
  await c.chat.completions.create(ask("mock-mini"));
  const err = await refused(c.chat.completions.create(ask("mock-mini")));
  assert.equal(err.status, 429);
  assert.equal(err.code, "rate_limit_exceeded");
  assert.match(err.message, /2 requests per minute/);
  const after = Number(header(err, "retry-after"));
  assert.ok(after >= 1 && after <= 60, String(after));
  assert.ok(Number(header(err, "retry-after-ms")) > 0);
  assert.equal(mock.requests.length, 2);
});

test("cache hits count toward rpm (a request the key made) but spend no tokens or money", async () => {
  const secret = secretOf(keys("create", "--name", "hits", "--rpm", "3", "--tpm", "100000").stdout);
  mock.reset();
  const c = client(secret);
  const cached = { headers: { "x-portkey-cache": "simple", "x-portkey-cache-namespace": "rpm-hits" } };
  mock.replyNext({ text: "kept", usage: { promptTokens: 1000, completionTokens: 500 } });
  await c.chat.completions.create(ask("mock-mini"), cached);
  for (let i = 0; i < 2; i++) {
    const { response } = await c.chat.completions.create(ask("mock-mini"), cached).withResponse();
    assert.equal(response.headers.get("x-faro-cache"), "hit");
  }
  const err = await refused(c.chat.completions.create(ask("mock-mini"), cached));
  assert.equal(err.status, 429);
  assert.match(err.message, /3 requests per minute/);
  assert.equal(mock.requests.length, 1);
  // Three requests in the key's usage, the tokens and cost of the one that reached the provider.
  assert.match(keys("usage", "hits").stdout, /total\s+3\s+1000\s+500\s+\$0\.000450/);
});

test("budget exhausted: 429 naming the budget, and the provider receives nothing", async () => {
  const secret = secretOf(keys("create", "--name", "tight", "--budget", "0.0001", "--period", "day").stdout);
  mock.reset();
  mock.replyNext({ text: "expensive", usage: { promptTokens: 1000, completionTokens: 500 } }); // $0.00045 > $0.0001
  await client(secret).chat.completions.create(ask("mock-mini"));
  const err = await refused(client(secret).chat.completions.create(ask("mock-mini")));
  assert.equal(err.status, 429);
  assert.equal(err.code, "budget_exceeded");
  assert.equal(err.type, "insufficient_quota");
  assert.match(err.message, /used its budget of \$0\.000100 per day \(\$0\.000450 spent\)/);
  assert.ok(Number(header(err, "retry-after")) > 0);
  assert.equal(header(err, "x-should-retry"), "false");
  assert.equal(mock.requests.length, 1);
  assert.match(keys("list").stdout, /tight\s+fk-\S+\s+\$0\.000450 this day/);
});

test("a request refused before any target was tried logs where it was going: budget spent under a config, rpm under a model name", async () => {
  const spent = secretOf(keys("create", "--name", "spent", "--budget", "0.0001", "--period", "day").stdout);
  const config = { "x-portkey-config": JSON.stringify({ provider: "openai", custom_host: mock.url, api_key: UPSTREAM_KEY, override_params: { model: "gpt-4o-mini" } }) };
  mock.reset();
  mock.replyNext({ text: "expensive", usage: { promptTokens: 1000, completionTokens: 500 } });
  await client(spent).chat.completions.create(ask("x"), { headers: config });
  const overBudget = await refused(client(spent).chat.completions.create(ask("x"), { headers: config }));
  assert.equal(overBudget.code, "budget_exceeded");
  const slow = secretOf(keys("create", "--name", "one-rpm", "--rpm", "1").stdout);
  await client(slow).chat.completions.create(ask("mock-mini"));
  const overRpm = await refused(client(slow).chat.completions.create(ask("mock-mini")));
  assert.equal(overRpm.code, "rate_limit_exceeded");
  for (const err of [overBudget, overRpm]) {
    const row = await logged(err.requestID!);
    assert.equal(row.status, 429);
    assert.deepEqual([row.provider, row.model], ["openai", "gpt-4o-mini"]);
    assert.equal(row.attempts, null, "nothing was tried");
  }
  assert.equal(mock.requests.length, 2);
});

test("a request refused before any target of a config of several was chosen logs no target and says which config", async () => {
  const slow = secretOf(keys("create", "--name", "one-a-minute", "--rpm", "1").stdout);
  const inline = JSON.stringify({ strategy: { mode: "loadbalance" }, targets: [{ provider: "openai", custom_host: mock.url, api_key: UPSTREAM_KEY }, { provider: "openai", custom_host: mock.url, api_key: UPSTREAM_KEY }] });
  await client(slow).chat.completions.create(ask("mock-mini"));
  mock.reset();
  const cases = [
    [ask("x"), { "x-portkey-config": "two-mocks" }, "saved config 'two-mocks'"],
    [ask("gpt-4o-mini"), { "x-portkey-config": inline }, "the config in x-portkey-config"],
    [ask("mock-pair"), {}, "alias 'mock-pair'"],
  ] as const;
  for (const [body, headers, name] of cases) {
    const err = await refused(client(slow).chat.completions.create(body, { headers }));
    assert.equal(err.code, "rate_limit_exceeded");
    assert.ok(err.message.endsWith(`(Refused before any target of ${name} was tried.)`), err.message);
    const row = await logged(err.requestID!);
    assert.deepEqual([row.status, row.provider, row.model, row.attempts], [429, null, null, null], "none was chosen: none is blamed");
    assert.match(String(row.error), new RegExp(name.replace(/[()']/g, ".")));
  }
  assert.equal(mock.requests.length, 0);
});

test("the Portkey SDK's virtualKey (x-portkey-virtual-key) presents a Faro virtual key: its limits hold; any other value is refused", async () => {
  const made = keys("create", "--name", "portkey-vk", "--rpm", "2");
  const secret = secretOf(made.stdout);
  const portkey = (virtualKey: string) => new Portkey({ apiKey: "unused", virtualKey, baseURL: faro.baseURL, config: { provider: "openai", custom_host: mock.url, api_key: UPSTREAM_KEY }, maxRetries: 0 } as never);
  const status = (p: Promise<unknown>) => p.then(() => 200, (e: { status?: number; message?: string }) => `${e.status} ${e.message}`);
  mock.reset();
  const c = portkey(secret);
  assert.equal(await status(c.chat.completions.create(ask("gpt-4o-mini"))), 200);
  assert.equal(await status(c.chat.completions.create(ask("gpt-4o-mini"))), 200);
  assert.match(String(await status(c.chat.completions.create(ask("gpt-4o-mini")))), /^429 .*'portkey-vk': 2 requests per minute/);
  assert.match(keys("usage", "portkey-vk").stdout, /total\s+2\s/);
  // A Portkey virtual key names provider credentials stored in Portkey's cloud: Faro has none to look up.
  assert.match(String(await status(portkey("openai-prod-3f9a").chat.completions.create(ask("gpt-4o-mini")))), /^400 .*x-portkey-virtual-key.*not a Faro virtual key/);
  assert.equal(mock.requests.length, 2);
});

test("revoked and unknown virtual keys are 401 in OpenAI's shape; an fk- key is never forwarded to a provider", async () => {
  const secret = secretOf(keys("create", "--name", "gone").stdout);
  await client(secret).chat.completions.create(ask("mock-mini"));
  keys("revoke", "gone");
  const err = await refused(client(secret).chat.completions.create(ask("mock-mini")));
  assert.equal(err.status, 401);
  assert.equal(err.code, "key_revoked");
  const unknown = await refused(client("fk-" + "x".repeat(43)).models.list());
  assert.equal(unknown.status, 401);
  assert.equal(unknown.code, "invalid_api_key");
  // x-portkey-provider normally forwards the bearer as the provider's key: not a virtual key.
  const live = secretOf(keys("create", "--name", "portkey-style").stdout);
  mock.reset();
  await refused(
    client(live).chat.completions.create(ask("gpt-4o-mini"), { headers: { "x-portkey-provider": "openai", "x-portkey-custom-host": mock.url } }),
  );
  assert.equal(mock.requests[0]?.headers.authorization, undefined);
});

test("a virtual key cannot read the request log, metrics or the queue, nor cancel a queued request (every key's requests and spend): 403; FARO_API_KEY can", async () => {
  const secret = secretOf(keys("create", "--name", "teammate").stdout);
  const { id } = await client(MASTER).chat.completions.create(ask("mock-mini"));
  await logged(id);
  const get = (path: string, key: string) => fetch(`${faro.origin}${path}`, { headers: { authorization: `Bearer ${key}` } });
  for (const path of ["/v1/logs", `/v1/logs/${id}`, "/metrics", "/v1/queue"]) {
    const refused = await get(path, secret);
    assert.equal(refused.status, 403, path);
    const body = (await refused.json()) as { error: { code: string; type: string } };
    assert.equal(body.error.code, "operator_key_required");
    assert.equal(body.error.type, "permission_error");
    assert.equal((await get(path, MASTER)).status, 200, path);
  }
  const cancel = (key: string) => fetch(`${faro.origin}/v1/queue/some-id`, { method: "DELETE", headers: { authorization: `Bearer ${key}` } });
  assert.equal((await cancel(secret)).status, 403);
  assert.equal((await cancel(MASTER)).status, 404, "the operator reaches the route: no such request");
  // The key still works for the API.
  await client(secret).chat.completions.create(ask("mock-mini"));
});

test("no secret in faro.db (or its WAL), in the server's output, or in list/usage output", async () => {
  const secrets = outputs.join("\n").match(/fk-[A-Za-z0-9_-]{43}/g) ?? [];
  assert.ok(secrets.length >= 6);
  const files = ["faro.db", "faro.db-wal"].map((f) => join(faro.home, f)).filter(existsSync);
  const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
  for (const s of secrets) {
    assert.equal(bytes.includes(Buffer.from(s)), false, "secret in the database files");
    assert.equal(faro.stdout().includes(s) || faro.stderr().includes(s), false, "secret in the server's output");
  }
  // Only `create` printed each secret: one occurrence per secret across every CLI output.
  for (const s of new Set(secrets)) assert.equal(outputs.join("\n").split(s).length - 1, 1, `${s.slice(0, 9)} printed more than once`);
});
