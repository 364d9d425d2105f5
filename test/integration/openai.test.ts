/**
 * The backend as an app meets it: `faro serve` on port 0 with a tiny generated GGUF, driven by
 * the official `openai` SDK. Checks the wire format, errors, abort and the request log.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import Database from "better-sqlite3";
import { join } from "node:path";
import type { Served } from "../fixtures/serve";
import { serveWithClient } from "../fixtures/serveFixture";

const MODEL = "tiny-chat";
let server: Served;
let client: OpenAI;

before(async () => {
  ({ server, client } = await serveWithClient({ models: [{ name: MODEL }] }));
});

after(async () => {
  assert.equal(await server.stop(), 0, "faro serve exits 0 on SIGINT");
});

const hello = [{ role: "user" as const, content: "Hello there" }];

/** Polls faro.db (the server writes it in batches) until `fn` returns a value. */
async function fromDb<T>(fn: (db: Database.Database) => T | undefined, timeoutMs = 5000): Promise<T> {
  const db = new Database(join(server.home, "faro.db"), { readonly: true });
  try {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = fn(db);
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error("timed out waiting for faro.db");
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    db.close();
  }
}

interface Row {
  id: string;
  route: string;
  model: string | null;
  provider: string | null;
  status: number;
  stream: number;
  latency_ms: number;
  ttft_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  finish_reason: string | null;
  error: string | null;
}
const rowById = (id: string) => fromDb((db) => db.prepare("SELECT * FROM requests WHERE id = ?").get(id) as Row | undefined);

describe("models", () => {
  test("list shows the GGUF in OpenAI's shape with Faro details", async () => {
    const page = await client.models.list();
    const model = page.data.find((m) => m.id === MODEL) as (OpenAI.Model & { faro?: Record<string, unknown> }) | undefined;
    assert.ok(model, `models: ${page.data.map((m) => m.id).join(", ")}`);
    assert.equal(model.object, "model");
    assert.equal(model.owned_by, "faro-local");
    assert.equal(model.faro?.architecture, "llama");
    assert.equal(model.faro?.quantization, "F32");
    assert.equal(model.faro?.context_length, 2048);
    assert.ok((model.faro?.parameters as number) > 100_000);
    assert.ok((model.faro?.size_bytes as number) > 0);
  });

  test("retrieve finds a model and 404s an unknown one", async () => {
    assert.equal((await client.models.retrieve(MODEL)).id, MODEL);
    await assert.rejects(client.models.retrieve("nope"), (err: unknown) => {
      assert.ok(err instanceof OpenAI.NotFoundError);
      assert.equal(err.code, "model_not_found");
      return true;
    });
  });

  test("retrieve of 'default' answers the model it stands for, under that model's own id", async () => {
    const listed = (await client.models.list()).data.find((m) => m.id === MODEL);
    assert.ok(listed);
    assert.deepEqual(await client.models.retrieve("default"), listed);
  });

  test("retrieve of 'default' standing for a cloud model says so in a 404", async () => {
    const cloud = await serveWithClient({ models: [{ name: MODEL }], args: ["--default-model", "openai/gpt-4o-mini"] });
    try {
      await assert.rejects(cloud.client.models.retrieve("default"), (err: unknown) => {
        assert.ok(err instanceof OpenAI.NotFoundError);
        assert.equal(err.code, "model_not_found");
        assert.match(err.message, /'default' stands for the cloud model 'openai\/gpt-4o-mini'/);
        return true;
      });
    } finally {
      assert.equal(await cloud.server.stop(), 0);
    }
  });
});

