import { test } from "node:test";
import assert from "node:assert/strict";
import { UpstreamError } from "../../../server/providers/upstream";
import { parseSse } from "../../../server/providers/sseParser";
import type { ChatEvent } from "../../../server/providers/types";
import { toGenerateContentBody } from "../../../server/providers/gemini/request";
import { GenerateStream, errorOf, responseEvents, type WireResponse } from "../../../server/providers/gemini/response";
import { chatRequest, refused } from "../../fixtures/chatRequests";

const chat = (extra: Record<string, unknown>) => chatRequest("gemini/x", extra);
const body = (extra: Record<string, unknown>) => toGenerateContentBody(chat(extra));
const ids = (index: number, k: number) => `call_r_${index}_${k}`;
const lookupParams = { type: "object", properties: { q: { type: "string" } }, required: ["q"], additionalProperties: false };
const lookup = { type: "function", function: { name: "lookup", description: "Looks things up", parameters: lookupParams } };
const now = { type: "function", function: { name: "now" } };
const blockedAs = (status: number, code: string, pattern: RegExp) => (e: unknown) =>
  e instanceof UpstreamError && e.status === status && e.code === code && e.provider === "gemini" && pattern.test(e.message);

test("request: a whole conversation becomes the exact generateContent body", () => {
  const schema = { type: "object", properties: { answer: { type: "string" } } };
  const got = body({
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } }] },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "call_a~ts~c2lnbmF0dXJl", type: "function", function: { name: "lookup", arguments: '{"q":"cat"}' } },
          { id: "call_b", type: "function", function: { name: "now", arguments: "{}" } },
        ],
      },
      { role: "tool", tool_call_id: "call_a~ts~c2lnbmF0dXJl", content: "a cat" },
      { role: "tool", tool_call_id: "call_b", content: "noon" },
      { role: "assistant", content: "It is a cat, at noon." },
      { role: "user", content: "Thanks" },
    ],
    tools: [lookup, now],
    tool_choice: { type: "function", function: { name: "lookup" } },
    temperature: 0.3,
    top_p: 0.8,
    top_k: 40,
    max_tokens: 10,
    max_completion_tokens: 50,
    stop: ["X", "Y"],
    n: 2,
    seed: 7,
    presence_penalty: 0.5,
    frequency_penalty: 0.25,
    response_format: { type: "json_schema", json_schema: { name: "r", schema } },
  });
  assert.deepEqual(got, {
    contents: [
      { role: "user", parts: [{ text: "What is this?" }, { inlineData: { mimeType: "image/jpeg", data: "/9j/4AAQ" } }] },
      {
        role: "model",
        parts: [{ functionCall: { name: "lookup", args: { q: "cat" } }, thoughtSignature: "c2lnbmF0dXJl" }, { functionCall: { name: "now", args: {} } }],
      },
      {
        role: "user",
        parts: [{ functionResponse: { name: "lookup", response: { content: "a cat" } } }, { functionResponse: { name: "now", response: { content: "noon" } } }],
      },
      { role: "model", parts: [{ text: "It is a cat, at noon." }] },
      { role: "user", parts: [{ text: "Thanks" }] },
    ],
    systemInstruction: { parts: [{ text: "Be brief." }] },
    generationConfig: {
      temperature: 0.3,
      topP: 0.8,
      topK: 40,
      maxOutputTokens: 50,
      stopSequences: ["X", "Y"],
      candidateCount: 2,
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
      seed: 7,
      responseMimeType: "application/json",
      responseJsonSchema: schema,
    },
    tools: [{ functionDeclarations: [{ name: "lookup", description: "Looks things up", parametersJsonSchema: lookupParams }, { name: "now" }] }],
    toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["lookup"] } },
  });
});

test("request: a plain message sends only contents; tool_choice maps to AUTO / NONE / ANY; json_object is a MIME type", () => {
  assert.deepEqual(body({}), { contents: [{ role: "user", parts: [{ text: "hi" }] }] });
  const tools = [lookup, now];
  const mode = (tool_choice: unknown) => body({ tools, tool_choice }).toolConfig?.functionCallingConfig;
  assert.equal(mode(undefined), undefined);
  assert.deepEqual(mode("auto"), { mode: "AUTO" });
  assert.deepEqual(mode("none"), { mode: "NONE" });
  assert.deepEqual(mode("required"), { mode: "ANY" });
  assert.deepEqual(body({ response_format: { type: "json_object" } }).generationConfig, { responseMimeType: "application/json" });
  assert.deepEqual(body({ n: 1, max_tokens: 5 }).generationConfig, { maxOutputTokens: 5 }, "candidateCount only when n > 1");
});

