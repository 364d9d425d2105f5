/** Prompt versions and labels on a real faro.db: numbering, no duplicate saves, labels, resolution errors, stored partials. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../../server/store/db";
import { PromptVersionStore, sourceHash } from "../../../server/store/promptVersions";
import { PromptVersions } from "../../../server/prompts/versions";
import { FaroError } from "../../../server/errors";

function versions() {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), "faro-db-")), "faro.db"));
  return { db, v: new PromptVersions(new PromptVersionStore(db)) };
}

const faro = (status: number, code: string, param?: string) => (err: unknown) => {
  assert.ok(err instanceof FaroError, String(err));
  assert.equal(err.status, status);
  assert.equal(err.code, code);
  if (param) assert.equal(err.param, param);
  return true;
};

test("a save that changes the prompt records the next version; an unchanged one does not", () => {
  const { v } = versions();
  const a = v.record("prompts/summarize", "one");
  assert.deepEqual([a.created, a.version.version, a.version.hash], [true, 1, sourceHash("one")]);
  assert.equal(v.record("prompts/summarize", "one").created, false);
  assert.equal(v.record("prompts/summarize", "two").version.version, 2);
  // Restoring old content is a new version, so the history stays linear.
  assert.equal(v.record("prompts/summarize", "one").version.version, 3);
  assert.equal(v.record("other", "x").version.version, 1, "numbers are per prompt");
  assert.deepEqual(v.history("prompts/summarize").versions.map((x) => x.version), [3, 2, 1]);
});

test("labels point at versions, move, are listed and removed", () => {
  const { v } = versions();
  v.record("p", "one");
  v.record("p", "two");
  v.setLabel("p", "production", 1);
  v.setLabel("p", "staging", 2);
  assert.equal(v.resolve("p", { label: "production" }).source, "one");
  v.setLabel("p", "production", 2);
  assert.equal(v.resolve("p", { label: "production" }).source, "two");
  const h = v.history("p");
  assert.deepEqual(h.labels, { production: 2, staging: 2 });
  assert.deepEqual(h.versions[0]!.labels, ["production", "staging"]);
  assert.deepEqual(v.list(), [{ promptId: "p", latestVersion: 2, updatedAt: h.versions[0]!.createdAt, labels: { production: 2, staging: 2 } }]);
  v.setLabel("p", "staging", null);
  assert.deepEqual(v.history("p").labels, { production: 2 });
});

test("resolution: latest by default, by number, clear 4xx errors otherwise", () => {
  const { v } = versions();
  v.record("p", "one");
  v.record("p", "two");
  assert.equal(v.resolve("p").version, 2);
  assert.equal(v.resolve("p", { version: 1 }).source, "one");
  assert.throws(() => v.resolve("missing"), faro(404, "prompt_not_found", "id"));
  assert.throws(() => v.resolve("p", { version: 9 }), faro(404, "version_not_found", "version"));
  assert.throws(() => v.resolve("p", { version: 0 }), faro(400, "invalid_value", "version"));
  assert.throws(() => v.resolve("p", { label: "prod" }), faro(404, "label_not_found", "label"));
  assert.throws(() => v.resolve("p", { version: 1, label: "x" }), faro(400, "invalid_value"));
  assert.throws(() => v.setLabel("p", "production", 7), faro(404, "version_not_found"));
  assert.throws(() => v.setLabel("p", "bad label!", 1), faro(400, "invalid_label", "label"));
  for (const id of ["../etc/passwd", "a/../b", "/abs", "a//b", "", "a/./b", "x\0y"]) {
    assert.throws(() => v.resolve(id), faro(400, "invalid_prompt_id"), id);
  }
});

test("partials of stored prompts resolve from the same folder, then parents", () => {
  const { v } = versions();
  v.record("prompts/_header", "prompts header");
  v.record("_footer", "root footer");
  const partials = v.partials("prompts/review");
  assert.equal(partials("header"), "prompts header");
  assert.equal(partials("footer"), "root footer");
  assert.equal(partials("missing"), null);
  assert.equal(partials("../x"), null);
});
