import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDuration } from "../../../server/engine/duration";

test("durations in seconds or with units; negative means forever; nonsense is null", () => {
  assert.equal(parseDuration(300), 300_000);
  assert.equal(parseDuration(0), 0);
  assert.equal(parseDuration(-1), Infinity);
  assert.equal(parseDuration("90"), 90_000);
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("5m"), 300_000);
  assert.equal(parseDuration("1.5h"), 5_400_000);
  assert.equal(parseDuration("-1"), Infinity);
  for (const bad of ["soon", "5 minutes", "", "m5", Number.NaN]) assert.equal(parseDuration(bad), null, String(bad));
});
