// The providers' HTTP client against a real loopback server: bodies larger than its read-ahead
// arrive whole (read whole or chunk by chunk), a reader that stops early frees the connection,
// the client's cancel and the deadline end the exchange before or during the body.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test, type TestContext } from "node:test";
import { send } from "../../../server/providers/httpClient";
import { UpstreamError } from "../../../server/providers/upstream";

async function server(t: TestContext, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const s = createServer(handler);
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    s.closeAllConnections();
    s.close();
  });
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const request = (url: string, over: Partial<Parameters<typeof send>[0]> = {}) =>
  send({ provider: "test", url, headers: { "content-type": "application/json" }, body: "{}", signal: new AbortController().signal, timeoutMs: null, ...over });

/** 6 MiB in 64 KiB writes, each byte its offset mod 251: a lost, doubled or reordered chunk shows. */
const BIG = Buffer.from(Array.from({ length: 6 << 20 }, (_, i) => i % 251));

function writeBig(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "application/octet-stream" });
  let at = 0;
  const more = () => {
    while (at < BIG.length) {
      const ok = res.write(BIG.subarray(at, at + 65536));
      at += 65536;
      if (!ok) return void res.once("drain", more);
    }
    res.end();
  };
  more();
}

test("a body larger than the read-ahead arrives whole, read slowly chunk by chunk", async (t) => {
  const url = await server(t, (_req, res) => writeBig(res));
  const res = await request(url);
  const parts: Buffer[] = [];
  for await (const chunk of res.body) {
    parts.push(chunk);
    // A slow reader: the client pauses the connection past its read-ahead and resumes it here.
    if (parts.length % 16 === 0) await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(Buffer.concat(parts).equals(BIG));
});

test("text() reads a large body whole", async (t) => {
  const url = await server(t, (_req, res) => writeBig(res));
  const res = await request(url);
  const text = await res.body.text();
  assert.equal(text.length, Buffer.from(BIG).toString("utf8").length);
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-type"], "application/octet-stream");
});

test("a reader that stops early closes the upstream connection", { timeout: 10_000 }, async (t) => {
  let closed!: () => void;
  const gone = new Promise<void>((resolve) => (closed = resolve));
  const url = await server(t, (_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("data: 1\n\n");
    // Never ends by itself: only the client going away ends it.
    res.on("close", () => closed());
  });
  const res = await request(url);
  for await (const chunk of res.body) {
    assert.equal(chunk.toString(), "data: 1\n\n");
    break;
  }
  await gone;
});

test("the client's cancel while waiting for headers rejects with its reason and closes the connection", { timeout: 10_000 }, async (t) => {
  let closed!: () => void;
  const gone = new Promise<void>((resolve) => (closed = resolve));
  const url = await server(t, (req) => req.on("close", () => closed()));
  const controller = new AbortController();
  const pending = request(url, { signal: controller.signal });
  setTimeout(() => controller.abort(new Error("client went away")), 50);
  await assert.rejects(pending, /client went away/);
  await gone;
});

test("the deadline before the headers is a 408 from the provider", async (t) => {
  const url = await server(t, () => undefined);
  const err = await request(url, { timeoutMs: 100 }).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof UpstreamError);
  assert.equal(err.status, 408);
  assert.match(err.message, /test.*within 100 ms/);
});

test("the deadline while the body streams fails the body after what came before it", async (t) => {
  const url = await server(t, (_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("data: 1\n\n");
  });
  const res = await request(url, { timeoutMs: 150 });
  const seen: string[] = [];
  const err = await (async () => {
    for await (const chunk of res.body) seen.push(chunk.toString());
  })().then(() => null, (e: unknown) => e);
  assert.deepEqual(seen, ["data: 1\n\n"]);
  assert.ok(err instanceof UpstreamError);
  assert.equal(err.status, 408);
});

test("a connection cut mid-body fails the body; an unreachable host is a 502", async (t) => {
  const url = await server(t, (_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("data: 1\n\n", () => setTimeout(() => res.socket?.destroy(), 20));
  });
  const res = await request(url);
  await assert.rejects(res.body.text());

  const err = await request("http://127.0.0.1:1").then(() => null, (e: unknown) => e);
  assert.ok(err instanceof UpstreamError);
  assert.equal(err.status, 502);
  assert.match(err.message, /could not reach http:\/\/127\.0\.0\.1:1 .*ECONNREFUSED/);
});