test("request: what Gemini cannot take is a 400 naming the part", () => {
  assert.equal(refused(() => body({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/cat.png" } }] }] })).param, "messages[0].content[0].image_url.url");
  assert.equal(refused(() => body({ messages: [{ role: "tool", tool_call_id: "nobody", content: "x" }] })).param, "messages[0].tool_call_id");
  assert.equal(refused(() => body({ logprobs: true })).param, "logprobs");
  const minP = refused(() => body({ min_p: 0.05 }));
  assert.equal(minP.param, "min_p");
  assert.match(minP.message, /min_p is not supported by Gemini/);
  assert.ok(body({ min_p: 0 }).contents.length, "min_p 0 (off) asks for nothing");
  const bias = refused(() => body({ logit_bias: { "50256": -100 } }));
  assert.equal(bias.param, "logit_bias");
  assert.match(bias.message, /logit_bias is not supported by Gemini/);
  assert.ok(body({ logit_bias: {} }).contents.length, "an empty logit_bias asks for nothing");
  assert.equal(refused(() => body({ tools: [lookup], tool_choice: { type: "function", function: { name: "gone" } } })).param, "tool_choice.function.name");
  assert.equal(refused(() => body({ response_format: { type: "json_schema", json_schema: { name: "r" } } })).param, "response_format.json_schema.schema");
});

test("response: parts become reasoning, text and tool_calls per candidate; STOP with calls → tool_calls, MAX_TOKENS → length", () => {
  const r: WireResponse = {
    candidates: [
      {
        content: {
          parts: [{ text: "Thinking...", thought: true }, { text: "Here." }, { functionCall: { name: "lookup", args: { q: "cat" } }, thoughtSignature: "c2ln" }, { functionCall: { id: "fc_9", name: "now" } }],
        },
        finishReason: "STOP",
        index: 0,
      },
      { content: { parts: [{ text: "Cut" }] }, finishReason: "MAX_TOKENS", index: 1 },
    ],
    usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 8, thoughtsTokenCount: 4, toolUsePromptTokenCount: 2 },
  };
  assert.deepEqual([...responseEvents("gemini", r, ids)], [
    { type: "reasoning", index: 0, text: "Thinking..." },
    { type: "text", index: 0, text: "Here." },
    {
      type: "tool_calls",
      index: 0,
      calls: [
        { id: "call_r_0_0~ts~c2ln", name: "lookup", arguments: '{"q":"cat"}' },
        { id: "fc_9", name: "now", arguments: "{}" },
      ],
    },
    { type: "choice_end", index: 0, finishReason: "tool_calls" },
    { type: "text", index: 1, text: "Cut" },
    { type: "choice_end", index: 1, finishReason: "length" },
    { type: "usage", usage: { prompt_tokens: 14, completion_tokens: 12, total_tokens: 26 } },
  ]);
});

test("safety: a blocked answer or prompt is a 400 content_filtered naming the reason and category, before any text", () => {
  const ratings = [
    { category: "HARM_CATEGORY_HARASSMENT", probability: "HIGH" },
    { category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "MEDIUM", blocked: true },
  ];
  const answer = { candidates: [{ content: { parts: [{ text: "partial" }] }, finishReason: "SAFETY", index: 0, safetyRatings: ratings }] };
  assert.throws(() => [...responseEvents("gemini", answer, ids)], blockedAs(400, "content_filtered", /blocked the answer \(finishReason SAFETY: HARM_CATEGORY_DANGEROUS_CONTENT\)\.$/));
  for (const reason of ["RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT"]) {
    assert.throws(() => [...responseEvents("gemini", { candidates: [{ finishReason: reason }] }, ids)], blockedAs(400, "content_filtered", new RegExp(`finishReason ${reason}\\)`)));
  }
  const prompt = { promptFeedback: { blockReason: "SAFETY", safetyRatings: [{ category: "HARM_CATEGORY_HATE_SPEECH", probability: "HIGH" }] } };
  assert.throws(() => [...responseEvents("gemini", prompt, ids)], blockedAs(400, "content_filtered", /blocked the prompt \(blockReason SAFETY: HARM_CATEGORY_HATE_SPEECH\)/));
  assert.throws(() => [...responseEvents("gemini", { candidates: [{ finishReason: "MALFORMED_FUNCTION_CALL" }] }, ids)], blockedAs(502, "malformed_function_call", /MALFORMED_FUNCTION_CALL/));
  assert.throws(() => [...responseEvents("gemini", { candidates: [] }, ids)], blockedAs(502, "upstream_bad_response", /no candidates/));
});

async function translate(raw: string, answers = 1): Promise<{ events: ChatEvent[]; done: boolean }> {
  const chunks = async function* () {
    for (let i = 0; i < raw.length; i += 11) yield raw.slice(i, i + 11);
  };
  const stream = new GenerateStream("gemini", ids, answers);
  const events: ChatEvent[] = [];
  for await (const m of parseSse(chunks())) events.push(...stream.on(JSON.parse(m.data) as WireResponse));
  if (stream.done) events.push(stream.usageEvent());
  return { events, done: stream.done };
}
// Gemini ends SSE lines with CRLF.
const sse = (...chunks: object[]) => chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join("");
const text = (t: string, extra: object = {}) => ({ candidates: [{ content: { parts: [{ text: t }], role: "model" }, index: 0, ...extra }], modelVersion: "gemini-2.0-flash" });

test("stream: chunks become text and whole tool calls as deltas; usage is the last usageMetadata", async () => {
  const call = { candidates: [{ content: { parts: [{ functionCall: { name: "lookup", args: { q: "x" } } }], role: "model" }, finishReason: "STOP", index: 0 }] };
  const raw = sse({ ...text("The"), usageMetadata: { promptTokenCount: 5 } }, text(" answer"), { ...call, usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 3 } });
  const { events, done } = await translate(raw);
  assert.ok(done);
  assert.deepEqual(events, [
    { type: "text", index: 0, text: "The" },
    { type: "text", index: 0, text: " answer" },
    { type: "tool_call_delta", index: 0, callIndex: 0, id: "call_r_0_0", name: "lookup", arguments: '{"q":"x"}' },
    { type: "choice_end", index: 0, finishReason: "tool_calls" },
    { type: "usage", usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } },
  ]);
});

test("stream: a safety stop after some text, an error chunk, and a stream without finishReason", async () => {
  const unsafe = sse(text("Sure, "), text("", { finishReason: "SAFETY", safetyRatings: [{ category: "HARM_CATEGORY_SEXUALLY_EXPLICIT", probability: "HIGH", blocked: true }] }));
  await assert.rejects(translate(unsafe), blockedAs(400, "content_filtered", /finishReason SAFETY: HARM_CATEGORY_SEXUALLY_EXPLICIT/));
  const broken = sse(text("Hi"), { error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } });
  await assert.rejects(translate(broken), blockedAs(503, "unavailable", /overloaded/));
  const { events, done } = await translate(sse(text("a"), text("b", { finishReason: "STOP" })), 2);
  assert.equal(done, false, "two answers were asked for, one finished");
  assert.equal(events.length, 3);
});

test("errors: Google's error body, RetryInfo and retry-after become the UpstreamError", () => {
  const body = { error: { code: 429, message: "Resource has been exhausted (e.g. check quota).", status: "RESOURCE_EXHAUSTED", details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "1.5s" }] } };
  const e = errorOf("gemini", { status: 429, statusText: "", headers: {} }, JSON.stringify(body));
  assert.deepEqual([e.status, e.type, e.code, e.retryAfterMs], [429, "rate_limit_error", "resource_exhausted", 1500]);
  assert.equal(e.message, "Provider 'gemini' answered 429: Resource has been exhausted (e.g. check quota).");
  assert.equal(errorOf("gemini", { status: 429, statusText: "", headers: { "retry-after": "3" } }, JSON.stringify(body)).retryAfterMs, 3000, "the header wins");
  const inArray = errorOf("gemini", { status: 400, statusText: "", headers: {} }, JSON.stringify([{ error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT" } }]));
  assert.deepEqual([inArray.status, inArray.code, inArray.retryAfterMs], [400, "invalid_argument", null]);
  assert.match(inArray.message, /API key not valid/);
});
