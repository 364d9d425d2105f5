/** How long a provider asks to wait: every header form providers send. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { retryAfterMs } from "../../../server/providers/upstream";

test("Retry-After in seconds or as a date, OpenAI's retry-after-ms and Azure's x-ms-retry-after-ms", () => {
  const now = Date.parse("2026-11-22T10:00:00Z");
  assert.equal(retryAfterMs({ "retry-after": "3" }, now), 3000);
  assert.equal(retryAfterMs({ "retry-after": "Sun, 22 Nov 2026 10:00:05 GMT" }, now), 5000);
  assert.equal(retryAfterMs({ "retry-after-ms": "250", "retry-after": "1" }, now), 250, "the finer one wins");
  assert.equal(retryAfterMs({ "x-ms-retry-after-ms": "1500", "retry-after": "2" }, now), 1500);
  assert.equal(retryAfterMs({ "retry-after": "soon" }, now), null);
  assert.equal(retryAfterMs({}, now), null);
});
