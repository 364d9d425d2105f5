import { test } from "node:test";
import assert from "node:assert/strict";
import { toUnitLength } from "../../../server/engine/unitVector";

test("toUnitLength scales to length 1 and keeps the direction; a zero vector stays zero", () => {
  const v = [3, 4, 0];
  assert.deepEqual(toUnitLength(v), [0.6, 0.8, 0]);
  assert.deepEqual(v, [3, 4, 0]);
  assert.deepEqual(toUnitLength([0, 0]), [0, 0]);
  const long = Array.from({ length: 200_000 }, (_, i) => Math.sin(i));
  const unit = toUnitLength(long);
  assert.ok(Math.abs(Math.sqrt(unit.reduce((s, x) => s + x * x, 0)) - 1) < 1e-9);
});