describe("chat completions", () => {
  test("non-streaming: a chat.completion whose id is the x-request-id, with usage", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: MODEL, messages: hello, max_tokens: 12, seed: 7 })
      .withResponse();
    assert.equal(data.object, "chat.completion");
    assert.equal(data.id, response.headers.get("x-request-id"));
    assert.match(data.id, /^chatcmpl-/);
    assert.ok(Number(response.headers.get("x-faro-overhead-ms")) >= 0);
    assert.equal(data.model, MODEL);
    const choice = data.choices[0]!;
    assert.equal(choice.message.role, "assistant");
    assert.equal(typeof choice.message.content, "string");
    assert.ok(["stop", "length"].includes(choice.finish_reason));
    const usage = data.usage!;
    assert.ok(usage.prompt_tokens > 5, "the chat template and message are counted");
    assert.ok(usage.completion_tokens >= 1 && usage.completion_tokens <= 12);
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    if (choice.finish_reason === "length") assert.equal(usage.completion_tokens, 12);

    const row = await rowById(data.id);
    assert.equal(row.route, "POST /v1/chat/completions");
    assert.equal(row.model, MODEL);
    assert.equal(row.provider, "local");
    assert.equal(row.status, 200);
    assert.equal(row.stream, 0);
    assert.equal(row.prompt_tokens, usage.prompt_tokens);
    assert.equal(row.completion_tokens, usage.completion_tokens);
    assert.ok(row.latency_ms > 0 && row.ttft_ms !== null && row.ttft_ms <= row.latency_ms);
    // The first request also loaded the model: x-faro-overhead-ms must leave that (provider) time out.
    const overhead = Number(response.headers.get("x-faro-overhead-ms"));
    assert.ok(overhead < row.ttft_ms!, `overhead ${overhead} ms vs time to first token ${row.ttft_ms} ms`);
  });

  test("the same seed gives the same text; the alias 'default' resolves to a served model", async () => {
    const ask = () => client.chat.completions.create({ model: "default", messages: hello, max_tokens: 10, seed: 42 });
    const [a, b] = [await ask(), await ask()];
    assert.equal(a.model, MODEL);
    assert.equal(a.choices[0]!.message.content, b.choices[0]!.message.content);
  });

  test("streaming with include_usage: role first, content deltas, finish, usage chunk, [DONE]", async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: hello,
      max_tokens: 16,
      seed: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    assert.ok(chunks.length >= 3);
    assert.equal(chunks[0]!.choices[0]!.delta.role, "assistant");
    assert.ok(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === chunks[0]!.id));
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.ok(last.usage && last.usage.completion_tokens >= 1);
    const finish = chunks.at(-2)!.choices[0]!;
    assert.ok(finish.finish_reason === "stop" || finish.finish_reason === "length");
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    const same = await client.chat.completions.create({ model: MODEL, messages: hello, max_tokens: 16, seed: 3 });
    assert.equal(text, same.choices[0]!.message.content, "streamed text equals the non-streamed text for the same seed");
    const row = await rowById(chunks[0]!.id);
    assert.equal(row.stream, 1);
    assert.equal(row.completion_tokens, last.usage.completion_tokens);
  });

  test("stop sequences end the text before the stop string", async () => {
    const base = await client.chat.completions.create({ model: MODEL, messages: hello, max_tokens: 40, seed: 11 });
    const text = base.choices[0]!.message.content ?? "";
    // A stop string taken from the middle of the text the same seed produces.
    const chars = [...text];
    assert.ok(chars.length >= 12, `need a longer sample: ${JSON.stringify(text)}`);
    const stop = chars.slice(8, 10).join("");
    const stopped = await client.chat.completions.create({ model: MODEL, messages: hello, max_tokens: 40, seed: 11, stop: [stop] });
    assert.equal(stopped.choices[0]!.finish_reason, "stop");
    assert.equal(stopped.choices[0]!.message.content, text.slice(0, text.indexOf(stop)));
  });

  test("aborting a stream stops the generation", async () => {
    // The longest answer among a few seeds (random weights often end early on </s>).
    let seed = 0;
    let full = 0;
    for (let s = 0; s < 8; s++) {
      const r = await client.chat.completions.create({ model: MODEL, messages: hello, max_tokens: 1500, seed: s });
      if (r.usage!.completion_tokens > full) [seed, full] = [s, r.usage!.completion_tokens];
    }
    assert.ok(full >= 100, `the longest answer has ${full} tokens`);
    const stream = await client.chat.completions.create({ model: MODEL, messages: hello, max_tokens: 1500, seed, stream: true });
    let id = "";
    let received = 0;
    // The SDK ends the iteration quietly when its stream is aborted, as an app would see it.
    for await (const c of stream) {
      id = c.id;
      if (c.choices[0]?.delta.content) received++;
      if (received === 1) {
        stream.controller.abort();
        break;
      }
    }
    const row = await rowById(id);
    assert.equal(row.status, 499);
    assert.equal(row.finish_reason, "abort");
    assert.ok(row.completion_tokens !== null && row.completion_tokens < full, `stopped at ${row.completion_tokens} of ${full} tokens`);
    const health = (await (await fetch(`${server.origin}/health`)).json()) as { engine: { active: number } };
    assert.equal(health.engine.active, 0, "no generation is left running");
  });
});

describe("errors", () => {
  test("unknown model raises NotFoundError with code model_not_found", async () => {
    await assert.rejects(client.chat.completions.create({ model: "no-such-model", messages: hello }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.NotFoundError);
      assert.equal(err.status, 404);
      assert.equal(err.code, "model_not_found");
      assert.equal(err.param, "model");
      assert.match(err.message, /no-such-model/);
      return true;
    });
  });

  test("an invalid parameter raises BadRequestError naming it", async () => {
    await assert.rejects(client.chat.completions.create({ model: MODEL, messages: hello, temperature: 5 }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.equal(err.param, "temperature");
      assert.equal(err.type, "invalid_request_error");
      return true;
    });
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:," } }] }] }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.param === "messages[0].content[0].type",
    );
  });

  test("failed requests are logged with their status and message", async () => {
    const { response } = await client.chat.completions
      .create({ model: MODEL, messages: hello, top_p: 3 })
      .withResponse()
      .catch((err: InstanceType<typeof OpenAI.APIError>) => ({ response: { headers: err.headers! } }));
    const id = response.headers.get("x-request-id")!;
    const row = await rowById(id);
    assert.equal(row.status, 400);
    assert.match(row.error ?? "", /top_p/);
  });
});
