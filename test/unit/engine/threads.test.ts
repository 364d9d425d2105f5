import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseThreads } from "../../../server/engine/threads";

test("tiny models get one thread, real ones every core, a setting wins", () => {
  assert.equal(chooseThreads({ embeddingLength: 64, sizeBytes: 600_000, cores: 8 }), 1);
  assert.equal(chooseThreads({ embeddingLength: 2048, sizeBytes: 1_000_000_000, cores: 8 }), 8);
  assert.equal(chooseThreads({ embeddingLength: null, sizeBytes: 1_000, cores: 8 }), 1);
  assert.equal(chooseThreads({ override: 3, embeddingLength: 64, sizeBytes: 600_000, cores: 8 }), 3);
  assert.equal(chooseThreads({ override: 0, embeddingLength: 4096, sizeBytes: 4e9, cores: 2 }), 2);
});
