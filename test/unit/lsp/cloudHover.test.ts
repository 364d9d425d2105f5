/**
 * Hover on a cloud model id (as `model`, a fallback, or what `default` stands for): its provider,
 * that the gateway sends it to that provider's API, its context window and output cap and its
 * price from the table, or that the table does not have them. Local models keep their catalog details.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { MarkupContent } from "vscode-languageserver/node";
import { analyzePrompt } from "../../../server/prompts/check";
import { PriceTable } from "../../../server/gateway/pricing/priceTable";
import { hover } from "../../../server/lsp/hover";
import type { ModelInfo } from "../../../server/protocol";

const models = [{ id: "tiny", faro: { provider: "local", context_length: 64, size_bytes: 1 << 20, loaded: false, path: "/m/tiny.gguf" } }] as unknown as ModelInfo[];
const table = new PriceTable({ "acme-openai/test-model": { input: 1, output: 2 } }, { "anthropic/claude-3-5-haiku": { input: 0.8, output: 4, context: 200_000, max_output: 8192 }, "openai/gpt-x": { input: 1, output: 1, context: 50_000 } });
const price = (provider: string, model: string) => table.find(provider, model);
const limits = (provider: string, model: string) => table.limits(provider, model);

function hoverAt(marked: string, defaultModel = "tiny"): string | null {
  const offset = marked.indexOf("§");
  const text = marked.replace("§", "");
  const a = analyzePrompt(text, { models, defaultModel, partial: () => null });
  const h = hover(a, offset, { models, defaultModel, price, limits });
  return h ? (h.contents as MarkupContent).value : null;
}

test("a cloud model's hover: provider, the gateway, its context window, its price", () => {
  assert.equal(
    hoverAt("---\nmodel: anthropic/claude-3-5-§haiku-latest\n---\nHi\n"),
    "**anthropic/claude-3-5-haiku-latest** — anthropic model, sent to anthropic's API through Faro's gateway (needs its key)\n\nContext window: 200000 tokens · Max output: 8192 tokens\n\nPrice: $0.8 input · $4 output per million tokens",
  );
  assert.match(hoverAt("---\nmodel: openai/gpt-§x\n---\nHi\n")!, /\n\nContext window: 50000 tokens\n\nPrice: \$1 input/);
  assert.match(hoverAt("---\nmodel: openai/no-such-mo§del\n---\nHi\n")!, /Context window: not in Faro's table.*\n\nPrice: not in Faro's price table/s);
  assert.match(hoverAt("---\nmodel: tiny\nfaro.fallbacks: [anthropic/claude-3-5-hai§ku]\n---\nHi\n")!, /^\*\*anthropic\/claude-3-5-haiku\*\* — anthropic model/);
  assert.match(hoverAt("---\nmodel: def§ault\n---\nHi\n", "anthropic/claude-3-5-haiku")!, /^`default` is now \*\*anthropic\/claude-3-5-haiku\*\*/);
  assert.match(hoverAt("---\nmodel: ti§ny\n---\nHi\n")!, /^\*\*tiny\*\* — local model/);
});
