import { test } from "node:test";
import assert from "node:assert/strict";
import { requestId } from "../../../server/http/requestId";

test("request ids: prefix, 32 hex digits, sorted by time, unique within a millisecond", () => {
  const id = requestId("chatcmpl-", 0x18c2f00d123);
  assert.match(id, /^chatcmpl-[0-9a-f]{32}$/);
  assert.equal(id.slice(9, 21), "018c2f00d123", "the time comes first");
  const a = requestId("req-", 1_700_000_000_000);
  const b = requestId("req-", 1_700_000_000_001);
  assert.ok(a < b, "a later id sorts later");
  const same = new Set(Array.from({ length: 10_000 }, () => requestId("req-", 1_700_000_000_000)));
  assert.equal(same.size, 10_000);
});
