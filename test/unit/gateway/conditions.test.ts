/**
 * Conditional routing queries read the way Portkey reads them: metadata values are strings, so
 * the ordering operators compare numbers written as text; url.pathname is a context like
 * metadata and params.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { matches } from "../../../server/gateway/routing/conditions";
import type { FaroError } from "../../../server/errors";

const ctx = { metadata: { tier: "3", plan: "pro", empty: "" }, params: { max_tokens: 500, temperature: 0.9 }, url: { pathname: "/v1/embeddings" } };

test("$gt $gte $lt $lte compare string metadata as numbers, as Portkey does", () => {
  assert.ok(matches({ "metadata.tier": { $gt: 2 } }, ctx));
  assert.ok(matches({ "metadata.tier": { $gte: 3, $lte: "3" } }, ctx));
  assert.ok(!matches({ "metadata.tier": { $lt: 3 } }, ctx));
  assert.ok(matches({ "params.max_tokens": { $gt: "100" } }, ctx));
});

test("values that are not numbers never satisfy an ordering operator", () => {
  assert.ok(!matches({ "metadata.plan": { $gt: 1 } }, ctx));
  assert.ok(!matches({ "metadata.plan": { $lte: 1 } }, ctx));
  assert.ok(!matches({ "metadata.empty": { $lte: 1 } }, ctx), "an empty string is not 0");
  assert.ok(!matches({ "metadata.missing": { $gte: 0 } }, ctx));
});

test("url.pathname routes by endpoint", () => {
  assert.ok(matches({ "url.pathname": { $regex: "embeddings$" } }, ctx));
  assert.ok(!matches({ "url.pathname": "/v1/chat/completions" }, ctx));
  assert.ok(!matches({ "url.pathname": "/v1/embeddings" }, { metadata: {}, params: {} }), "no url known: no match, no error");
});

test("$and / $or with something other than queries in their array is a 400 naming the operator, not a crash", () => {
  for (const op of ["$and", "$or"]) {
    for (const items of [[null], [1], ["x"], [[]]]) {
      assert.throws(() => matches({ [op]: items }, ctx), (e: FaroError) => e.status === 400 && e.code === "invalid_config" && e.message.includes(op), `${op}: ${JSON.stringify(items)}`);
    }
  }
});
