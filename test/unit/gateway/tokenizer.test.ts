/**
 * Token counts for answers without reported usage: tiktoken's own test vectors (openai/tiktoken
 * tests/test_encoding.py) and tiktoken-generated samples (gpt-tokenizer's data/TestPlans.txt)
 * give the exact ids; OpenAI's cookbook "How to count tokens with tiktoken" gives the chat count
 * (129 for gpt-3.5-turbo / gpt-4, 124 for gpt-4o, which it checked against the API's usage).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { countTokens, encodeTokens, encodingForModel, type EncodingName } from "../../../server/gateway/pricing/tokenizer";
import { AnswerText, countTally, countUsage, promptTally } from "../../../server/gateway/pricing/usageCount";

const encoder = (name: EncodingName) => ({ encode: (text: string) => encodeTokens(name, text) });
const count = async (name: EncodingName, text: string) => (await countTokens(name, [text]))[0]!;
const messagesTokens = (name: EncodingName, messages: unknown[]) => countTally(name, promptTally({ messages }));

test("cl100k_base: tiktoken's test vectors", async () => {
  const enc = encoder("cl100k_base");
  assert.deepEqual(await enc.encode("hello world"), [15339, 1917]);
  assert.deepEqual(await enc.encode("rer"), [38149]);
  assert.deepEqual(await enc.encode("'rer"), [2351, 81]);
  assert.deepEqual(await enc.encode("today\n "), [31213, 198, 220]);
  assert.deepEqual(await enc.encode("today\n \n"), [31213, 27907]);
  // Not checked: tiktoken's " \x850" -> [220, 126, 227, 15]. js-tiktoken gives [2188, 227, 15]
  // because JavaScript's \s does not match U+0085 (NEL) and Rust's does: a one-token difference
  // on a control character that text rarely holds.
  assert.deepEqual(await enc.encode("👍"), [9468, 239, 235]);
  assert.deepEqual(await enc.encode("Hello, World! How are you today? 🌍"), [9906, 11, 4435, 0, 2650, 527, 499, 3432, 30, 11410, 234, 235]);
  assert.deepEqual(await enc.encode("こんにちは、世界！お元気ですか？"), [90115, 5486, 3574, 244, 98220, 6447, 33334, 24186, 95221, 38641, 32149, 11571]);
  assert.deepEqual(await enc.encode(""), []);
});

test("o200k_base: tiktoken-generated samples", async () => {
  const enc = encoder("o200k_base");
  assert.deepEqual(await enc.encode("hello"), [24912]);
  assert.deepEqual(await enc.encode("a a"), [64, 261]);
  assert.deepEqual(await enc.encode("Hello, World! How are you today? 🌍"), [13225, 11, 5922, 0, 3253, 553, 481, 4044, 30, 130321, 235]);
  assert.deepEqual(await enc.encode("こんにちは、世界！お元気ですか？"), [95839, 1395, 28428, 3393, 8930, 6753, 25717, 15121, 7128, 4802]);
  assert.deepEqual(await enc.encode("The quick brown fox jumps over 13 lazy dogs. 😺"), [976, 4853, 19705, 68347, 65613, 1072, 220, 1311, 29082, 16798, 13, 22861, 118]);
});

test("text spelling a special token is ordinary text, not an error", async () => {
  const enc = encoder("cl100k_base");
  // As plain text: "hello", " <|", "endo", "ft", "ext", "|>" (the special id 100257 is not used).
  const ids = await enc.encode("hello <|endoftext|>");
  assert.equal(ids.includes(100257), false);
  assert.ok(ids.length > 3, String(ids));
});

test("concurrent first calls share one worker and keep their order", async () => {
  const texts = ["hello world", "The quick brown fox", "", "a a"];
  const [a, b] = await Promise.all([countTokens("o200k_base", texts), countTokens("cl100k_base", texts)]);
  assert.deepEqual(a, [2, 4, 0, 2]);
  assert.deepEqual(b, [2, 4, 0, 2]);
});

test("model names pick the encoding tiktoken's model table gives; unknown models are cl100k_base, marked inexact", () => {
  for (const m of ["gpt-4o", "gpt-4o-mini-2024-07-18", "gpt-4.1-nano", "gpt-5", "gpt-5-mini", "o1", "o3-mini", "o4-mini", "chatgpt-4o-latest", "openai/gpt-4o", "ft:gpt-4o-mini:acme::abc"]) {
    assert.deepEqual(encodingForModel(m), { name: "o200k_base", exact: true }, m);
  }
  for (const m of ["gpt-4", "gpt-4-turbo", "gpt-3.5-turbo-0125", "gpt-35-turbo", "text-embedding-3-small"]) {
    assert.deepEqual(encodingForModel(m), { name: "cl100k_base", exact: true }, m);
  }
  for (const m of ["llama-3.1-8b-instant", "meta-llama/Llama-3-70b", "mistral-large-latest", "o1x", "deepseek-chat"]) {
    assert.deepEqual(encodingForModel(m), { name: "cl100k_base", exact: false }, m);
  }
});

const COOKBOOK = [
  { role: "system", content: "You are a helpful, pattern-following assistant that translates corporate jargon into plain English." },
  { role: "system", name: "example_user", content: "New synergies will help drive top-line growth." },
  { role: "system", name: "example_assistant", content: "Things working well together will increase revenue." },
  { role: "system", name: "example_user", content: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage." },
  { role: "system", name: "example_assistant", content: "Let's talk later when we're less busy about how to do better." },
  { role: "user", content: "This late pivot means we don't have time to boil the ocean for the client deliverable." },
];

test("chat messages count as OpenAI's cookbook counts them", async () => {
  assert.equal(await messagesTokens("cl100k_base", COOKBOOK), 129);
  assert.equal(await messagesTokens("o200k_base", COOKBOOK), 124);
  // 3 per message + "user" (1) + "hello there" (2) + 3 priming the reply.
  assert.equal(await messagesTokens("o200k_base", [{ role: "user", content: "hello there" }]), 9);
  // Text parts count as text; an image part is not text.
  const parts = [{ role: "user", content: [{ type: "text", text: "hello there" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] }];
  assert.equal(await messagesTokens("o200k_base", parts), 9);
  // An assistant tool call: its function name and arguments.
  const call = { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] };
  const parts3 = (await countTokens("o200k_base", ["assistant", "get_weather", '{"city":"Paris"}'])).reduce((a, b) => a + b, 0);
  assert.equal(await messagesTokens("o200k_base", [call]), 3 + parts3 + 3);
  // Legacy prompts and token-id prompts.
  assert.equal(await countTally("o200k_base", promptTally({ prompt: "hello there" })), 2);
  assert.equal(await countTally("o200k_base", promptTally({ prompt: ["hello", "hello there"] })), 3);
  assert.equal(await countTally("o200k_base", promptTally({ input: [1, 2, 3] })), 3);
});

test("an unreported answer: tiktoken for OpenAI-family providers, the estimate for Anthropic and Gemini", async () => {
  const answer = new AnswerText();
  // A word split across two stream chunks is still one token: each stream is counted whole.
  for (const text of ["The qu", "ick brown", " fox"]) answer.add({ type: "text", index: 0, text });
  answer.add({ type: "choice_end", index: 0, finishReason: "stop" });
  const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello there" }] };

  const openai = await countUsage("openai", "gpt-4o-mini", body, answer);
  assert.deepEqual(openai.usage, { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
  assert.deepEqual(openai.method, { kind: "tokenizer", encoding: "o200k_base", exact: true });

  const groq = await countUsage("groq", "llama-3.1-8b-instant", body, answer);
  assert.deepEqual(groq.method, { kind: "tokenizer", encoding: "cl100k_base", exact: false });
  assert.equal(groq.usage.completion_tokens, 4);

  const claude = await countUsage("anthropic", "claude-3-5-haiku", body, answer);
  assert.deepEqual(claude.method, { kind: "estimate" });
  // 19 answer characters at ~4 per token.
  assert.equal(claude.usage.completion_tokens, 5);
});

test("choices and tool calls are counted apart", async () => {
  const answer = new AnswerText();
  answer.add({ type: "text", index: 0, text: "hello" });
  answer.add({ type: "text", index: 1, text: "world" });
  answer.add({ type: "tool_call_delta", index: 0, callIndex: 0, id: "c", name: "get_weather", arguments: '{"ci' });
  answer.add({ type: "tool_call_delta", index: 0, callIndex: 0, arguments: 'ty":"Paris"}' });
  const { usage } = await countUsage("openai", "gpt-4o", { messages: [] }, answer);
  const each = await countTokens("o200k_base", ["hello", "world", "get_weather", '{"city":"Paris"}']);
  assert.equal(usage.completion_tokens, each.reduce((a, b) => a + b, 0));
  assert.equal(usage.prompt_tokens, 3, "no messages: the reply priming only");
});
