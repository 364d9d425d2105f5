import { test } from "node:test";
import assert from "node:assert/strict";
import { Router } from "../../../server/http/router";
import { FaroError } from "../../../server/errors";

const noop = async () => {};
const router = new Router([
  { method: "GET", path: "/v1/models", handler: noop },
  { method: "GET", path: "/v1/models/*id", handler: noop },
  { method: "POST", path: "/v1/chat/completions", handler: noop },
]);

test("matches paths and captures the rest of the path", () => {
  assert.deepEqual(router.match("GET", "/v1/models").params, {});
  assert.deepEqual(router.match("GET", "/v1/models/org/model%20x").params, { id: "org/model x" });
  assert.equal(router.match("POST", "/v1/chat/completions/").route.path, "/v1/chat/completions");
});

test("a known path with another method is 405 with Allow; an unknown one is 404", () => {
  assert.throws(() => router.match("DELETE", "/v1/chat/completions"), (e: FaroError) => e.status === 405 && e.headers.allow === "POST");
  assert.throws(() => router.match("GET", "/v2/models"), (e: FaroError) => e.status === 404 && e.code === "unknown_url");
  // A malformed %-escape keeps its raw text rather than throwing a URIError.
  assert.deepEqual(router.match("GET", "/v1/models/%E0%A4%A").params, { id: "%E0%A4%A" });
});
