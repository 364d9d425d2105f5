/** Prices and cost: dated model names, user overrides, cached input, unknown models, local models. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PRICES_TAKEN, PriceTable } from "../../../server/gateway/pricing/priceTable";
import { costOf, estimateTokens, formatCost, formatUsd, maxCostOf, requestChars } from "../../../server/gateway/pricing/cost";
import shipped from "../../../server/gateway/pricing/prices.json";

const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} != ${b}`);
const usage = (prompt: number, completion: number, cached?: number) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  ...(cached === undefined ? {} : { prompt_tokens_details: { cached_tokens: cached } }),
});

test("the shipped table says when it was taken and every entry is a sane price", () => {
  assert.match(PRICES_TAKEN, /^\d{4}-\d{2}-\d{2}$/);
  assert.match(shipped.source, /list prices/i);
  for (const [key, p] of Object.entries(shipped.prices) as Array<[string, { input: number; cached_input?: number; output: number }]>) {
    assert.match(key, /^[a-z]+\/[a-z0-9.-]+$/, key);
    assert.ok(p.input >= 0 && p.output >= 0 && p.input < 100 && p.output < 200, key);
    if (p.cached_input !== undefined) assert.ok(p.cached_input <= p.input, `${key}: cached input costs more than input`);
  }
});

test("dated, -latest and versioned model names find the family's price", () => {
  const t = new PriceTable();
  assert.deepEqual(t.find("openai", "gpt-4o-2024-08-06"), t.find("openai", "gpt-4o"));
  assert.deepEqual(t.find("openai", "gpt-4o-mini-2024-07-18"), { input: 0.15, cachedInput: 0.075, output: 0.6 });
  assert.deepEqual(t.find("openai", "gpt-4.1-nano-2025-04-14"), t.find("openai", "gpt-4.1-nano"));
  assert.equal(t.find("anthropic", "claude-3-5-sonnet-20241022")?.input, 3);
  assert.equal(t.find("anthropic", "claude-3-5-haiku-latest")?.output, 4);
  assert.equal(t.find("anthropic", "claude-opus-4-1-20250805")?.input, 15);
  assert.equal(t.find("anthropic", "claude-sonnet-4-20250514")?.output, 15);
  assert.equal(t.find("gemini", "gemini-1.5-pro-002")?.input, 1.25);
  assert.equal(t.find("google", "models/gemini-2.0-flash-001")?.output, 0.4);
  assert.equal(t.find("mistral", "mistral-large-latest")?.input, 2);
  // A longer name is its own model, not the shorter one's: mini is not gpt-4o.
  assert.notDeepEqual(t.find("openai", "gpt-4o-mini"), t.find("openai", "gpt-4o"));
  // OpenRouter-style vendor/model names take the vendor's price.
  assert.deepEqual(t.find("openrouter", "openai/gpt-4o"), t.find("openai", "gpt-4o"));
});

test("an unknown cloud model has no price and no cost, never a guess", () => {
  const t = new PriceTable();
  assert.equal(t.find("openai", "gpt-9-ultra"), null);
  assert.equal(t.find("together", "some/model"), null);
  assert.equal(costOf(t.find("openai", "gpt-9-ultra"), usage(100, 100)), null);
});

test("cost counts fresh input, cached input and output at their prices", () => {
  const t = new PriceTable();
  const mini = t.find("openai", "gpt-4o-mini");
  close(costOf(mini, usage(1000, 500)), (1000 * 0.15 + 500 * 0.6) / 1e6);
  close(costOf(mini, usage(1000, 500, 400)), (600 * 0.15 + 400 * 0.075 + 500 * 0.6) / 1e6);
  // Without a cached price, cached tokens cost the input price.
  close(costOf({ input: 2, output: 6 }, usage(1000, 0, 1000)), 2000 / 1e6);
  // A cached count above the prompt (a confused provider) is capped.
  close(costOf(mini, usage(10, 0, 50)), (10 * 0.075) / 1e6);
  close(maxCostOf(mini, 1000, 100), (1000 * 0.15 + 100 * 0.6) / 1e6);
  assert.equal(maxCostOf(null, 1000, 100), 0);
});

test("local models cost 0 unless the user sets a rate, globally or per model", () => {
  assert.equal(costOf(new PriceTable().find("local", "faro-demo"), usage(1000, 1000)), 0);
  const t = new PriceTable({ local: { input: 0.01, output: 0.02 }, "local/big-model": { input: 1, output: 2 } });
  close(costOf(t.find("local", "faro-demo"), usage(1_000_000, 1_000_000)), 0.03);
  close(costOf(t.find("local", "big-model"), usage(1_000_000, 0)), 1);
});

test("config.json overrides replace shipped prices and add models, forgiving dates too", () => {
  const t = new PriceTable({ "openai/gpt-4o": { input: 1, cached_input: 0.5, output: 4 }, "together/meta-llama/llama-3-8b": { input: 0.2, output: 0.2 } });
  assert.deepEqual(t.find("openai", "gpt-4o-2024-11-20"), { input: 1, cachedInput: 0.5, output: 4 });
  assert.deepEqual(t.find("together", "meta-llama/llama-3-8b"), { input: 0.2, output: 0.2 });
  assert.equal(t.find("openai", "gpt-4o-mini")?.input, 0.15, "other shipped prices stay");
});

test("the estimate counts about 4 characters per token of message text", () => {
  assert.equal(estimateTokens(0), 0);
  assert.equal(estimateTokens(9), 3);
  const chars = requestChars({ model: "m", messages: [{ role: "user", content: "x".repeat(400) }, { role: "user", content: [{ type: "text", text: "y".repeat(40) }] }] });
  assert.ok(chars >= 440 && chars < 600, String(chars));
  assert.equal(requestChars({ input: ["abcd", "efgh"] }), 8);
  assert.equal(formatCost(0.00042), "0.00042");
  assert.equal(formatCost(0), "0.0");
});

test("the shipped table's context windows and output caps are whole token counts, a cap never above its window", () => {
  assert.match(shipped.source, /context.*max_output.*N x 1024/s);
  let windows = 0;
  for (const [key, p] of Object.entries(shipped.prices) as Array<[string, { context?: number; max_output?: number }]>) {
    if (p.max_output !== undefined) assert.ok(p.context !== undefined, `${key}: an output cap without a window`);
    if (p.context === undefined) continue;
    windows++;
    assert.ok(Number.isInteger(p.context) && p.context >= 4096 && p.context <= 2_097_152, `${key}: window ${p.context}`);
    if (p.max_output !== undefined) assert.ok(Number.isInteger(p.max_output) && p.max_output > 0 && p.max_output <= p.context, `${key}: max output ${p.max_output}`);
  }
  assert.ok(windows >= 35, `only ${windows} windows`);
});

test("a cloud model's limits are found as its price is: dates and -latest forgiven, vendor/model through OpenRouter; none for local or unknown models", () => {
  const t = new PriceTable();
  assert.deepEqual(t.limits("openai", "gpt-4o-mini"), { context: 128_000, maxOutput: 16_384 });
  assert.deepEqual(t.limits("openai", "gpt-4o-mini-2024-07-18"), { context: 128_000, maxOutput: 16_384 });
  assert.deepEqual(t.limits("openai", "gpt-4.1-nano-2025-04-14"), { context: 1_047_576, maxOutput: 32_768 });
  assert.deepEqual(t.limits("anthropic", "claude-3-5-haiku-latest"), { context: 200_000, maxOutput: 8192 });
  assert.deepEqual(t.limits("google", "models/gemini-2.5-pro"), { context: 1_048_576, maxOutput: 65_536 });
  assert.deepEqual(t.limits("deepseek", "deepseek-reasoner"), { context: 131_072, maxOutput: 65_536 });
  // A window without a documented output cap.
  assert.deepEqual(t.limits("groq", "llama-3.3-70b-versatile"), { context: 131_072, maxOutput: null });
  assert.deepEqual(t.limits("openrouter", "openai/gpt-4o"), t.limits("openai", "gpt-4o"));
  // Priced but no window in the providers' pages: no limits, and no guess.
  assert.ok(t.find("mistral", "mistral-small") !== null);
  assert.equal(t.limits("mistral", "mistral-small"), null);
  assert.equal(t.limits("openai", "gpt-9-ultra"), null);
  assert.equal(t.limits("local", "faro-demo"), null);
  // cloudModels() carries them for completion.
  assert.deepEqual(t.cloudModels().find((m) => m.id === "openai/gpt-4o")?.limits, { context: 128_000, maxOutput: 16_384 });
});

test("config.json entries carry context and max_output: a new model gets them, a new price keeps the shipped window, a new window replaces it", () => {
  const t = new PriceTable({
    "openai/my-finetune": { input: 1, output: 2, context: 8000, max_output: 1000 },
    "openai/gpt-4o": { input: 1, output: 4 },
    "openai/gpt-4o-mini": { input: 0.1, output: 0.5, context: 64_000 },
    "anthropic/claude-3-haiku": { input: 0.25, output: 1.25, max_output: 2048 },
    "local/big": { input: 1, output: 1, context: 4096 },
  });
  assert.deepEqual(t.limits("openai", "my-finetune"), { context: 8000, maxOutput: 1000 });
  assert.deepEqual(t.limits("openai", "gpt-4o-2024-11-20"), { context: 128_000, maxOutput: 16_384 });
  assert.deepEqual(t.limits("openai", "gpt-4o-mini"), { context: 64_000, maxOutput: null });
  assert.deepEqual(t.limits("anthropic", "claude-3-haiku"), { context: 200_000, maxOutput: 2048 });
  assert.equal(t.limits("local", "big"), null, "local windows come from the GGUF file");
});

test("config.json's prices schema takes context and max_output as positive integers and says where one is wrong", async () => {
  const { loadGatewaySettings } = await import("../../../server/gateway/settingsFile");
  const { mkdtemp, writeFile } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = await mkdtemp(join(tmpdir(), "faro-prices-"));
  const file = join(dir, "config.json");
  await writeFile(file, JSON.stringify({ prices: { "openai/my-finetune": { input: 1, output: 2, context: 8000, max_output: 1000 } } }));
  assert.deepEqual(loadGatewaySettings(file).prices, { "openai/my-finetune": { input: 1, output: 2, context: 8000, max_output: 1000 } });
  await writeFile(file, JSON.stringify({ prices: { "openai/my-finetune": { input: 1, output: 2, context: 0.5 } } }));
  assert.throws(() => loadGatewaySettings(file), (e: Error) => /prices.*openai\/my-finetune.*context/s.test(e.message));
});

test("dollar amounts for people keep the digits past the cents that matter", () => {
  assert.deepEqual([0, 0.00042, 0.015, 5, 0.1, 12.3456789].map(formatUsd), ["$0.00", "$0.000420", "$0.015", "$5.00", "$0.10", "$12.345679"]);
});
