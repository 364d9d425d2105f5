// The Select Model rows: local and cloud groups, context, loaded state, prices from the table.
import assert from "node:assert/strict";
import { test } from "node:test";
import { contextText, modelPickRows, priceText, type PickRow } from "../../../extension/modelPick";
import { PriceTable } from "../../../server/gateway/pricing/priceTable";
import type { ModelInfo, ProviderInfo } from "../../../server/protocol";

function local(id: string, faro: Partial<ModelInfo["faro"]> = {}): ModelInfo {
  return {
    id,
    object: "model",
    created: 0,
    owned_by: "faro",
    faro: { provider: "local", path: `/m/${id}.gguf`, architecture: "llama", parameters: 494_000_000, quantization: "Q4_K_M", context_length: 32768, size_bytes: 397_000_000, loaded: false, demo: false, ...faro },
  };
}

const provider = (id: string, hasKey: boolean): ProviderInfo => ({ id, family: id === "anthropic" || id === "gemini" ? id : "openai", hasKey, baseUrl: null });
const prices = new PriceTable();
const priceOf = (p: string, m: string) => prices.find(p, m);
const limitsOf = (p: string, m: string) => prices.limits(p, m);
const labels = (rows: PickRow[]) => rows.map((r) => (r.kind === "separator" ? `-- ${r.label}` : r.label));

test("local models first, then the cloud models of providers with a key", () => {
  const rows = modelPickRows([local("qwen", { loaded: true }), local("faro-demo", { demo: true, context_length: 2048 })], "qwen", [provider("local", true), provider("openai", true), provider("anthropic", false), provider("groq", true)], priceOf, limitsOf);
  assert.deepEqual(labels(rows), [
    "-- Local",
    "qwen",
    "faro-demo",
    "-- Cloud",
    "openai/gpt-4o-mini",
    "openai/gpt-4.1-mini",
    "openai/gpt-4o",
    "openai/gpt-5-mini",
    "groq/llama-3.1-8b-instant",
    "groq/llama-3.3-70b-versatile",
  ]);
  const qwen = rows[1]!;
  assert.equal(qwen.kind === "model" && qwen.description, "current · loaded · 32K context · Q4_K_M · 494M params · 397 MB");
  assert.equal(qwen.kind === "model" && qwen.current, true);
  const demo = rows[2]!;
  assert.equal(demo.kind === "model" && demo.description, "demo · 2K context · Q4_K_M · 494M params · 397 MB");
  const mini = rows[4]!;
  assert.equal(mini.kind === "model" && mini.description, "openai · 128K context · $0.15 in / $0.60 out per 1M tokens");
  const groq = rows[8]!;
  assert.equal(groq.kind === "model" && groq.description, "groq · 128K context · $0.050 in / $0.080 out per 1M tokens");
  // Without the table's windows (or for a model it has none for), no context is shown.
  const bare = modelPickRows([], null, [provider("openai", true)], priceOf)[1]!;
  assert.equal(bare.kind === "model" && bare.description, "openai · $0.15 in / $0.60 out per 1M tokens");
});

test("a cloud default is marked current; one no longer offered still shows", () => {
  const rows = modelPickRows([], "openai/gpt-4o", [provider("openai", true)], priceOf);
  const current = rows.filter((r) => r.kind === "model" && r.current);
  assert.deepEqual(labels(current), ["openai/gpt-4o"]);
  assert.equal(current[0]!.kind === "model" && current[0]!.description, "current · openai · $2.50 in / $10 out per 1M tokens");
  const gone = modelPickRows([], "anthropic/claude-3-5-haiku-latest", [provider("anthropic", false)], priceOf);
  assert.deepEqual(labels(gone), ["anthropic/claude-3-5-haiku-latest"]);
  assert.equal(modelPickRows([], null, [provider("openai", false)], priceOf).length, 0);
});

test("unknown prices are left out, never guessed", () => {
  const rows = modelPickRows([], null, [provider("xai", true)], () => null);
  assert.ok(rows.every((r) => r.kind === "separator" || !/\$/.test(r.description)));
});

test("context and price text", () => {
  assert.equal(contextText(4096), "4K");
  assert.equal(contextText(131072), "128K");
  assert.equal(contextText(128_000), "128K");
  assert.equal(contextText(204_800), "200K");
  assert.equal(contextText(200_000), "200K");
  assert.equal(contextText(1_000_000), "1M");
  assert.equal(contextText(2000), "2K");
  assert.equal(contextText(512), "512");
  assert.equal(priceText({ input: 0.075, output: 0.3 }), "$0.075 in / $0.30 out per 1M tokens");
});
