/**
 * What a local model's thoughts and token probabilities look like to the official `openai` SDK
 * against `faro serve`, with the scripted model (test/fixtures/scriptedModel.ts), whose greedy
 * output is known token by token: `<think>Let me think</think>The answer is 42.`
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { serve, tempDir, type Served } from "../fixtures/serve";
import { SCRIPT_MARGIN, writeScriptedModel } from "../fixtures/scriptedModel";
import { writeTinyModel } from "../fixtures/models";

const MODEL = "scripted";
/** The answer's tokens as the API spells them (SentencePiece's "▁" is a space). */
const ANSWER = ["The", " answer", " is", " 42", "."];
const user = [{ role: "user" as const, content: "What is the answer?" }];
let server: Served;
let client: OpenAI;

before(async () => {
  const dir = await tempDir("faro-scripted-");
  await writeScriptedModel(dir, { name: MODEL });
  await writeTinyModel(dir, { name: "tiny" }); // random weights: its greedy answer to "hello" has lone UTF-8 bytes
  server = await serve(["--models-dir", dir, "--slots", "4"]);
  client = new OpenAI({ baseURL: server.baseURL, apiKey: "x", maxRetries: 0 });
});

after(async () => {
  assert.equal(await server.stop(), 0);
});

/** The top token is the chosen one with ln p ~ 0; the runner-up sits MARGIN below. */
function assertScripted(entries: readonly { token: string; logprob: number; bytes: number[] | null; top_logprobs: { token: string; logprob: number }[] }[], tokens: string[], top: number) {
  assert.deepEqual(entries.map((e) => e.token), tokens);
  for (const e of entries) {
    assert.ok(e.logprob <= 0 && e.logprob > -1e-6, `${e.token}: ${e.logprob}`);
    assert.deepEqual(e.bytes, [...Buffer.from(e.token, "utf8")]);
    assert.equal(e.top_logprobs.length, top);
    if (top > 0) assert.deepEqual(e.top_logprobs[0], { token: e.token, logprob: e.logprob, bytes: e.bytes });
    if (top > 1) assert.ok(Math.abs(e.top_logprobs[1]!.logprob + SCRIPT_MARGIN) < 0.01, `runner-up ${e.top_logprobs[1]!.logprob}`);
  }
}

describe("reasoning_content", () => {
  test("JSON: the thought is message.reasoning_content, the answer is content", async () => {
    const r = await client.chat.completions.create({ model: MODEL, messages: user, temperature: 0 });
    const message = r.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    assert.equal(message.reasoning_content, "Let me think");
    assert.equal(message.content, "The answer is 42.");
    assert.equal(r.choices[0]!.finish_reason, "stop");
    assert.equal(r.choices[0]!.logprobs, null);
    // <think>, 3 thought tokens, </think>, 5 answer tokens, EOS.
    assert.equal(r.usage!.completion_tokens, 11);
  });

  test("stream: reasoning_content deltas first, then content deltas", async () => {
    const order: ("reasoning" | "content")[] = [];
    let reasoning = "";
    let content = "";
    for await (const chunk of await client.chat.completions.create({ model: MODEL, messages: user, temperature: 0, stream: true })) {
      const delta = chunk.choices[0]?.delta as { content?: string | null; reasoning_content?: string } | undefined;
      if (delta?.reasoning_content) {
        order.push("reasoning");
        reasoning += delta.reasoning_content;
      }
      if (delta?.content) {
        order.push("content");
        content += delta.content;
      }
    }
    assert.equal(reasoning, "Let me think");
    assert.equal(content, "The answer is 42.");
    const firstContent = order.indexOf("content");
    assert.ok(firstContent > 0 && order.slice(firstContent).every((o) => o === "content"), order.join(","));
  });
});

