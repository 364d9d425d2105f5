/**
 * Bad answers from providers, generated: a well-formed answer of each wire format (OpenAI chat,
 * Anthropic Messages, Gemini generateContent; whole and streamed, tool calls included) with one
 * value somewhere in it removed or replaced by one of another type, served by a loopback server
 * that answers exactly those bytes. Faro translates every answer, so whatever the provider sends
 * the client must get a well-formed chat completion, a stream that ends in [DONE] or an error
 * event, or the provider's 502 in OpenAI's error shape — never Faro's internal_error 500 nor an
 * error it cannot explain in its log. Seeded like httpFuzz (FARO_FUZZ_SEED, FARO_FUZZ_CASES).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve, type Served } from "../fixtures/serve";
import { pick, seededRandom } from "../fixtures/random";

const SEED = Number(process.env.FARO_FUZZ_SEED ?? 20261122);
const CASES = Number(process.env.FARO_FUZZ_CASES ?? 400);

type Json = unknown;

/** Well-formed answers: the whole one, and the stream's events (Anthropic's with their names). */
const GOLDEN = {
  openai: {
    provider: "openai",
    whole: {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1,
      model: "gpt-4o-mini",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Hello Ada.", tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
          logprobs: null,
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8, prompt_tokens_details: { cached_tokens: 0 } },
    },
    events: [
      { data: { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] } },
      { data: { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "Hello " }, finish_reason: null }] } },
      { data: { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: "" } }] }, finish_reason: null }] } },
      { data: { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris"}' } }] }, finish_reason: null }] } },
      { data: { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] } },
      { data: { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } } },
    ],
    done: "data: [DONE]\n\n",
  },
  anthropic: {
    provider: "anthropic",
    whole: {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-3-5-haiku-latest",
      content: [
        { type: "text", text: "Hello Ada." },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 3, cache_read_input_tokens: 0 },
    },
    events: [
      { event: "message_start", data: { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: "claude", content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } } } },
      { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } } },
      { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello" } } },
      { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
      { event: "content_block_start", data: { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_1", name: "get_weather", input: {} } } },
      { event: "content_block_delta", data: { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"city":"Paris"}' } } },
      { event: "content_block_stop", data: { type: "content_block_stop", index: 1 } },
      { event: "message_delta", data: { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 3 } } },
      { event: "message_stop", data: { type: "message_stop" } },
    ],
    done: "",
  },
  gemini: {
    provider: "google",
    whole: {
      candidates: [{ content: { parts: [{ text: "Hello Ada." }, { functionCall: { name: "get_weather", args: { city: "Paris" } } }], role: "model" }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 3, totalTokenCount: 8 },
    },
    events: [
      { data: { candidates: [{ content: { parts: [{ text: "Hello " }], role: "model" }, index: 0 }] } },
      { data: { candidates: [{ content: { parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }], role: "model" }, index: 0 }] } },
      { data: { candidates: [{ content: { parts: [{ text: "" }], role: "model" }, finishReason: "STOP", index: 0 }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 3, totalTokenCount: 8 } } },
    ],
    done: "",
  },
} as const;
type Family = keyof typeof GOLDEN;

function oddValue(rand: () => number): Json {
  return pick<Json>(rand, [null, true, 0, -1, 1.5, 1e308, "", "x", "\u0000\ud800", [], [null], [1, "a"], {}, { a: [] }, "STOP", "tool_use", "function"]);
}

/** Replaces or removes one value at a random depth; returns where. */
function mutateTree(root: Json, rand: () => number): string {
  let node = root as Record<string, Json> | Json[];
  let where = "";
  for (;;) {
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) {
      if (!Array.isArray(node)) (node as Record<string, Json>).extra = oddValue(rand);
      return `${where}: empty, filled`;
    }
    const key = pick<string | number>(rand, keys);
    const child = (node as Record<string | number, Json>)[key];
    const deeper = typeof child === "object" && child !== null && rand() < 0.7;
    if (deeper) {
      node = child as Record<string, Json>;
      where += `.${key}`;
      continue;
    }
    if (rand() < 0.25 && !Array.isArray(node)) {
      delete (node as Record<string, Json>)[key];
      return `${where}.${key} removed`;
    }
    const value = oddValue(rand);
    (node as Record<string | number, Json>)[key] = value;
    return `${where}.${key} = ${JSON.stringify(value)}`;
  }
}

/** What the loopback provider sends next: a status, a content type and the bytes. */
let next = { contentType: "application/json", body: "{}" };
let provider: Server;
let served: Served;

