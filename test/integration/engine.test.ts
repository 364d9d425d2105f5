/**
 * The local engine under load through the HTTP API and the official SDK: priorities, the queue
 * listing, cancellation in every state, queue-full 429 with the SDK's own retry, concurrent
 * streams kept apart, and a corrupt model that fails alone.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import OpenAI from "openai";
import { serve, tempDir, type Served } from "../fixtures/serve";
import { writeSmallModel, writeTinyModel } from "../fixtures/models";
import { llamaVocabulary } from "../../server/engine/gguf/llamaModel";

let tight: Served; // one slot, two waiting places
let wide: Served; // default slots
let modelsDir: string;

before(async () => {
  modelsDir = await tempDir("faro-models-");
  await writeSmallModel(modelsDir, "small");
  const tiny = await writeTinyModel(modelsDir, { name: "tiny" });
  // A GGUF whose header is intact but whose tensor data is cut off.
  const size = (await stat(tiny)).size;
  const broken = await open(join(modelsDir, "broken.gguf"), "w");
  const src = await open(tiny, "r");
  const buf = Buffer.alloc(Math.floor(size / 3));
  await src.read(buf, 0, buf.length, 0);
  await broken.write(buf);
  await Promise.all([broken.close(), src.close()]);
  tight = await serve(["--models-dir", modelsDir, "--slots", "1", "--max-queue", "2"]);
  wide = await serve(["--models-dir", modelsDir]);
});

after(async () => {
  assert.equal(await tight.stop(), 0);
  assert.equal(await wide.stop(), 0);
});

interface QueueItem { id: string; model: string; priority: number; state: string; position: number | null }
const queue = async (s: Served) => ((await (await fetch(`${s.baseURL}/queue`)).json()) as { data: QueueItem[] }).data;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let blockers = 0;
/** A request that holds the small model's only slot for about a second: a long, fresh prompt. */
function blocker(s: Served) {
  const text = `${blockers++} ` + "lighthouse keepers watch the sea at night ".repeat(45);
  return post(s, { model: "small", messages: [{ role: "user", content: text }], max_tokens: 1 });
}

function post(s: Served, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fetch(`${s.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}
const short = (extra: Record<string, unknown> = {}) => ({ model: "small", messages: [{ role: "user", content: "hi" }], max_tokens: 2, ...extra });

describe("queue", () => {
  test("an urgent request overtakes background ones, and GET /v1/queue shows the order", async () => {
    const running = blocker(tight);
    await until("the blocker to run", async () => (await queue(tight)).some((q) => q.state !== "waiting"));
    const finished: string[] = [];
    const bg = post(tight, short({ priority: 2 })).then(async (r) => { finished.push("background"); return r; });
    await until("background to wait", async () => (await queue(tight)).some((q) => q.position === 0));
    const urgent = post(tight, short(), { "x-faro-priority": "0" }).then(async (r) => { finished.push("urgent"); return r; });
    const q = await until("both to wait", async () => { const l = await queue(tight); return l.filter((i) => i.position !== null).length === 2 && l; });
    const waiting = q.filter((i) => i.position !== null).sort((a, b) => a.position! - b.position!);
    assert.deepEqual(waiting.map((i) => i.priority), [0, 2], "urgent is next");
    for (const r of await Promise.all([running, bg, urgent])) assert.equal(r.status, 200);
    assert.deepEqual(finished, ["urgent", "background"]);
  });

  test("a full queue answers 429 with retry headers, and the SDK's own retry then succeeds", async () => {
    const holders = [blocker(tight)];
    await until("the blocker to run", async () => (await queue(tight)).length === 1);
    holders.push(blocker(tight), blocker(tight));
    await until("two waiting", async () => (await queue(tight)).length === 3);
    const refused = await post(tight, short());
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("x-should-retry"), "true");
    assert.ok(Number(refused.headers.get("retry-after-ms")) >= 100);
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, "queue_full");
    const client = new OpenAI({ baseURL: tight.baseURL, apiKey: "x", maxRetries: 8 });
    const { data, response } = await client.chat.completions.create(short() as OpenAI.ChatCompletionCreateParamsNonStreaming).withResponse();
    assert.equal(data.object, "chat.completion");
    assert.ok(response.ok);
    for (const r of await Promise.all(holders)) assert.equal(r.status, 200);
  });

  test("cancelling frees the slot at once: running and waiting requests, by id or by disconnect", async () => {
    const first = blocker(tight);
    const [running] = await until("the blocker to run", async () => { const l = await queue(tight); return l.length === 1 && l; });
    const waiter = post(tight, short());
    const gone = new AbortController();
    const disconnecting = fetch(`${tight.baseURL}/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(short({ seed: 99 })), signal: gone.signal,
    }).catch((e: Error) => e);
    await until("two waiting", async () => (await queue(tight)).length === 3);
    // A client that disconnects while waiting leaves the queue at once.
    gone.abort();
    assert.ok((await disconnecting) instanceof Error);
    await until("the disconnected request to leave", async () => (await queue(tight)).length === 2);
    // A waiting request cancelled by id: its client gets 499 request_cancelled.
    const doomed = post(tight, short());
    const listed = await until("it to wait", async () => { const l = await queue(tight); return l.length === 3 && l; });
    const doomedId = listed.find((i) => i.position === 1)!.id;
    assert.equal((await fetch(`${tight.baseURL}/queue/${doomedId}`, { method: "DELETE" })).status, 200);
    const doomedRes = await doomed;
    assert.equal(doomedRes.status, 499);
    assert.equal(((await doomedRes.json()) as { error: { code: string } }).error.code, "request_cancelled");
    // The running one cancelled by id: it stops and the waiting request runs.
    const del = await fetch(`${tight.baseURL}/queue/${running!.id}`, { method: "DELETE" });
    assert.deepEqual(await del.json(), { id: running!.id, object: "queue.request", cancelled: true });
    const firstRes = await first;
    assert.equal(firstRes.status, 499);
    assert.equal(((await firstRes.json()) as { error: { code: string } }).error.code, "request_cancelled");
    assert.equal((await waiter).status, 200);
    assert.equal((await fetch(`${tight.baseURL}/queue/nope`, { method: "DELETE" })).status, 404);
    assert.deepEqual(await queue(tight), []);
  });
});

