/**
 * The response cache end to end: faro serve with the mock OpenAI provider upstream and the
 * official openai SDK as the client. Hits never reach the mock, streams replay as real SSE,
 * errors are not cached, namespaces and force refresh work, and semantic mode compares prompts
 * with the tiny local model's embeddings. TTL and size caps are covered with an injected clock in
 * test/unit/gateway/responseCache.test.ts.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import OpenAI from "openai";
import { CLI, type Served } from "../fixtures/serve";
import { serveWithClient } from "../fixtures/serveFixture";
import { loggedRow } from "../fixtures/logRows";
import { startOpenAIMock } from "../fixtures/mocks/openai";
import type { MockServer } from "../fixtures/mocks/mockServer";

let mock: MockServer;
let faro: Served;
let client: OpenAI;
const KEY = "test-key";
const CACHE = { "x-portkey-cache": "simple" };

before(async () => {
  mock = await startOpenAIMock({ apiKey: KEY });
  const target = { provider: "openai", custom_host: mock.url, api_key: KEY, override_params: { model: "gpt-4o-mini" } };
  const config = {
    aliases: { "mock-gpt": target, "mock-gpt-too": target },
    configs: { "cached-mock": { ...target, cache: { mode: "simple", namespace: "from-config" } } },
  };
  ({ server: faro, client } = await serveWithClient({ models: [{ name: "tiny" }], config, args: ["--threads", "1"] }));
});

after(async () => {
  assert.equal(await faro.stop(), 0);
  await mock.close();
});

const ask = (content: string) => [{ role: "user" as const, content }];

const logged = (id: string) => loggedRow(faro.home, id);

describe("exact cache", () => {
  test("two identical requests reach the mock once; the hit carries the original answer and usage", async () => {
    mock.reset();
    const first = await client.chat.completions.create({ model: "mock-gpt", messages: ask("exact one"), temperature: 0.3 }, { headers: CACHE }).withResponse();
    const second = await client.chat.completions.create({ model: "mock-gpt", messages: ask("exact one"), temperature: 0.3 }, { headers: CACHE }).withResponse();
    assert.equal(mock.requests.length, 1);
    assert.equal(first.response.headers.get("x-faro-cache"), "miss");
    assert.equal(second.response.headers.get("x-faro-cache"), "hit");
    assert.equal(second.response.headers.get("x-portkey-cache-status"), "HIT");
    assert.equal(second.response.headers.get("x-faro-provider"), "openai");
    assert.equal(second.data.choices[0]!.message.content, first.data.choices[0]!.message.content);
    assert.equal(second.data.choices[0]!.finish_reason, "stop");
    assert.equal(second.data.model, "gpt-4o-mini");
    assert.deepEqual(second.data.usage && { p: second.data.usage.prompt_tokens, c: second.data.usage.completion_tokens }, { p: first.data.usage!.prompt_tokens, c: first.data.usage!.completion_tokens });
    assert.notEqual(second.data.id, first.data.id, "each answer has its own id");
    assert.equal((await logged(first.data.id)).cache_status, "miss");
    const hitRow = await logged(second.data.id);
    assert.equal(hitRow.cache_status, "hit");
    assert.equal(hitRow.status, 200);
    assert.equal(hitRow.prompt_tokens, first.data.usage!.prompt_tokens);
    assert.ok(Number((await logged(first.data.id)).cost_usd) > 0, "the miss paid the provider's price");
    assert.equal(hitRow.cost_usd, 0, "a hit spends nothing");
    assert.equal(second.response.headers.get("x-faro-cost-usd"), "0.0");
  });

  test("a different temperature misses; another alias of the same target hits", async () => {
    mock.reset();
    await client.chat.completions.create({ model: "mock-gpt", messages: ask("params"), temperature: 0.3 }, { headers: CACHE });
    const other = await client.chat.completions.create({ model: "mock-gpt", messages: ask("params"), temperature: 0.9 }, { headers: CACHE }).withResponse();
    assert.equal(other.response.headers.get("x-faro-cache"), "miss");
    assert.equal(mock.requests.length, 2);
    const alias = await client.chat.completions.create({ model: "mock-gpt-too", messages: ask("params"), temperature: 0.9 }, { headers: CACHE }).withResponse();
    assert.equal(alias.response.headers.get("x-faro-cache"), "hit");
    assert.equal(mock.requests.length, 2);
  });

  test("force refresh calls upstream and replaces the entry", async () => {
    mock.reset();
    await client.chat.completions.create({ model: "mock-gpt", messages: ask("refresh me") }, { headers: CACHE });
    mock.replyNext({ text: "a fresher answer" });
    const refreshed = await client.chat.completions
      .create({ model: "mock-gpt", messages: ask("refresh me") }, { headers: { ...CACHE, "x-portkey-cache-force-refresh": "true" } })
      .withResponse();
    assert.equal(refreshed.response.headers.get("x-faro-cache"), "refresh");
    assert.equal(mock.requests.length, 2);
    const after = await client.chat.completions.create({ model: "mock-gpt", messages: ask("refresh me") }, { headers: CACHE }).withResponse();
    assert.equal(after.response.headers.get("x-faro-cache"), "hit");
    assert.equal(after.data.choices[0]!.message.content, "a fresher answer");
    assert.equal(mock.requests.length, 2);
    assert.equal((await logged(refreshed.data.id)).cache_status, "refresh");
  });

  test("without the cache turned on every request goes upstream and says x-faro-cache: disabled", async () => {
    mock.reset();
    for (let i = 0; i < 2; i++) {
      const r = await client.chat.completions.create({ model: "mock-gpt", messages: ask("uncached") }).withResponse();
      assert.equal(r.response.headers.get("x-faro-cache"), "disabled");
      assert.equal((await logged(r.data.id)).cache_status, null);
    }
    assert.equal(mock.requests.length, 2);
  });

  test("errors are not cached: after a failure the identical request reaches upstream", async () => {
    mock.reset();
    mock.failNext({ status: 500 });
    await assert.rejects(client.chat.completions.create({ model: "mock-gpt", messages: ask("flaky") }, { headers: CACHE }), (err: InstanceType<typeof OpenAI.APIError>) => err.status === 500);
    const r = await client.chat.completions.create({ model: "mock-gpt", messages: ask("flaky") }, { headers: CACHE }).withResponse();
    assert.equal(r.response.headers.get("x-faro-cache"), "miss");
    assert.equal(mock.requests.length, 2);
    mock.failNext({ disconnectAfterChunks: 2 });
    await assert.rejects(async () => {
      for await (const _ of await client.chat.completions.create({ model: "mock-gpt", messages: ask("cut stream"), stream: true }, { headers: CACHE }));
    });
    const again = await client.chat.completions.create({ model: "mock-gpt", messages: ask("cut stream") }, { headers: CACHE }).withResponse();
    assert.equal(again.response.headers.get("x-faro-cache"), "miss", "a stream cut mid-way was not kept");
  });

  test("namespaces separate entries; a routing config can turn the cache on with its own namespace", async () => {
    mock.reset();
    const ns = (n: string) => ({ headers: { ...CACHE, "x-portkey-cache-namespace": n } });
    await client.chat.completions.create({ model: "mock-gpt", messages: ask("shared text") }, ns("alice"));
    const bob = await client.chat.completions.create({ model: "mock-gpt", messages: ask("shared text") }, ns("bob")).withResponse();
    assert.equal(bob.response.headers.get("x-faro-cache"), "miss");
    const alice = await client.chat.completions.create({ model: "mock-gpt", messages: ask("shared text") }, ns("alice")).withResponse();
    assert.equal(alice.response.headers.get("x-faro-cache"), "hit");
    assert.equal(mock.requests.length, 2);
    const viaConfig = () => client.chat.completions.create({ model: "any", messages: ask("config cached") }, { headers: { "x-portkey-config": "cached-mock" } }).withResponse();
    assert.equal((await viaConfig()).response.headers.get("x-faro-cache"), "miss");
    assert.equal((await viaConfig()).response.headers.get("x-faro-cache"), "hit");
    assert.equal(mock.requests.length, 3);
  });

  test("bad cache headers are OpenAI-shaped 400s", async () => {
    await assert.rejects(
      client.chat.completions.create({ model: "mock-gpt", messages: ask("x") }, { headers: { "x-portkey-cache": "forever" } }),
      (err: InstanceType<typeof OpenAI.APIError>) => err.status === 400 && err.param === "x-portkey-cache" && /simple/.test(err.message),
    );
    await assert.rejects(
      client.chat.completions.create({ model: "mock-gpt", messages: ask("x") }, { headers: { "x-portkey-config": JSON.stringify({ provider: "openai", cache: { mode: "sometimes" } }) } }),
      (err: InstanceType<typeof OpenAI.APIError>) => err.status === 400 && /cache/.test(err.message),
    );
  });
});

describe("streaming replay", () => {
  async function streamed(content: string) {
    const res = await client.chat.completions.create({ model: "mock-gpt", messages: ask(content), stream: true, stream_options: { include_usage: true } }, { headers: CACHE }).withResponse();
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null = null;
    let roleChunks = 0;
    for await (const c of res.data) {
      if (c.choices[0]?.delta.role === "assistant") roleChunks++;
      text += c.choices[0]?.delta.content ?? "";
      finish = c.choices[0]?.finish_reason ?? finish;
      if (c.usage) usage = c.usage;
    }
    return { cache: res.response.headers.get("x-faro-cache"), type: res.response.headers.get("content-type"), text, finish, usage, roleChunks };
  }

  test("a stream fills the entry; the replayed stream and a JSON request give the same text, finish reason and usage", async () => {
    mock.reset();
    const live = await streamed("stream me please");
    const replayed = await streamed("stream me please");
    assert.equal(mock.requests.length, 1);
    assert.deepEqual([live.cache, replayed.cache], ["miss", "hit"]);
    assert.match(replayed.type ?? "", /text\/event-stream/);
    assert.equal(replayed.text, "stream me please");
    assert.deepEqual([replayed.text, replayed.finish, replayed.usage], [live.text, live.finish, live.usage]);
    assert.equal(replayed.roleChunks, 1);
    const json = await client.chat.completions.create({ model: "mock-gpt", messages: ask("stream me please") }, { headers: CACHE });
    assert.equal(json.choices[0]!.message.content, live.text);
    assert.equal(json.usage!.completion_tokens, live.usage!.completion_tokens);
    assert.equal(mock.requests.length, 1);
  });

  test("a JSON answer fills the entry a stream then replays; without include_usage no usage chunk", async () => {
    mock.reset();
    const json = await client.chat.completions.create({ model: "mock-gpt", messages: ask("json first") }, { headers: CACHE });
    const replayed = await streamed("json first");
    assert.equal(replayed.cache, "hit");
    assert.deepEqual([replayed.text, replayed.finish, replayed.usage?.total_tokens], [json.choices[0]!.message.content, "stop", json.usage!.total_tokens]);
    const plain = await client.chat.completions.create({ model: "mock-gpt", messages: ask("json first"), stream: true }, { headers: CACHE });
    let usageChunks = 0;
    for await (const c of plain) if (c.usage) usageChunks++;
    assert.equal(usageChunks, 0);
    assert.equal(mock.requests.length, 1);
  });

  test("legacy completions are cached too", async () => {
    const first = await client.completions.create({ model: "tiny", prompt: "Once upon a time", max_tokens: 4, temperature: 0 }, { headers: CACHE }).withResponse();
    const second = await client.completions.create({ model: "local/tiny", prompt: "Once upon a time", max_tokens: 4, temperature: 0 }, { headers: CACHE }).withResponse();
    assert.equal(first.response.headers.get("x-faro-cache"), "miss");
    assert.equal(second.response.headers.get("x-faro-cache"), "hit");
    assert.equal(second.data.choices[0]!.text, first.data.choices[0]!.text);
  });
});

describe("semantic cache", () => {
  const cosine = (a: number[], b: number[]) => {
    let dot = 0;
    for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
    return dot / (Math.hypot(...a) * Math.hypot(...b));
  };

  test("with the tiny model's embeddings: a near-identical prompt hits, an unrelated one misses", async (t) => {
    const original = "What is the capital city of France?";
    const near = "What is the capital city of France";
    const unrelated = "Write a short haiku about autumn leaves falling in a quiet forest";
    // The cache embeds with the served default model (tiny): measure what it says about these texts.
    const e = await client.embeddings.create({ model: "default", input: [original, near, unrelated] });
    const [a, b, c] = e.data.map((d) => d.embedding) as [number[], number[], number[]];
    const sNear = cosine(a, b);
    const sFar = cosine(a, c);
    assert.ok(sNear > sFar, `the near prompt is closer (${sNear.toFixed(4)}) than the unrelated one (${sFar.toFixed(4)})`);
    const similarity = (sNear + sFar) / 2;
    t.diagnostic(`tiny-model cosine: near ${sNear.toFixed(4)}, unrelated ${sFar.toFixed(4)}; threshold ${similarity.toFixed(4)}`);
    const semantic = { "x-portkey-config": JSON.stringify({ provider: "openai", custom_host: mock.url, api_key: KEY, override_params: { model: "gpt-4o-mini" }, cache: { mode: "semantic", similarity } }) };
    const asked = (content: string) => client.chat.completions.create({ model: "gpt-4o-mini", messages: ask(content) }, { headers: semantic }).withResponse();

    mock.reset();
    assert.equal((await asked(original)).response.headers.get("x-faro-cache"), "miss");
    const hit = await asked(near);
    assert.equal(hit.response.headers.get("x-faro-cache"), "hit");
    assert.equal(hit.response.headers.get("x-portkey-cache-status"), "SEMANTIC HIT");
    assert.equal(hit.data.choices[0]!.message.content, original, "the cached answer to the original");
    assert.equal((await asked("  What is the capital   city\nof France? ")).response.headers.get("x-faro-cache"), "hit", "whitespace changes embed identically");
    assert.equal(mock.requests.length, 1);
    assert.equal((await asked(unrelated)).response.headers.get("x-faro-cache"), "miss");
    assert.equal(mock.requests.length, 2);
  });
});

describe("semantic cache embedding with a cloud model", () => {
  let priced: Served;
  let pricedClient: OpenAI;
  const EMBED_PRICE = 1000; // $ per million tokens: the mock counts one token per word
  before(async () => {
    const target = { provider: "openai", custom_host: mock.url, api_key: KEY };
    const config = {
      aliases: {
        "cloud-embed": { ...target, override_params: { model: "text-embedding-3-small" } },
        "cloud-mini": { ...target, override_params: { model: "gpt-4o-mini" } },
        "cloud-4o": { ...target, override_params: { model: "gpt-4o" } },
      },
      // The answer costs nothing, so a row's cost is the embedding's alone.
      prices: { "openai/text-embedding-3-small": { input: EMBED_PRICE, output: 0 }, "openai/gpt-4o-mini": { input: 0, output: 0 } },
      cache: { embedding_model: "cloud-embed" },
    };
    ({ server: priced, client: pricedClient } = await serveWithClient({ config }));
  });
  after(async () => assert.equal(await priced.stop(), 0));

  test("its cost is in the request's log row, its cost header and a virtual key's spend, hit or miss", async () => {
    const made = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [CLI, "keys", "create", "--name", "embedder", "--budget", "1", "--home", priced.home], (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    const secret = made.match(/fk-[A-Za-z0-9_-]{43}/)![0];
    const keyClient = new OpenAI({ baseURL: priced.baseURL, apiKey: secret, maxRetries: 0 });
    const semantic = { "x-portkey-config": JSON.stringify({ provider: "openai", custom_host: mock.url, api_key: KEY, override_params: { model: "gpt-4o-mini" }, cache: { mode: "semantic" } }) };
    // Spacing changes the exact key but not the text embedded (collapsed): each variant embeds, the later ones hit by meaning.
    const variants = ["What is the capital of France?", "What  is the capital of France?", "What is the  capital of France?"];
    const embedCost = (6 * EMBED_PRICE) / 1e6; // six words, six tokens embedded
    const near = (actual: unknown, what: string) => assert.ok(Math.abs(Number(actual) - embedCost) < 1e-12, `${what}: ${String(actual)}, expected ${embedCost}`);
    mock.reset();
    for (const [i, [expected, c]] of ([["miss", pricedClient], ["hit", pricedClient], ["hit", keyClient]] as const).entries()) {
      const { response } = await c.chat.completions.create({ model: "gpt-4o-mini", messages: ask(variants[i]!) }, { headers: semantic }).withResponse();
      assert.equal(response.headers.get("x-faro-cache"), expected);
      near(response.headers.get("x-faro-cost-usd"), `${expected} ${i}: the cost header`);
      near((await loggedRow(priced.home, response.headers.get("x-request-id")!)).cost_usd, `${expected} ${i}: the log row`);
    }
    assert.equal(mock.requests.filter((r) => r.path.endsWith("/embeddings")).length, 3);
    const usage = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [CLI, "keys", "usage", "embedder", "--home", priced.home], (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    assert.match(usage, /total\s+1\s+0\s+0\s+\$0\.006/);
  });

  test("a virtual key refuses before the embedding is bought: a model it may not use, rpm, a budget spent", async () => {
    const keyClient = async (...args: string[]) => {
      const made = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, [CLI, "keys", "create", ...args, "--home", priced.home], (err, stdout) => (err ? reject(err) : resolve(stdout))),
      );
      return new OpenAI({ baseURL: priced.baseURL, apiKey: made.match(/fk-[A-Za-z0-9_-]{43}/)![0], maxRetries: 0 });
    };
    const semantic = { headers: { "x-portkey-cache": "semantic" } };
    const asked = (c: OpenAI, model: string, content: string) => c.chat.completions.create({ model, messages: ask(content) }, semantic).withResponse();
    const embeddings = () => mock.requests.filter((r) => r.path.endsWith("/embeddings")).length;
    const refused = async (p: Promise<unknown>, status: number, code: string) => {
      const err = await p.then(() => assert.fail("expected a refusal"), (e: unknown) => e);
      assert.ok(err instanceof OpenAI.APIError && err.status === status && err.code === code, String(err));
      return err;
    };
    const mini = await keyClient("--name", "embed-mini", "--models", "cloud-mini", "--rpm", "1");
    const tight = await keyClient("--name", "embed-tight", "--budget", "0.001");
    mock.reset();
    const notAllowed = await refused(asked(mini, "cloud-4o", "Which river runs through Paris?"), 403, "model_not_allowed");
    assert.equal(embeddings(), 0, "the model was not the key's: nothing embedded");
    const row = await loggedRow(priced.home, notAllowed.requestID!);
    assert.deepEqual([row.provider, row.model, row.cost_usd], ["openai", "gpt-4o", null]);
    await asked(mini, "cloud-mini", "Which river runs through Paris?");
    assert.equal(embeddings(), 1);
    await refused(asked(mini, "cloud-mini", "Which river runs through Rome?"), 429, "rate_limit_exceeded");
    assert.equal(embeddings(), 1, "over rpm: nothing embedded");
    // The first lookup's embedding ($0.006) spends the budget; the next request buys none.
    await asked(tight, "cloud-mini", "Which river runs through Vienna?");
    assert.equal(embeddings(), 2);
    await refused(asked(tight, "cloud-mini", "Which river runs through Prague?"), 429, "budget_exceeded");
    assert.equal(embeddings(), 2, "budget spent: nothing embedded");
  });
});
