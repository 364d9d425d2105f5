/**
 * The request log and metrics through `faro serve` with the demo model and the official openai
 * SDK: metadata tags from the header and the body, /metrics counting the request, GET /v1/logs,
 * bodies off by default and on (redacted, streams assembled) with --log-bodies, `faro logs`.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import OpenAI from "openai";
import { CLI, type Served } from "../fixtures/serve";
import { serveWithClient } from "../fixtures/serveFixture";
import { assertPrometheusText } from "../fixtures/prometheus";
import { startOpenAIMock } from "../fixtures/mocks/openai";
import type { LogRow, LogRowFull } from "../../server/protocol";

const run = promisify(execFile);
const CHAT = 'faro_requests_total{route="POST /v1/chat/completions",model="faro-demo",provider="local",status_class="2xx"}';

/** The row is written by the batched writer within ~200 ms: poll GET /v1/logs/{id}. */
async function logged(s: Served, id: string): Promise<LogRowFull> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${s.origin}/v1/logs/${id}`);
    if (res.status === 200) return (await res.json()) as LogRowFull;
    assert.equal(res.status, 404);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`request ${id} never reached the log`);
}

describe("request log and metrics, bodies off (the default)", () => {
  let server: Served;
  let client: OpenAI;
  before(async () => {
    ({ server, client } = await serveWithClient());
  });
  after(async () => assert.equal(await server.stop(), 0));

  test("metadata from x-portkey-metadata and the body's metadata; no bodies; /metrics counts it", async () => {
    const before = assertPrometheusText(await (await fetch(`${server.origin}/metrics`)).text());
    const { data, response } = await client.chat.completions
      .create(
        { model: "faro-demo", messages: [{ role: "user", content: "hi" }], max_tokens: 4, metadata: { env: "dev", team: "body" } },
        { headers: { "x-portkey-metadata": JSON.stringify({ team: "search" }) } },
      )
      .withResponse();
    const id = response.headers.get("x-request-id")!;
    assert.equal(data.id, id);
    const row = await logged(server, id);
    assert.deepEqual(row.metadata, { env: "dev", team: "search" }, "the header wins on a clash");
    assert.equal(row.model, "faro-demo");
    assert.equal(row.status, 200);
    assert.equal(row.requestBody, null, "bodies are off by default");
    assert.equal(row.responseBody, null);
    assert.equal(row.completionTokens, data.usage!.completion_tokens);

    const res = await fetch(`${server.origin}/metrics`);
    assert.match(res.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
    const after = assertPrometheusText(await res.text());
    assert.equal((after.get(CHAT) ?? 0) - (before.get(CHAT) ?? 0), 1);
    assert.equal(after.get('faro_tokens_total{model="faro-demo",provider="local",type="completion"}'), data.usage!.completion_tokens);
    assert.ok((after.get('faro_request_log_rows_total{outcome="committed"}') ?? 0) >= 1);
    assert.equal(after.get('faro_engine_model_loaded{model="faro-demo"}'), 1);
    // One stream alone: every decode batch (the prompt's, then one per token) carried one sequence.
    const batches = (after.get("faro_engine_decode_batches_total") ?? 0) - (before.get("faro_engine_decode_batches_total") ?? 0);
    const sequences = (after.get("faro_engine_decode_batch_sequences_total") ?? 0) - (before.get("faro_engine_decode_batch_sequences_total") ?? 0);
    assert.ok(batches >= data.usage!.completion_tokens, `${batches} batches for ${data.usage!.completion_tokens} tokens`);
    assert.equal(sequences, batches);

    const page = (await (await fetch(`${server.origin}/v1/logs?metadata.team=search&status=2xx&limit=5`)).json()) as { data: LogRow[] };
    assert.deepEqual(page.data.map((r) => r.id), [id]);
    const metricsLogged = (await (await fetch(`${server.origin}/v1/logs?route=${encodeURIComponent("GET /metrics")}`)).json()) as { data: LogRow[] };
    assert.equal(metricsLogged.data.length, 0, "scrapes are not logged");
  });

  test("the routing trail is logged: each attempt with its provider, model and status", async () => {
    const mock = await startOpenAIMock({ apiKey: "k" });
    try {
      mock.failNext({ status: 503, message: "overloaded" }, 1);
      const config = {
        strategy: { mode: "fallback" },
        targets: [{ provider: "openai", custom_host: mock.url, api_key: "k", override_params: { model: "gpt-4o-mini" } }, { provider: "local", override_params: { model: "faro-demo" } }],
      };
      const { response } = await client.chat.completions
        .create({ model: "x", messages: [{ role: "user", content: "hi" }], max_tokens: 2 }, { headers: { "x-portkey-config": JSON.stringify(config) } })
        .withResponse();
      const row = await logged(server, response.headers.get("x-request-id")!);
      assert.deepEqual(
        (row.attempts as { provider: string; model: string; status: number }[]).map((a) => [a.provider, a.model, a.status]),
        [["openai", "gpt-4o-mini", 503], ["local", "faro-demo", 200]],
      );
      assert.equal(row.fallbackIndex, 1);
      assert.equal(row.provider, "local");
    } finally {
      await mock.close();
    }
  });

  test("bad metadata and bad log queries are OpenAI-shaped 400s", async () => {
    await assert.rejects(
      client.chat.completions.create({ model: "faro-demo", messages: [{ role: "user", content: "hi" }], metadata: { n: 1 as unknown as string } }),
      (e: InstanceType<typeof OpenAI.APIError>) => e.status === 400 && /metadata/.test(String(e.param)),
    );
    const res = await fetch(`${server.origin}/v1/logs?status=teapot`);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { param: string; type: string } };
    assert.deepEqual([body.error.param, body.error.type], ["status", "invalid_request_error"]);
    assert.equal((await fetch(`${server.origin}/v1/logs?since=someday`)).status, 400);
    assert.equal((await fetch(`${server.origin}/v1/logs/nope`)).status, 404);
  });

  test("faro logs lists rows and exports CSV from the same faro.db", async () => {
    const { stdout } = await run(process.execPath, [CLI, "logs", "--home", server.home, "--route", "POST /v1/chat/completions"]);
    assert.match(stdout, /\t200\t.*POST \/v1\/chat\/completions\tfaro-demo\tlocal\t/);
    const csv = (await run(process.execPath, [CLI, "logs", "export", "--format", "csv", "--home", server.home, "--since", "1h", "--status", "ok"])).stdout;
    const lines = csv.trimEnd().split("\r\n");
    assert.ok(lines[0]!.startsWith("id,createdAt,route,"));
    assert.ok(lines.slice(1).some((l) => l.includes('"{""env"":""dev"",""team"":""search""}"')));
    await assert.rejects(run(process.execPath, [CLI, "logs", "export", "--home", server.home]), /needs --format csv or --format jsonl/);
    // A home Faro never ran with is named, not read as an empty log (and not created).
    const typo = join(server.home, "typo");
    await assert.rejects(run(process.execPath, [CLI, "logs", "--home", typo]), /No request log at .*typo\/faro\.db: Faro has not run with this home/);
    assert.equal(existsSync(typo), false);
  });

  test("faro logs keeps one request on one line when its error has line breaks (a provider's text)", async () => {
    const mock = await startOpenAIMock({ apiKey: "k" });
    try {
      mock.failNext({ status: 400, message: "first line\nsecond line" });
      const config = { provider: "openai", custom_host: mock.url, api_key: "k" };
      const err = (await client.chat.completions
        .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }, { headers: { "x-portkey-config": JSON.stringify(config) } })
        .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      assert.equal(err.status, 400);
      assert.match((await logged(server, err.requestID!)).error ?? "", /first line\nsecond line/);
      const { stdout } = await run(process.execPath, [CLI, "logs", "--home", server.home, "--status", "4xx"]);
      const line = stdout.split("\n").find((l) => l.includes("first line"));
      assert.ok(line?.includes("first line second line"), stdout);
    } finally {
      await mock.close();
    }
  });
});

describe("request log with --log-bodies", () => {
  let server: Served;
  let client: OpenAI;
  before(async () => {
    ({ server, client } = await serveWithClient({ args: ["--log-bodies"] }));
  });
  after(async () => assert.equal(await server.stop(), 0));

  test("a stream is logged as its assembled answer; secrets in bodies are redacted", async () => {
    const secret = "sk-live1234567890abcdefghij";
    const { data: stream, response } = await client.chat.completions
      .create({
        model: "faro-demo",
        messages: [{ role: "user", content: `my key is ${secret}` }],
        max_tokens: 8,
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    const row = await logged(server, response.headers.get("x-request-id")!);
    assert.ok(row.requestBody!.includes('"max_tokens":8'));
    assert.ok(!row.requestBody!.includes(secret), "the key is masked");
    assert.ok(row.requestBody!.includes("sk-live***"));
    const answer = JSON.parse(row.responseBody!) as { object: string; choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
    assert.equal(answer.object, "chat.completion");
    assert.equal(answer.choices[0]!.message.content, text);
    assert.equal(answer.usage.completion_tokens, row.completionTokens);

    const bad = await fetch(`${server.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"model":"faro-demo","messages":[{"role":"user","content":"x"}],"temperature":5}' });
    assert.equal(bad.status, 400);
    const badRow = await logged(server, bad.headers.get("x-request-id")!);
    assert.equal((JSON.parse(badRow.responseBody!) as { error: { param: string } }).error.param, "temperature", "an error answer is logged as sent");
    assert.ok(badRow.requestBody!.includes('"temperature":5'));

    const plain = await client.embeddings.create({ model: "faro-demo", input: "x" }).withResponse();
    const erow = await logged(server, plain.response.headers.get("x-request-id")!);
    assert.equal((JSON.parse(erow.responseBody!) as { object: string }).object, "list");
  });
});
