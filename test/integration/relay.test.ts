/**
 * Streams are relayed as they come, for every provider family: through faro serve, each text
 * piece reaches the client before the provider has written its next frame. The mocks wait
 * 150 ms between frames and say when each one is written; a gateway that buffered (whole
 * answer, or several frames at a time) would hand the client several pieces after the same frame.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Served } from "../fixtures/serve";
import { serveWithClient } from "../fixtures/serveFixture";
import type { MockServer } from "../fixtures/mocks/mockServer";
import { startOpenAIMock } from "../fixtures/mocks/openai";
import { startAnthropicMock } from "../fixtures/mocks/anthropic";
import { startGeminiMock } from "../fixtures/mocks/gemini";

const KEY = "test-key";
let faro: Served;
const mocks: Record<string, MockServer> = {};

before(async () => {
  [mocks.openai, mocks.anthropic, mocks.gemini] = await Promise.all([startOpenAIMock({ apiKey: KEY }), startAnthropicMock({ apiKey: KEY }), startGeminiMock({ apiKey: KEY })]);
  ({ server: faro } = await serveWithClient());
});

after(async () => {
  assert.equal(await faro.stop(), 0);
  await Promise.all(Object.values(mocks).map((m) => m.close()));
});

const MODELS: Record<string, string> = { openai: "gpt-4o-mini", anthropic: "claude-3-5-haiku-latest", gemini: "gemini-2.0-flash" };

for (const provider of ["openai", "anthropic", "gemini"]) {
  test(`${provider}: each streamed piece reaches the client before the provider writes its next frame`, async () => {
    const mock = mocks[provider]!;
    let written = 0;
    mock.failNext({ chunkDelayMs: 150, onFrame: (i) => (written = i + 1) });
    const res = await fetch(`${faro.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-portkey-config": JSON.stringify({ provider, custom_host: mock.url, api_key: KEY }) },
      body: JSON.stringify({ model: MODELS[provider], messages: [{ role: "user", content: "one two three four" }], stream: true }),
    });
    assert.equal(res.status, 200);
    // For each text piece: how many frames the provider had written when it arrived.
    const seen: Array<{ text: string; framesWritten: number }> = [];
    let buffer = "";
    for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += Buffer.from(bytes).toString();
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!frame.startsWith("data: {")) continue;
        const text = (JSON.parse(frame.slice(6)) as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]?.delta?.content;
        if (text) seen.push({ text, framesWritten: written });
      }
    }
    assert.equal(seen.map((s) => s.text).join(""), "one two three four");
    assert.ok(seen.length >= 4, JSON.stringify(seen));
    const counts = seen.map((s) => s.framesWritten);
    assert.deepEqual([...counts].sort((a, b) => a - b), counts, "in order");
    assert.equal(new Set(counts).size, counts.length, `one piece per upstream frame, each relayed before the next frame: ${JSON.stringify(seen)}`);
  });
}
