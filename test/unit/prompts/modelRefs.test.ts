/**
 * Model ids the gateway routes but the local catalog does not list: `provider/model` of a cloud
 * provider Faro knows (also as what `default` stands for) is not an unknown model, and gets the
 * provider's own ranges (Anthropic's temperature is 0 to 1); `local/x` is the local model x; an
 * unknown provider prefix is named in the error. Exact ranges, as the editor shows them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzePrompt, type CheckContext } from "../../../server/prompts/check";
import type { ModelInfo } from "../../../server/protocol";
import { preparePromptRun } from "../../../server/prompts/prepare";
import { Gateway } from "../../../server/gateway/gateway";
import { KeyStore } from "../../../server/gateway/keys";

const ctx: CheckContext = { models: [{ id: "tiny", faro: { provider: "local", context_length: 64 } }] as unknown as ModelInfo[], defaultModel: "tiny", partial: () => null };
const problems = (text: string, c: CheckContext = ctx) => analyzePrompt(text, c).problems.map((p) => [p.code, text.slice(p.start, p.end), p.message]);
const prompt = (model: string, config = "  temperature: 0.5") => `---\nmodel: ${model}\nconfig:\n${config}\n---\nHi\n`;

test("a cloud provider/model is not checked against the local catalog, nor is a cloud default", () => {
  assert.deepEqual(problems(prompt("anthropic/claude-3-5-haiku-latest")), []);
  assert.deepEqual(problems(prompt("openai/gpt-4o-mini", "  temperature: 1.5")), []);
  assert.deepEqual(problems(prompt("gemini/gemini-2.0-flash")), []);
  assert.deepEqual(problems(prompt("default"), { ...ctx, defaultModel: "anthropic/claude-3-5-haiku-latest" }), []);
  assert.deepEqual(problems("---\nmodel: tiny\nfaro.fallbacks: [openai/gpt-4o-mini, local/tiny]\n---\nHi\n"), []);
});

test("Anthropic's temperature range: 0 to 1, on the value; the key's own range still applies to others", () => {
  assert.deepEqual(problems(prompt("anthropic/claude-3-5-haiku-latest", "  temperature: 1.5")), [["config-range", "1.5", "'temperature' must be from 0 to 1 for anthropic models, not 1.5."]]);
  assert.deepEqual(problems(prompt("default", "  temperature: 1.2"), { ...ctx, defaultModel: "anthropic/claude-3-5-haiku-latest" }).map(([c, t]) => [c, t]), [["config-range", "1.2"]]);
  assert.deepEqual(problems(prompt("openai/gpt-4o-mini", "  temperature: 2.5")), [["config-range", "2.5", "'temperature' must be from 0 to 2, not 2.5."]]);
  assert.deepEqual(problems(prompt("tiny", "  topP: 1.5")), [["config-range", "1.5", "'topP' must be from 0 to 1, not 1.5."]]);
});

test("local/x is the local model x; an unknown provider prefix is said in the error", () => {
  assert.deepEqual(problems(prompt("local/tiny")), []);
  assert.deepEqual(problems(prompt("local/nope")).map(([c, t]) => [c, t]), [["model-unknown", "local/nope"]]);
  const [unknown] = problems(prompt("acme/model-1"));
  assert.equal(unknown![0], "model-unknown");
  assert.equal(unknown![1], "acme/model-1");
  assert.match(String(unknown![2]), /'acme' is not a provider Faro knows \(local, anthropic, gemini, openai, .*\)\. Available: tiny\./);
});

test("the user's aliases are models too: no error, offered for a typo, usable as a fallback", async () => {
  const withAliases: CheckContext = { ...ctx, aliases: ["fast", "smart"] };
  assert.deepEqual(problems(prompt("fast"), withAliases), []);
  assert.deepEqual(problems("---\nmodel: nope\nfaro.fallbacks: [smart]\n---\nHi\n", withAliases).map(([c, t]) => [c, t]), [["model-unknown", "nope"]]);
  const [typo] = analyzePrompt(prompt("fsat"), withAliases).problems;
  assert.equal(typo!.code, "model-unknown");
  assert.deepEqual((typo!.data as { suggestions: string[] }).suggestions[0], "fast");
  assert.deepEqual(problems(prompt("fast")).map(([c, t]) => [c, t]), [["model-unknown", "fast"]], "without the alias it is unknown");
  const run = await preparePromptRun({ source: "---\nmodel: nope\nfaro.fallbacks: [smart, tiny]\n---\nHi\n", promptId: "p", partials: () => null, models: ctx.models!, defaultModel: "tiny", aliases: ["smart"] });
  assert.equal(run.request.model, "smart", "the first usable of model and fallbacks is the alias");
});

test("a cloud model with faro.fallbacks runs when its provider can be asked, else the first usable fallback", async () => {
  const source = "---\nmodel: openai/gpt-4o-mini\nfaro.fallbacks: [local/tiny]\n---\nHi\n";
  const run = (canAsk?: (p: string) => boolean) => preparePromptRun({ source, promptId: "p", partials: () => null, models: ctx.models!, defaultModel: "tiny", canAsk });
  assert.equal((await run((p) => p === "openai")).request.model, "openai/gpt-4o-mini", "was never chosen: a cloud id counted as unavailable");
  assert.equal((await run(() => false)).request.model, "local/tiny", "no key for openai: the local fallback");
  assert.equal((await run()).request.model, "local/tiny");
});

test("Gateway.canAsk: a key, or a local server that takes none", () => {
  const keys = new KeyStore({ OPENAI_API_KEY: "sk-test" });
  const gateway = new Gateway({} as never, {} as never, {} as never, keys);
  assert.equal(gateway.canAsk("openai"), true, "key from the environment");
  assert.equal(gateway.canAsk("anthropic"), false);
  assert.equal(gateway.canAsk("ollama"), true, "no key needed");
  assert.equal(gateway.canAsk("vllm"), true, "loopback server, key optional");
  assert.equal(gateway.canAsk("groq"), false);
  keys.set("groq", "gsk-test");
  assert.equal(gateway.canAsk("groq"), true, "a key handed over later");
  assert.equal(gateway.canAsk("local"), true);
});
