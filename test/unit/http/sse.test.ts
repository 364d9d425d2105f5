// SSE framing, and how the writer groups events into socket writes: the first write goes as soon
// as the code relaying yields (the first token never waits for the rest of an answer that arrived
// in one read), and events relayed later in the same turn go out together in one write.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SSE_DONE, sseEvent, startSse } from "../../../server/http/sse";
import { chatChunk, usageChunk } from "../../../server/gateway/openaiShape";

const meta = { id: "chatcmpl-1", created: 1700000000, model: "m" };

test("an SSE event is one data line of JSON followed by a blank line", () => {
  const text = sseEvent({ a: "line\nbreak", b: 1 });
  assert.equal(text, 'data: {"a":"line\\nbreak","b":1}\n\n');
  assert.equal(text.split("\n").length, 3, "newlines inside values are escaped, never raw");
  assert.equal(SSE_DONE, "data: [DONE]\n\n");
});

test("chunks carry usage:null only when include_usage is on; the usage chunk has no choices", () => {
  const plain = chatChunk(meta, 0, { content: "hi" }, null, false);
  assert.equal("usage" in plain, false);
  assert.deepEqual(plain.choices, [{ index: 0, delta: { content: "hi" }, logprobs: null, finish_reason: null }]);
  assert.equal(chatChunk(meta, 0, {}, "stop", true).usage, null);
  const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
  assert.deepEqual(usageChunk(meta, "chat.completion.chunk", usage), { ...meta, object: "chat.completion.chunk", choices: [], usage });
});

/** An upstream answer that arrived in one read: every event is ready, no I/O between them. */
async function* oneRead(n: number): AsyncIterable<{ i: number }> {
  for (let i = 0; i < n; i++) yield { i };
}

/** Runs `relay` as a route, records the response's writes, and returns them with what the client read. */
async function writesOf(relay: (res: ServerResponse) => Promise<void>): Promise<{ writes: string[]; body: string }> {
  const writes: string[] = [];
  const server = createServer((_req, res) => {
    const write = res.write.bind(res) as (chunk: string) => boolean;
    res.write = ((chunk: string) => {
      writes.push(chunk);
      return write(chunk);
    }) as typeof res.write;
    void relay(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const body = await new Promise<string>((resolve, reject) => {
      request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve(text));
      })
        .on("error", reject)
        .end();
    });
    return { writes, body };
  } finally {
    server.close();
  }
}

test("the first event is written before the rest of a one-read answer is relayed; the rest goes in one write", async () => {
  const { writes, body } = await writesOf(async (res) => {
    const sse = startSse(res, {});
    for await (const e of oneRead(5)) sse.send(e);
    // The turn's last events went with the end of the stream, not one write each.
    await new Promise((r) => setImmediate(r));
    sse.end(SSE_DONE);
  });
  assert.deepEqual(writes[0], 'data: {"i":0}\n\n');
  assert.deepEqual(writes.slice(1), ['data: {"i":1}\n\ndata: {"i":2}\n\ndata: {"i":3}\n\ndata: {"i":4}\n\n']);
  assert.equal(body, [0, 1, 2, 3, 4].map((i) => `data: {"i":${i}}\n\n`).join("") + SSE_DONE);
});

test("events sent together with the first (a role chunk and the first token) share its write", async () => {
  const { writes } = await writesOf(async (res) => {
    const sse = startSse(res, {});
    sse.send({ role: "assistant" });
    sse.send({ content: "h" });
    await new Promise((r) => setImmediate(r));
    sse.send({ content: "i" });
    await new Promise((r) => setImmediate(r));
    sse.end(SSE_DONE);
  });
  assert.deepEqual(writes, ['data: {"role":"assistant"}\n\ndata: {"content":"h"}\n\n', 'data: {"content":"i"}\n\n']);
});
