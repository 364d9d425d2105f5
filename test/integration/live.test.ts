/**
 * Live providers, opt-in: FARO_LIVE_PROVIDERS=openai,anthropic,gemini (with their usual key
 * variables) sends one small request per provider through faro serve with the official SDK.
 * Skipped, saying so, when unset: CI and this machine have no route to the providers.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { serve, type Served } from "../fixtures/serve";

const wanted = (process.env.FARO_LIVE_PROVIDERS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
const MODELS: Record<string, string> = {
  openai: process.env.FARO_LIVE_OPENAI_MODEL ?? "gpt-4o-mini",
  anthropic: process.env.FARO_LIVE_ANTHROPIC_MODEL ?? "claude-3-5-haiku-latest",
  gemini: process.env.FARO_LIVE_GEMINI_MODEL ?? "gemini-2.0-flash",
};
const skip = wanted.length === 0 ? "live provider tests are opt-in: set FARO_LIVE_PROVIDERS=openai,anthropic,gemini and their API keys" : false;

describe("live providers", { skip }, () => {
  let faro: Served;
  let client: OpenAI;
  before(async () => {
    faro = await serve([]);
    client = new OpenAI({ baseURL: faro.baseURL, apiKey: "unused", maxRetries: 1 });
  });
  after(async () => {
    await faro?.stop();
  });
  for (const provider of wanted) {
    test(`${provider}: a short answer with usage, JSON and streamed`, async () => {
      const model = `${provider}/${MODELS[provider] ?? "unknown"}`;
      const r = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Say OK." }], max_tokens: 10 });
      assert.ok((r.choices[0]!.message.content ?? "").length > 0);
      assert.ok(r.usage!.prompt_tokens > 0);
      let text = "";
      for await (const c of await client.chat.completions.create({ model, messages: [{ role: "user", content: "Say OK." }], max_tokens: 10, stream: true })) {
        text += c.choices[0]?.delta.content ?? "";
      }
      assert.ok(text.length > 0);
    });
  }
});
