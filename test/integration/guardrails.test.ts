/**
 * PII guardrails end to end: faro serve between the official OpenAI SDK and a mock OpenAI
 * provider (and the tiny local model), checking what reaches the provider, what the client gets
 * back, and what the request log keeps.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { encodeTokens } from "../../server/gateway/pricing/tokenizer";
import type { Served } from "../fixtures/serve";
import { serveWithClient } from "../fixtures/serveFixture";
import { loggedRow } from "../fixtures/logRows";
import { startOpenAIMock } from "../fixtures/mocks/openai";
import type { MockServer } from "../fixtures/mocks/mockServer";

const KEY = "test-key";
const EMAIL = "lucia.martin@empresa.es";
const CARD = "4111 1111 1111 1111";
let mock: MockServer;
let faro: Served;
let client: OpenAI;

before(async () => {
  mock = await startOpenAIMock({ apiKey: KEY });
  const cloud = { provider: "openai", custom_host: mock.url, api_key: KEY, override_params: { model: "gpt-4o-mini" } };
  const config = {
    aliases: { "mock-gpt": cloud, "mock-restore": { ...cloud, guardrails: { restore: true } } },
    configs: { "cloud-then-local": { strategy: { mode: "fallback" }, targets: [cloud, { provider: "local", override_params: { model: "tiny" } }] } },
  };
  ({ server: faro, client } = await serveWithClient({ models: [{ name: "tiny" }], config }));
});

after(async () => {
  assert.equal(await faro.stop(), 0);
  await mock.close();
});

const logged = (id: string) => loggedRow(faro.home, id);
const ask = (content: string) => [{ role: "user" as const, content }];
const sentText = (i: number) => JSON.stringify(mock.requests[i]!.body);

describe("redaction before a cloud provider", () => {
  test("the provider gets placeholders, the client gets them back as sent (restore off), the log has counts only", async () => {
    mock.reset();
    const { data, response } = await client.chat.completions.create({ model: "mock-gpt", messages: ask(`I am ${EMAIL}, card ${CARD}, mail ${EMAIL}`) }).withResponse();
    assert.ok(!sentText(0).includes(EMAIL) && !sentText(0).includes("4111"), sentText(0));
    assert.equal(data.choices[0]!.message.content, "I am [EMAIL_1], card [CREDIT_CARD_1], mail [EMAIL_1]");
    const row = await logged(response.headers.get("x-request-id")!);
    assert.deepEqual(JSON.parse(String(row.guardrails)), [{ check: "pii", stage: "input", verdict: "redacted", detail: { provider: "openai", mode: "redact", types: { email: 2, credit_card: 1 } } }]);
    assert.ok(!JSON.stringify(row).includes(EMAIL) && !JSON.stringify(row).includes("4111"));
  });

  test("restore puts the values back: JSON, and a stream whose placeholder is split across chunks", async () => {
    mock.reset();
    const json = await client.chat.completions.create({ model: "mock-restore", messages: ask(`write to ${EMAIL} now`) });
    assert.equal(json.choices[0]!.message.content, `write to ${EMAIL} now`);
    assert.ok(!sentText(0).includes(EMAIL));

    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    mock.replyNext({
      rawEvents: [
        chunk({ role: "assistant", content: "" }),
        chunk({ content: "Sent to [EM" }),
        chunk({ content: "AIL_" }),
        chunk({ content: "1], done" }),
        chunk({}, "stop"),
        `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [], usage: { prompt_tokens: 4, completion_tokens: 4, total_tokens: 8 } })}\n\n`,
        "data: [DONE]\n\n",
      ],
    });
    const pieces: string[] = [];
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: ask(`send it to ${EMAIL}`), stream: true }, { headers: { "x-faro-config": JSON.stringify({ provider: "openai", custom_host: mock.url, api_key: KEY, guardrails: { restore: true } }) } });
    for await (const c of stream) if (c.choices[0]?.delta.content) pieces.push(c.choices[0].delta.content);
    assert.equal(pieces.join(""), `Sent to ${EMAIL}, done`);
    assert.ok(pieces.length >= 2, "still streamed");
    assert.ok(!sentText(1).includes(EMAIL));
  });

  test("block: a 400 naming the types, and the provider receives nothing", async () => {
    mock.reset();
    await assert.rejects(client.chat.completions.create({ model: "mock-gpt", messages: ask(`card ${CARD}`) }, { headers: { "x-faro-pii": "block" } }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.BadRequestError);
      assert.equal(e.code, "pii_detected");
      assert.match(e.message, /1 credit_card/);
      assert.ok(!e.message.includes("4111"));
      return true;
    });
    assert.equal(mock.requests.length, 0);
  });

  test("embeddings input is redacted too", async () => {
    mock.reset();
    await client.embeddings.create({ model: "mock-gpt", input: [`from ${EMAIL}`, "plain"] });
    assert.deepEqual((mock.requests[0]!.body as { input: string[] }).input, ["from [EMAIL_1]", "plain"]);
  });

  test("embeddings input sent as token ids (LangChain's default) is read as its text and redacted", async () => {
    mock.reset();
    // mock-gpt is not an OpenAI model name: cl100k_base, as LangChain picks it then.
    await client.embeddings.create({ model: "mock-gpt", input: [await encodeTokens("cl100k_base", `from ${EMAIL}`), await encodeTokens("cl100k_base", "plain")] });
    assert.deepEqual((mock.requests[0]!.body as { input: string[] }).input, ["from [EMAIL_1]", "plain"]);
  });
});

describe("per target", () => {
  // The tiny model's prompt token count tells what text it was given.
  const localTokens = async (content: string, headers: Record<string, string> = {}) =>
    (await client.chat.completions.create({ model: "tiny", messages: ask(content), max_tokens: 1 }, { headers })).usage!.prompt_tokens;

  test("the local model is not redacted by default (x-faro-pii: redact would)", async () => {
    const raw = await localTokens(`mail ${EMAIL} today`);
    const asPlaceholder = await localTokens("mail [EMAIL_1] today");
    assert.notEqual(raw, asPlaceholder, "the tokenizer tells the two texts apart");
    assert.equal(await localTokens(`mail ${EMAIL} today`, { "x-faro-pii": "redact" }), asPlaceholder);
  });

  test("a fallback from the cloud provider to local uses each target's mode, and the log says so", async () => {
    mock.reset();
    mock.failNext({ status: 503 });
    const raw = await localTokens(`mail ${EMAIL} today`);
    const { data, response } = await client.chat.completions
      .create({ model: "x", messages: ask(`mail ${EMAIL} today`), max_tokens: 1 }, { headers: { "x-faro-config": "cloud-then-local" } })
      .withResponse();
    assert.equal(response.headers.get("x-faro-provider"), "local");
    assert.ok(sentText(0).includes("[EMAIL_1]") && !sentText(0).includes(EMAIL), "the cloud attempt got the placeholder");
    assert.equal(data.usage!.prompt_tokens, raw, "local got the original text");
    const row = await logged(response.headers.get("x-request-id")!);
    assert.deepEqual(JSON.parse(String(row.guardrails)), [{ check: "pii", stage: "input", verdict: "redacted", detail: { provider: "openai", mode: "redact", types: { email: 1 } } }]);
  });
});

describe("output guardrails", () => {
  const schema = { type: "object", properties: { n: { type: "number" } }, required: ["n"] };
  test("a JSON answer that breaks the schema is a 422; a streamed one that passes arrives whole", async () => {
    mock.reset();
    const config = { provider: "openai", custom_host: mock.url, api_key: KEY, guardrails: { output: { json_schema: true } } };
    const headers = { "x-faro-config": JSON.stringify(config) };
    const response_format = { type: "json_schema" as const, json_schema: { name: "n", schema } };
    await assert.rejects(client.chat.completions.create({ model: "gpt-4o-mini", messages: ask("not json at all"), response_format }, { headers }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.UnprocessableEntityError);
      assert.equal(e.code, "output_guardrail_failed");
      assert.ok(!e.message.includes("not json at all"));
      return true;
    });
    let text = "";
    for await (const c of await client.chat.completions.create({ model: "gpt-4o-mini", messages: ask('{"n": 3}'), response_format, stream: true }, { headers })) text += c.choices[0]?.delta.content ?? "";
    assert.deepEqual(JSON.parse(text), { n: 3 });
  });
});

describe("the cache and the guardrails", () => {
  test("an answer to a request with PII is not cached (restore would put the values in the cache); one without is", async () => {
    mock.reset();
    const cache = { headers: { "x-portkey-cache": "simple" } };
    for (let i = 0; i < 2; i++) {
      const r = await client.chat.completions.create({ model: "mock-restore", messages: ask(`cache this for ${EMAIL}`) }, cache).withResponse();
      assert.equal(r.data.choices[0]!.message.content, `cache this for ${EMAIL}`);
      assert.equal(r.response.headers.get("x-faro-cache"), "miss", `call ${i + 1}`);
    }
    assert.equal(mock.requests.length, 2, "both calls reached the provider");
    const clean = async () => (await client.chat.completions.create({ model: "mock-restore", messages: ask("nothing personal here") }, cache).withResponse()).response.headers.get("x-faro-cache");
    assert.equal(await clean(), "miss");
    assert.equal(await clean(), "hit");
    assert.equal(mock.requests.length, 3);
  });
});

describe("nothing leaks to disk", () => {
  test("the database files never contain the e-mail or the card", async () => {
    await new Promise((r) => setTimeout(r, 300)); // the log writer's batch
    for (const f of ["faro.db", "faro.db-wal"]) {
      const path = join(faro.home, f);
      if (!existsSync(path)) continue;
      const bytes = await readFile(path);
      assert.equal(bytes.indexOf(EMAIL), -1, `${f} holds the e-mail`);
      assert.equal(bytes.indexOf("4111 1111"), -1, `${f} holds the card`);
    }
  });
});
