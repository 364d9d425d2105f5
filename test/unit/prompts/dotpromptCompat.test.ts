/**
 * Faro's additions never break other Dotprompt tools: the dotprompt library itself parses every
 * example under prompts/ and the bench prompt (Faro's namespaced keys land in `ext.faro`, the
 * reserved ones where Dotprompt puts them), and a variant file `name.variant.prompt` is a prompt
 * of its own for Faro (id `name.variant`), as Dotprompt's directory store reads it by name and
 * variant.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Dotprompt } from "dotprompt";
import { analyzePrompt } from "../../../server/prompts/check";
import { promptIdOf, validatePromptId } from "../../../server/prompts/workspace";
import type { ModelInfo } from "../../../server/protocol";
import { frontmatterBenchDocument } from "../../fixtures/benchPrompt";

test("the dotprompt library parses every example and keeps Faro's keys in ext.faro", () => {
  const dir = resolve("prompts");
  const sources = readdirSync(dir).filter((f) => f.endsWith(".prompt")).map((f) => readFileSync(join(dir, f), "utf8"));
  const dp = new Dotprompt();
  for (const source of [...sources, frontmatterBenchDocument()]) {
    const parsed = dp.parse(source);
    assert.equal(typeof parsed.template, "string");
    const faroKeys = [...source.matchAll(/^faro\.([A-Za-z]+):/gm)].map((m) => m[1]!);
    assert.deepEqual(Object.keys((parsed.ext as Record<string, Record<string, unknown>> | undefined)?.faro ?? {}).sort(), faroKeys.sort(), source.slice(0, 80));
  }
  const bench = dp.parse(frontmatterBenchDocument());
  assert.deepEqual(bench.ext?.faro, { fallbacks: ["default"], priority: 1, dataset: "support.jsonl" });
  assert.equal(bench.model, "bench-model");
  assert.equal((bench.config as Record<string, unknown>).temperature, 0.4);
  // A nested `faro:` mapping is what Dotprompt drops, hence Faro's warning on it.
  const nested = "---\nmodel: m\nfaro:\n  priority: 1\n---\nHi\n";
  assert.equal(dp.parse(nested).ext?.faro, undefined);
  const models = [{ id: "m", faro: { provider: "local", context_length: 64 } }] as unknown as ModelInfo[];
  assert.deepEqual(analyzePrompt(nested, { models, defaultModel: "m", partial: () => null }).problems.map((p) => p.code), ["unknown-key"]);
});

test("a variant file is a prompt of its own: id name.variant, the variant key checked as a string", () => {
  assert.equal(promptIdOf("/ws/prompts/greet.formal.prompt", ["/ws"]), "prompts/greet.formal");
  assert.equal(validatePromptId("prompts/greet.formal"), "prompts/greet.formal");
  const models = [{ id: "m", faro: { provider: "local", context_length: 64 } }] as unknown as ModelInfo[];
  const text = "---\nmodel: m\nvariant: formal\n---\nGood day.\n";
  assert.deepEqual(analyzePrompt(text, { models, defaultModel: "m", partial: () => null }).problems, []);
  assert.equal(new Dotprompt().parse(text).variant, "formal");
  const bad = analyzePrompt("---\nvariant: 3\n---\nHi\n", { models, defaultModel: "m", partial: () => null }).problems;
  assert.deepEqual(bad.map((p) => [p.code, p.start, p.end]), [["wrong-type", 13, 14]]);
});