describe("bad answers from providers (seeded fuzz)", () => {
  before(async () => {
    provider = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": next.contentType });
        res.end(next.body);
      });
    });
    await new Promise<void>((resolve) => provider.listen(0, "127.0.0.1", resolve));
    served = await serve();
  });

  after(async () => {
    assert.equal(await served.stop(), 0);
    await new Promise<void>((resolve) => provider.close(() => resolve()));
  });

  test(`${CASES} mutated provider answers: each is translated or refused as the provider's, never an internal error`, { timeout: 600_000 }, async (t) => {
    const rand = seededRandom(SEED);
    const base = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
    const failures: string[] = [];
    const outcomes = new Map<string, number>();
    for (let i = 0; i < CASES; i++) {
      const family = pick<Family>(rand, ["openai", "anthropic", "gemini"]);
      const golden = GOLDEN[family];
      const stream = rand() < 0.5;
      let what: string;
      if (stream) {
        const events = structuredClone(golden.events) as unknown as Array<{ event?: string; data: Json }>;
        const k = Math.floor(rand() * events.length);
        what = rand() < 0.15 ? `event ${k} dropped` : `event ${k}${mutateTree(events[k]!.data, rand)}`;
        if (what.endsWith("dropped")) events.splice(k, 1);
        next = { contentType: "text/event-stream", body: events.map((e) => `${e.event ? `event: ${e.event}\n` : ""}data: ${JSON.stringify(e.data)}\n\n`).join("") + golden.done };
      } else {
        const whole = structuredClone(golden.whole) as Json;
        what = mutateTree(whole, rand);
        next = { contentType: "application/json", body: JSON.stringify(whole) };
      }
      const config = { provider: golden.provider, api_key: "k", custom_host: family === "openai" ? `${base}/v1` : base };
      const res = await fetch(`${served.baseURL}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-portkey-config": JSON.stringify(config) },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "Weather in Paris?" }], stream, tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }] }),
        signal: AbortSignal.timeout(30_000),
      }).catch((err: Error) => err);
      const label = `case ${i} (seed ${SEED}) ${family} ${stream ? "stream" : "whole"} [${what}]`;
      if (res instanceof Error) {
        failures.push(`${label}: no answer: ${res.message}`);
        break;
      }
      const text = await res.text();
      const problem = judge(res.status, text, stream);
      const outcome = problem === null ? outcomeOf(res.status, text) : "bad";
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      if (problem) failures.push(`${label}: ${problem}`);
      if (failures.length >= 10) break;
    }
    t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
    assert.deepEqual(failures, [], `Faro's log ends:\n${served.stderr().slice(-3000)}`);
    assert.doesNotMatch(served.stderr(), /unexpected error|Unhandled|uncaught/i);
  });
});

function outcomeOf(status: number, text: string): string {
  if (status !== 200) return String(status);
  return text.startsWith("data: ") || text.includes("\n\ndata: ") ? (text.includes("event: error") ? "stream, error event" : "stream, [DONE]") : "200 whole";
}

/** Null when the client got something well-formed, else what is wrong with it. */
function judge(status: number, text: string, stream: boolean): string | null {
  if (status >= 400) {
    let body: { error?: { message?: unknown; code?: unknown } };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return `${status} whose body is not JSON: ${text.slice(0, 160)}`;
    }
    if (typeof body.error?.message !== "string") return `${status} not in OpenAI's error shape: ${text.slice(0, 200)}`;
    if (body.error.code === "internal_error") return `internal error: ${text.slice(0, 200)}`;
    return null;
  }
  if (!stream) {
    let body: { object?: unknown; choices?: Array<{ message?: { role?: unknown; content?: unknown; tool_calls?: unknown } }> };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return `200 whose body is not JSON: ${text.slice(0, 160)}`;
    }
    if (body.object !== "chat.completion" || !Array.isArray(body.choices)) return `200 that is not a chat completion: ${text.slice(0, 200)}`;
    if (body.choices.length === 0) return null; // nothing to say, said in the right shape
    const m = body.choices[0]?.message;
    if (m?.role !== "assistant") return `200 whose choice has no assistant message: ${text.slice(0, 200)}`;
    if (m.content !== null && typeof m.content !== "string") return `content neither text nor null: ${text.slice(0, 200)}`;
    if (m.tool_calls !== undefined && !Array.isArray(m.tool_calls)) return `tool_calls not a list: ${text.slice(0, 200)}`;
    return null;
  }
  const data = text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6));
  for (const d of data.slice(0, -1)) {
    try {
      const chunk = JSON.parse(d) as { object?: unknown; error?: unknown };
      if (chunk.object !== "chat.completion.chunk" && !chunk.error) return `an event that is not a chunk: ${d.slice(0, 200)}`;
    } catch {
      return `an event that is not JSON: ${d.slice(0, 200)}`;
    }
  }
  const last = data.at(-1) ?? "";
  if (last === "[DONE]") return null;
  try {
    return typeof (JSON.parse(last) as { error?: { message?: unknown } }).error?.message === "string" ? null : `stream ended without [DONE] or an error: ${last.slice(0, 200)}`;
  } catch {
    return `stream ended on a broken event: ${last.slice(0, 200)}`;
  }
}
