/** The example prompts in prompts/ are clean: no diagnostic of any severity against the demo model. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { analyzePrompt, checkContextWindow } from "../../../server/prompts/check";
import { diskPartials } from "../../../server/prompts/workspace";
import { DEMO_MODEL_ID, DEMO_MODEL_OPTIONS } from "../../../server/engine/demoModel";
import type { ModelInfo } from "../../../server/protocol";

const dir = resolve("prompts");
const demo = { id: DEMO_MODEL_ID, object: "model", created: 0, owned_by: "faro-local", faro: { provider: "local", context_length: DEMO_MODEL_OPTIONS.contextLength, demo: true } } as unknown as ModelInfo;
const files = readdirSync(dir).filter((f) => f.endsWith(".prompt")).sort();

test("there are examples: a summarizer, a JSON extractor, a code reviewer with a partial, a translator", () => {
  for (const f of ["summarize.prompt", "extract-contact.prompt", "code-review.prompt", "_review_rules.prompt", "translate.prompt"]) assert.ok(files.includes(f), f);
});

for (const file of files) {
  test(`${file} has no diagnostics`, () => {
    const path = join(dir, file);
    const a = analyzePrompt(readFileSync(path, "utf8"), { models: [demo], defaultModel: DEMO_MODEL_ID, partial: diskPartials(path, [dir]) });
    const window = checkContextWindow(a);
    assert.deepEqual([...a.problems, ...window.problems], []);
    if (!file.startsWith("_")) assert.ok(window.tokens !== null && window.tokens.tokens > 0, "renders with its defaults");
  });
}
