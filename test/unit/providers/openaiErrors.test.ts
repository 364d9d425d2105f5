/**
 * An OpenAI-compatible provider's error keeps what OpenAI's error body says besides the message:
 * the `param` it names (the client's own request field) and a spent quota's type.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { OpenAIUpstream } from "../../../server/providers/openai/openaiUpstream";
import { UpstreamError, type Target } from "../../../server/providers/upstream";
import { chatRequest } from "../../fixtures/chatRequests";

let server: Server;
let next: { status: number; body: unknown } = { status: 500, body: {} };
let target: Target;

before(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(next.status, { "content-type": "application/json" });
      res.end(JSON.stringify(next.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  target = { provider: "openai", model: "gpt-4o-mini", apiKey: "k", baseUrl: base, headers: {}, timeoutMs: null };
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function failure(): Promise<UpstreamError> {
  const ctx = { signal: new AbortController().signal, requestId: "r", priority: null };
  try {
    for await (const _ of new OpenAIUpstream().chat(target, chatRequest("openai/gpt-4o-mini", {}), ctx));
  } catch (err) {
    assert.ok(err instanceof UpstreamError);
    return err;
  }
  throw new Error("expected the call to fail");
}

test("the param an OpenAI 400 names reaches the client", async () => {
  next = { status: 400, body: { error: { message: "Invalid 'messages[0].content': string too long.", type: "invalid_request_error", param: "messages[0].content", code: "string_above_max_length" } } };
  const err = await failure();
  assert.equal(err.param, "messages[0].content");
  assert.equal(err.code, "string_above_max_length");
  assert.equal(err.type, "invalid_request_error");
});

test("a spent quota keeps its type insufficient_quota, not rate_limit_error", async () => {
  next = { status: 429, body: { error: { message: "You exceeded your current quota.", type: "insufficient_quota", param: null, code: "insufficient_quota" } } };
  const err = await failure();
  assert.equal(err.status, 429);
  assert.equal(err.type, "insufficient_quota");
  assert.equal(err.param, null);
});
