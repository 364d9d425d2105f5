// JSON responses: the status line's reason phrase, which clients show (curl -i, fetch's statusText).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { once } from "node:events";
import { sendJson } from "../../../server/http/respond";

async function answered(status: number, upstream: string | null = null): Promise<Response> {
  const server = createServer((_req, res) => sendJson(res, status, { error: { message: "m" } }, {}, upstream));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  try {
    return await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  } finally {
    server.close();
  }
}

test("499 (a request cancelled through the queue API) goes out as nginx names it, not Node's 'unknown'", async () => {
  const res = await answered(499);
  assert.equal(res.status, 499);
  assert.equal(res.statusText, "Client Closed Request");
  assert.equal(((await res.json()) as { error: { message: string } }).error.message, "m");
});

test("a status Node knows keeps its own phrase", async () => {
  assert.equal((await answered(429)).statusText, "Too Many Requests");
});

test("a provider's status Node has no phrase for: the provider's phrase, else its class's, never 'unknown'", async () => {
  assert.equal((await answered(529, "Site Overloaded")).statusText, "Site Overloaded");
  assert.equal((await answered(529)).statusText, "Internal Server Error");
  assert.equal((await answered(460)).statusText, "Bad Request");
  assert.equal((await answered(429, "Slow Down")).statusText, "Too Many Requests", "a status Node knows keeps Node's phrase");
});