describe("request_timeout on local targets", () => {
  test("a request still waiting past it answers 408 from 'local' and leaves the queue (chat and embeddings); a fallback config goes on to its next target", async () => {
    const running = blocker(tight);
    await until("the blocker to run", async () => (await queue(tight)).length === 1);
    const started = Date.now();
    const late = await post(tight, short(), { "x-portkey-request-timeout": "150" });
    assert.equal(late.status, 408);
    const { error } = (await late.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, "request_timeout");
    assert.match(error.message, /'local'.*within 150 ms/);
    assert.ok(Date.now() - started < 900, "it did not wait for the slot");
    const id = late.headers.get("x-request-id");
    assert.ok(!(await queue(tight)).some((q) => q.id === id), "it left the queue");

    const embedding = await fetch(`${tight.baseURL}/embeddings`, {
      method: "POST", headers: { "content-type": "application/json", "x-portkey-request-timeout": "150" }, body: JSON.stringify({ model: "small", input: "hi" }),
    });
    assert.equal(embedding.status, 408, "embeddings wait for the same slot, under the same deadline");

    const config = { strategy: { mode: "fallback" }, targets: [{ provider: "local", override_params: { model: "small" }, request_timeout: 150 }, { provider: "local", override_params: { model: "tiny" } }] };
    const fellBack = await post(tight, short(), { "x-portkey-config": JSON.stringify(config) });
    assert.equal(fellBack.status, 200);
    assert.equal(fellBack.headers.get("x-faro-fallback-index"), "1");
    assert.equal(((await fellBack.json()) as { model: string }).model, "tiny");
    assert.equal((await running).status, 200);
  });

  test("a generation still running past it stops, and the stream ends with a 408 error event", async () => {
    // The deadline must be what ends it. Even with its end tokens banned the random small model
    // sometimes stops on its own within 20-300 tokens (an end marker written as text), so the
    // request asks for 8 answers one after the other: about 15 s of writing here.
    const vocab = llamaVocabulary(true).tokens;
    const banned = [2, vocab.indexOf("<|im_start|>"), vocab.indexOf("<|im_end|>")];
    const logit_bias = Object.fromEntries(banned.map((t) => [String(t), -100]));
    const res = await post(tight, short({ max_tokens: 300, n: 8, stream: true, logit_bias }), { "x-portkey-request-timeout": "1500" });
    assert.equal(res.status, 200);
    const text = await res.text();
    // The error frame is named (event: error) so that every SDK throws it.
    const events = text.split("\n\n").filter((f) => /^(event: error\n)?data: /.test(f)).map((f) => f.replace(/^(event: error\n)?data: /, ""));
    assert.ok(events.some((e) => e.includes('"content":"') && !e.includes('"content":""')), "tokens came first");
    const last = JSON.parse(events.at(-1)!) as { error?: { code: string; message: string } };
    assert.equal(last.error?.code, "request_timeout");
    assert.match(last.error!.message, /'local'/);
    assert.deepEqual(await queue(tight), [], "its slot is free");
  });
});

describe("concurrency and failures", () => {
  test("8 concurrent streams complete with separate outputs, each equal to its solo run", async () => {
    const client = new OpenAI({ baseURL: wide.baseURL, apiKey: "x", maxRetries: 0 });
    const ask = { model: "tiny", messages: [{ role: "user" as const, content: "Hello there" }], max_tokens: 24 };
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
    const solo: string[] = [];
    for (const seed of seeds) solo.push((await client.chat.completions.create({ ...ask, seed })).choices[0]!.message.content ?? "");
    const streamed = await Promise.all(
      seeds.map(async (seed) => {
        let text = "";
        for await (const c of await client.chat.completions.create({ ...ask, seed, stream: true })) text += c.choices[0]?.delta.content ?? "";
        return text;
      }),
    );
    assert.deepEqual(streamed, solo);
    assert.equal(new Set(streamed).size, 8);
  });

  test("a corrupt GGUF fails with a clear error and the other models keep serving", async () => {
    const client = new OpenAI({ baseURL: wide.baseURL, apiKey: "x", maxRetries: 0 });
    await assert.rejects(client.chat.completions.create({ model: "broken", messages: [{ role: "user", content: "hi" }] }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.status, 500);
      assert.equal(err.code, "model_load_failed");
      assert.match(err.message, /broken/);
      assert.match(err.message, /cut short: it has \d+ bytes, its tensor data needs at least 634368/, "says why, not only 'Failed to load model'");
      return true;
    });
    const ok = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 3 });
    assert.equal(ok.object, "chat.completion");
    assert.equal((await fetch(`${wide.origin}/health`)).status, 200);
  });
});
