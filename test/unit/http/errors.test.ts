import { test } from "node:test";
import assert from "node:assert/strict";
import { toErrorResponse } from "../../../server/http/errors";
import { FaroError, badRequest, modelNotFound } from "../../../server/errors";
import { createLogger } from "../../../server/logger";
import { UpstreamError } from "../../../server/providers/upstream";

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger((level, line) => lines.push(`${level} ${line}`), "debug") };
}

test("a FaroError maps to its status and OpenAI's error shape", () => {
  const { logger, lines } = capture();
  const r = toErrorResponse(badRequest("Invalid value for 'n'.", "n", "invalid_value"), logger);
  assert.equal(r.status, 400);
  assert.deepEqual(r.body, { error: { message: "Invalid value for 'n'.", type: "invalid_request_error", param: "n", code: "invalid_value" } });
  assert.deepEqual(lines, [], "client errors are not server errors");
  const nf = toErrorResponse(modelNotFound("x"), logger);
  assert.equal(nf.status, 404);
  assert.equal(nf.body.error.code, "model_not_found");
  assert.equal(nf.body.error.param, "model");
});

test("extra headers (Allow, Retry-After) travel with the error, and say who failed", () => {
  const { logger } = capture();
  const err = new FaroError("busy", { status: 429, type: "rate_limit_error", headers: { "retry-after": "1" } });
  assert.deepEqual(toErrorResponse(err, logger).headers, { "retry-after": "1", "x-faro-error-source": "faro" });
  const upstream = toErrorResponse(new UpstreamError({ provider: "groq", status: 503, answered: true, detail: "overloaded" }), logger);
  assert.deepEqual(upstream.headers, { "x-faro-error-source": "provider", "x-faro-provider": "groq" });
  assert.equal(upstream.body.error.message, "Provider 'groq' answered 503: overloaded");
  assert.equal(upstream.body.error.type, "server_error");
  // A status that is Faro's verdict on the exchange, not the provider's answer, is not called one.
  const cut = new UpstreamError({ provider: "openai", status: 502, detail: "the connection broke off mid-answer (socket hang up)" });
  assert.equal(cut.message, "Provider 'openai': the connection broke off mid-answer (socket hang up)");
  assert.equal(new UpstreamError({ provider: "openai", status: 502 }).message, "Provider 'openai' failed (502)");
});

test("an unexpected error is a generic 500 and its stack goes to the log, not the client", () => {
  const { logger, lines } = capture();
  const r = toErrorResponse(new TypeError("secret internals at /home/x"), logger);
  assert.equal(r.status, 500);
  assert.equal(r.body.error.type, "server_error");
  assert.doesNotMatch(r.body.error.message, /internals/);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^error .*TypeError: secret internals/);
});

test("a provider's Retry-After reaches the client with its error, so the SDK waits as asked", () => {
  const { logger } = capture();
  const r = toErrorResponse(new UpstreamError({ provider: "openai", status: 429, answered: true, detail: "slow down", retryAfterMs: 1500 }), logger);
  assert.equal(r.headers["retry-after-ms"], "1500");
  assert.equal(r.headers["retry-after"], "2");
  assert.equal(r.headers["x-faro-provider"], "openai");
});