describe("logprobs", () => {
  test("chat JSON: one entry per answer token (thoughts excluded), top_logprobs alternatives", async () => {
    const r = await client.chat.completions.create({ model: MODEL, messages: user, temperature: 0, logprobs: true, top_logprobs: 3 });
    const choice = r.choices[0]!;
    assert.equal(choice.message.content, "The answer is 42.");
    assert.equal(choice.logprobs!.refusal, null);
    assertScripted(choice.logprobs!.content!, ANSWER, 3);
    const plain = await client.chat.completions.create({ model: MODEL, messages: user, temperature: 0, logprobs: true });
    assertScripted(plain.choices[0]!.logprobs!.content!, ANSWER, 0);
  });

  test("chat at temperature 1.5 still reports the model's distribution, and n answers each get theirs", async () => {
    const r = await client.chat.completions.create({ model: MODEL, messages: user, temperature: 1.5, seed: 7, n: 2, logprobs: true, top_logprobs: 2 });
    for (const choice of r.choices) {
      assert.equal(choice.message.content, "The answer is 42.");
      assertScripted(choice.logprobs!.content!, ANSWER, 2);
    }
  });

  test("chat stream: each content chunk carries its own tokens' logprobs", async () => {
    const entries: OpenAI.ChatCompletionTokenLogprob[] = [];
    let content = "";
    for await (const chunk of await client.chat.completions.create({ model: MODEL, messages: user, temperature: 0, logprobs: true, top_logprobs: 2, stream: true })) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      const lp = choice.logprobs?.content ?? [];
      if (choice.delta.content) assert.equal(lp.map((e) => e.token).join(""), choice.delta.content);
      else assert.equal(lp.length, 0);
      content += choice.delta.content ?? "";
      entries.push(...lp);
    }
    assert.equal(content, "The answer is 42.");
    assertScripted(entries, ANSWER, 2);
  });

  test("legacy completions: tokens, token_logprobs, top_logprobs, text_offset; JSON and stream", async () => {
    const prompt = "Say: The answer";
    const r = await client.completions.create({ model: MODEL, prompt, temperature: 0, logprobs: 2 });
    const lp = r.choices[0]!.logprobs!;
    assert.equal(r.choices[0]!.text, " is 42.");
    assert.deepEqual(lp.tokens, [" is", " 42", "."]);
    for (const p of lp.token_logprobs!) assert.ok(p <= 0 && p > -1e-6);
    assert.deepEqual(lp.text_offset, [prompt.length, prompt.length + 3, prompt.length + 6]);
    for (const [i, top] of lp.top_logprobs!.entries()) {
      const entries = Object.entries(top);
      assert.equal(entries.length, 2);
      assert.deepEqual(entries[0], [lp.tokens![i], lp.token_logprobs![i]]);
      assert.ok(Math.abs(entries[1]![1] + SCRIPT_MARGIN) < 0.01);
    }
    const streamed: string[] = [];
    for await (const chunk of await client.completions.create({ model: MODEL, prompt, temperature: 0, logprobs: 0, stream: true })) {
      const c = chunk.choices[0];
      if (c?.logprobs) {
        assert.equal(c.logprobs.tokens!.join(""), c.text);
        streamed.push(...c.logprobs.tokens!);
      }
    }
    assert.deepEqual(streamed, [" is", " 42", "."]);
  });

  test("legacy completions: text_offset counts the text's characters, not a lone byte's 'bytes:\\xNN' spelling", async () => {
    const prompt = "hello";
    const r = await client.completions.create({ model: "tiny", prompt, temperature: 0, max_tokens: 8, logprobs: 0 });
    const { text } = r.choices[0]!;
    const lp = r.choices[0]!.logprobs!;
    assert.ok(lp.tokens!.some((t) => t.startsWith("bytes:")), `a lone byte among ${JSON.stringify(lp.tokens)}`);
    const chars = [...prompt + text];
    for (const [i, token] of lp.tokens!.entries()) {
      const at = lp.text_offset![i]!;
      assert.ok(at >= prompt.length && at < chars.length, `offset ${at} of ${JSON.stringify(token)} lies outside ${chars.length} characters`);
      if (!token.startsWith("bytes:")) assert.equal(chars.slice(at, at + [...token].length).join(""), token, `offset of ${JSON.stringify(token)}`);
    }
  });

  test("a cached answer replays every token's logprobs", async () => {
    const body = { model: MODEL, messages: [{ role: "user" as const, content: "cache me" }], temperature: 0, logprobs: true, top_logprobs: 1 };
    const headers = { "x-portkey-cache": "simple" };
    const first = await client.chat.completions.create(body, { headers }).withResponse();
    assert.equal(first.response.headers.get("x-faro-cache"), "miss");
    const again = await client.chat.completions.create(body, { headers }).withResponse();
    assert.equal(again.response.headers.get("x-faro-cache"), "hit");
    assert.deepEqual(again.data.choices[0]!.logprobs, first.data.choices[0]!.logprobs);
    assertScripted(again.data.choices[0]!.logprobs!.content!, ANSWER, 1);
  });

  test("a response_format grammar still applies with logprobs", async () => {
    const r = await client.chat.completions.create({
      model: MODEL,
      messages: user,
      temperature: 0,
      max_tokens: 12,
      logprobs: true,
      response_format: { type: "json_schema", json_schema: { name: "n", schema: { type: "integer" } } },
    });
    const choice = r.choices[0]!;
    // The grammar forbids the script's tokens: the answer is digits, each with a real (finite) logprob.
    assert.match(choice.message.content ?? "", /^-?\d*$/);
    assert.equal(choice.logprobs!.content!.map((e) => e.token).join(""), choice.message.content);
    for (const e of choice.logprobs!.content!) assert.ok(Number.isFinite(e.logprob) && e.logprob <= 0);
  });

  test("bad combinations are 400s naming the parameter", async () => {
    const tools = [{ type: "function" as const, function: { name: "f", parameters: { type: "object" } } }];
    await assert.rejects(client.chat.completions.create({ model: MODEL, messages: user, logprobs: true, tools }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "logprobs" && /tools/.test(e.message));
    await assert.rejects(client.chat.completions.create({ model: MODEL, messages: user, top_logprobs: 2 }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "top_logprobs");
    await assert.rejects(client.chat.completions.create({ model: MODEL, messages: user, logprobs: true, top_logprobs: 21 }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "top_logprobs");
  });

  test("8 concurrent requests mixing logprobs and plain get their own outputs", async () => {
    const runs = Array.from({ length: 8 }, async (_, i) => {
      const logprobs = i % 2 === 0;
      if (i % 4 < 2) {
        // Chat, cut after 1..4 answer tokens (after the 5 thought tokens).
        const answerTokens = 1 + (i % 4) + Math.floor(i / 4) * 2;
        const r = await client.chat.completions.create({ model: MODEL, messages: user, temperature: 0, max_tokens: 5 + answerTokens, ...(logprobs ? { logprobs: true, top_logprobs: 1 } : {}) });
        const expected = ANSWER.slice(0, answerTokens);
        assert.equal(r.choices[0]!.message.content, expected.join(""), `request ${i}`);
        if (logprobs) assertScripted(r.choices[0]!.logprobs!.content!, expected, 1);
        else assert.equal(r.choices[0]!.logprobs, null);
      } else {
        // Completions that start at different places of the script.
        const prompt = i < 4 ? "So: The" : "So: The answer is";
        const expected = i < 4 ? [" answer", " is", " 42", "."] : [" 42", "."];
        const r = await client.completions.create({ model: MODEL, prompt, temperature: 0, ...(logprobs ? { logprobs: 1 } : {}) });
        assert.equal(r.choices[0]!.text, expected.join(""), `request ${i}`);
        if (logprobs) assert.deepEqual(r.choices[0]!.logprobs!.tokens, expected);
        else assert.equal(r.choices[0]!.logprobs, null);
      }
    });
    await Promise.all(runs);
  });
});
