// Model discovery over a real folder: files that are not GGUF models, or are cut short, are
// skipped with a warning naming them instead of listed with garbage metadata.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Catalog } from "../../../server/engine/catalog";
import { createLogger } from "../../../server/logger";
import { writeTinyModel } from "../../fixtures/models";

test("a GGUF whose header is cut off is skipped with a warning; one cut in its tensor data is listed (its load fails)", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "faro-catalog-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const whole = await readFile(await writeTinyModel(dir, { name: "tiny" }));
  await writeFile(join(dir, "cut-header.gguf"), whole.subarray(0, 100));
  await writeFile(join(dir, "cut-data.gguf"), whole.subarray(0, Math.floor(whole.length * 0.6)));
  await writeFile(join(dir, "text.gguf"), "not a model");
  const warnings: string[] = [];
  const catalog = new Catalog([dir], createLogger((level, line) => void (level === "warn" && warnings.push(line))));
  assert.deepEqual((await catalog.list()).map((m) => m.id), ["cut-data", "tiny"]);
  assert.equal(warnings.length, 2, warnings.join("\n"));
  assert.match(warnings.join("\n"), /skipping .*cut-header\.gguf: not a readable GGUF model \(cut short: it has 100 bytes, its header needs at least \d+\)/);
  assert.match(warnings.join("\n"), /skipping .*text\.gguf: not a readable GGUF model/);
});

test("listings at the same time read a new file once: one warning for an unreadable one, not one per listing", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "faro-catalog-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeTinyModel(dir, { name: "tiny" });
  await writeFile(join(dir, "text.gguf"), "not a model");
  const warnings: string[] = [];
  const catalog = new Catalog([dir], createLogger((level, line) => void (level === "warn" && warnings.push(line))));
  const [a, b] = await Promise.all([catalog.list(), catalog.list()]);
  assert.deepEqual([a, b].map((l) => l.map((m) => m.id)), [["tiny"], ["tiny"]]);
  assert.equal(warnings.length, 1, warnings.join("\n"));
});
