/**
 * Bad input over HTTP, generated: valid requests to every API route (OpenAI, Anthropic and Gemini
 * mocks behind routing configs, and a tiny local model), mutated at random — a field removed or
 * given a value of another type, a message or a tool broken, the body cut short or not JSON, a
 * routing header garbled, the method or path wrong. Whatever arrives, Faro must answer in
 * OpenAI's error shape (or, for a stream already started, end it with an error event) and never
 * with its "internal_error" 500, nor log an error it cannot explain; and it must still be serving
 * afterwards. The generator is seeded (FARO_FUZZ_SEED; FARO_FUZZ_CASES to run more), so a
 * failure names its seed and case and can be replayed.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { serveWithClient } from "../fixtures/serveFixture";
import type { Served } from "../fixtures/serve";
import { startOpenAIMock } from "../fixtures/mocks/openai";
import { startAnthropicMock } from "../fixtures/mocks/anthropic";
import { startGeminiMock } from "../fixtures/mocks/gemini";
import type { MockServer } from "../fixtures/mocks/mockServer";
import { pick, seededRandom } from "../fixtures/random";

const SEED = Number(process.env.FARO_FUZZ_SEED ?? 20261122);
const CASES = Number(process.env.FARO_FUZZ_CASES ?? 600);
const KEY = "fuzz-key";

interface Case {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | null;
  /** What was done to the valid request, for the failure message. */
  what: string;
}

let served: Served;
const mocks: MockServer[] = [];

describe("bad input over HTTP (seeded fuzz)", () => {
  let configs: Record<string, unknown>;

  before(async () => {
    const openai = await startOpenAIMock({ apiKey: KEY, record: false });
    const anthropic = await startAnthropicMock({ apiKey: KEY, record: false });
    const gemini = await startGeminiMock({ apiKey: KEY, record: false });
    mocks.push(openai, anthropic, gemini);
    configs = {
      openai: { provider: "openai", api_key: KEY, custom_host: openai.url },
      anthropic: { provider: "anthropic", api_key: KEY, custom_host: anthropic.url },
      gemini: { provider: "google", api_key: KEY, custom_host: gemini.url },
      fallback: {
        strategy: { mode: "fallback", on_status_codes: [429, 503] },
        targets: [
          { provider: "anthropic", api_key: KEY, custom_host: anthropic.url, retry: { attempts: 1 } },
          { provider: "openai", api_key: KEY, custom_host: openai.url },
        ],
      },
      loadbalance: {
        strategy: { mode: "loadbalance" },
        targets: [
          { provider: "openai", api_key: KEY, custom_host: openai.url, weight: 1 },
          { provider: "google", api_key: KEY, custom_host: gemini.url, weight: 1 },
        ],
      },
      conditional: {
        strategy: { mode: "conditional", conditions: [{ query: { "metadata.tier": { $eq: "pro" } }, then: "a" }], default: "b" },
        targets: [
          { name: "a", provider: "openai", api_key: KEY, custom_host: openai.url },
          { name: "b", provider: "anthropic", api_key: KEY, custom_host: anthropic.url },
        ],
      },
    };
    ({ server: served } = await serveWithClient({ models: [{ name: "fuzz-local" }] }));
  });

  after(async () => {
    assert.equal(await served.stop(), 0);
    for (const m of mocks) await m.close();
  });

  test(`${CASES} mutated requests: every answer is a well-formed success or error, none an internal error`, { timeout: 600_000 }, async (t) => {
    const rand = seededRandom(SEED);
    const failures: string[] = [];
    const statuses = new Map<string, number>();
    for (let i = 0; i < CASES; i++) {
      const c = mutate(validCase(rand, configs), rand);
      // Some requests also meet a failing provider, or a client that gives up midway.
      const failure = rand() < 0.2 ? pick(rand, FAILURES) : null;
      if (failure) {
        for (const m of mocks) m.failNext(failure);
        c.what += `; providers fail ${JSON.stringify(failure)}`;
      }
      const abortAfterMs = rand() < 0.08 ? Math.floor(rand() * 30) : null;
      if (abortAfterMs !== null) c.what += `; client leaves after ${abortAfterMs} ms`;
      // Audio and image answers are relayed byte for byte, broken ones too: the client gets what
      // the provider sent (cut off, or not JSON), so only Faro's own part is judged.
      const relayedBreak = failure !== null && ("disconnectAfterChunks" in failure || "malformedChunkAt" in failure) && /^\/v1\/(audio|images)\//.test(c.path);
      const { problem, status } = await check(c, abortAfterMs, relayedBreak);
      if (failure) for (const m of mocks) m.reset();
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (problem) failures.push(`case ${i} (seed ${SEED}) ${c.method} ${c.path} [${c.what}]: ${problem}`);
      if (status === "none") await new Promise((r) => setTimeout(r, 200)); // time for an exit to be seen
      if (served.proc.exitCode !== null) {
        failures.push(`Faro exited with ${served.proc.exitCode} at case ${i}`);
        break;
      }
      if (failures.length >= 10) break;
    }
    t.diagnostic(`answers by status: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    const health = await fetch(`${served.origin}/health`).then((r) => r.status, (err: Error) => err.message);
    if (health !== 200) failures.push(`/health after the cases: ${health}`);
    assert.deepEqual(failures, [], `Faro's log ends:\n${served.stderr().slice(-3000)}`);
    assert.doesNotMatch(served.stderr(), /unexpected error|Unhandled|uncaught/i);
  });
});

/** What a provider may do instead of answering (the mocks' failure modes). */
const FAILURES = [
  { status: 400 },
  { status: 401 },
  { status: 404 },
  { status: 429, retryAfterMs: 5 },
  { status: 500 },
  { status: 503 },
  { status: 529, statusText: "Overloaded" },
  { disconnectAfterChunks: 1 },
  { malformedChunkAt: 1 },
  { malformedChunkAt: 0 },
  { streamErrorAfterChunks: 1 },
  { headerDelayMs: 20 },
] as const;

function validCase(rand: () => number, configs: Record<string, unknown>): Case {
  const route = pick(rand, ["chat", "chat", "chat", "stream", "stream", "completion", "embeddings", "local", "images", "speech", "transcription", "logs", "models"] as const);
  const config = pick(rand, Object.keys(configs));
  const headers: Record<string, string> = { "content-type": "application/json", "x-portkey-config": JSON.stringify(configs[config]) };
  const messages = [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Say hello to Ada." },
  ];
  const tools = [{ type: "function", function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }];
  switch (route) {
    case "chat":
      return { method: "POST", path: "/v1/chat/completions", headers, body: JSON.stringify({ model: "gpt-4o-mini", messages, max_tokens: 16, ...(rand() < 0.3 ? { tools } : {}) }), what: `chat via ${config}` };
    case "stream":
      return { method: "POST", path: "/v1/chat/completions", headers, body: JSON.stringify({ model: "gpt-4o-mini", messages, stream: true, stream_options: { include_usage: true } }), what: `stream via ${config}` };
    case "completion":
      return { method: "POST", path: "/v1/completions", headers, body: JSON.stringify({ model: "gpt-3.5-turbo-instruct", prompt: "Once upon", max_tokens: 8 }), what: `completion via ${config}` };
    case "embeddings":
      return { method: "POST", path: "/v1/embeddings", headers, body: JSON.stringify({ model: "text-embedding-3-small", input: ["one", "two"] }), what: `embeddings via ${config}` };
    case "local":
      return { method: "POST", path: "/v1/chat/completions", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "fuzz-local", messages, max_tokens: 4, stream: rand() < 0.5 }), what: "local" };
    case "images":
      return { method: "POST", path: "/v1/images/generations", headers, body: JSON.stringify({ model: "dall-e-3", prompt: "a lighthouse", n: 1 }), what: `images via ${config}` };
    case "speech":
      return { method: "POST", path: "/v1/audio/speech", headers, body: JSON.stringify({ model: "tts-1", input: "hello", voice: "alloy" }), what: `speech via ${config}` };
    case "transcription": {
      // A multipart upload, cut or garbled as text (body mutations treat it as not JSON).
      const boundary = pick(rand, ["faro-fuzz", "x", "a\"b", ""]);
      const parts = [
        `--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n`,
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\nRIFF....WAVE\r\n`,
        `--${boundary}--\r\n`,
      ];
      const body = pick(rand, [parts.join(""), parts.slice(1).join(""), parts.join("").slice(0, Math.floor(rand() * 150)), parts.join("").replaceAll("\r\n", "\n"), parts[0]! + parts[0]!]);
      const contentType = pick(rand, [`multipart/form-data; boundary=${boundary}`, `multipart/form-data; boundary="${boundary}"`, "multipart/form-data", "application/json"]);
      return { method: "POST", path: pick(rand, ["/v1/audio/transcriptions", "/v1/audio/translations"]), headers: { ...headers, "content-type": contentType }, body, what: `transcription via ${config}, ${contentType}` };
    }
    case "logs":
      return { method: "GET", path: `/v1/logs?limit=${pick(rand, ["5", "0", "-1", "abc", "100000"])}&model=${pick(rand, ["x", "%ZZ", ""])}`, headers: {}, body: null, what: "logs" };
    case "models":
      return { method: "GET", path: "/v1/models", headers, body: null, what: `models via ${config}` };
  }
}

/** Values of every JSON type, and the edges of each. */
function oddValue(rand: () => number): unknown {
  return pick<unknown>(rand, [
    null,
    true,
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    "",
    "x",
    "x".repeat(5000),
    "\u0000\ud800",
    [],
    [null],
    [1, "a", {}],
    {},
    { a: { b: { c: [] } } },
    // Own keys named __proto__ and constructor, as JSON.parse makes them.
    JSON.parse('{"__proto__": {"polluted": true}}'),
    JSON.parse('{"constructor": {"prototype": {"polluted": true}}}'),
  ]);
}

type Json = Record<string, unknown>;

function mutate(c: Case, rand: () => number): Case {
  const kind = rand();
  if (kind < 0.08) return { ...c, what: `${c.what}; method PATCH`, method: pick(rand, ["PATCH", "DELETE", "PUT", "GET", "POST"]) };
  if (kind < 0.14) return { ...c, what: `${c.what}; path garbled`, path: pick(rand, ["/v1/chat/completions/", "/v1//chat/completions", "/v1/chat/completions?x=%", "/v1/%2e%2e/logs", "/v1/logs/%00", "/v1/logs/" + "a".repeat(3000), "/v1/queue/nope", "/v2/chat/completions"]) };
  if (kind < 0.24) return mutateHeader(c, rand);
  if (c.body === null) return mutateHeader(c, rand);
  if (kind < 0.34) {
    const cut = pick(rand, [c.body.slice(0, Math.floor(rand() * c.body.length)), "", "null", "[]", "42", '"text"', "{", "\ufeff" + c.body, c.body + "}", c.body.replace(/"/, "'")]);
    return { ...c, body: cut, what: `${c.what}; body not a JSON object: ${JSON.stringify(cut.slice(0, 40))}` };
  }
  if (c.path.startsWith("/v1/audio/transcriptions") || c.path.startsWith("/v1/audio/translations")) {
    return { ...c, body: c.body.slice(0, Math.floor(rand() * c.body.length)), what: `${c.what}; body cut` };
  }
  const body = JSON.parse(c.body) as Json;
  const what = mutateJson(body, rand);
  return { ...c, body: JSON.stringify(body), what: `${c.what}; ${what}` };
}

function mutateHeader(c: Case, rand: () => number): Case {
  const h = { ...c.headers };
  const name = pick(rand, ["x-portkey-config", "x-faro-config", "x-portkey-metadata", "x-portkey-retry-count", "x-portkey-request-timeout", "x-portkey-provider", "x-portkey-custom-host", "x-portkey-trace-id", "content-type", "authorization", "x-portkey-cache-force-refresh"]);
  const value = pick(rand, [
    "",
    "{",
    "[]",
    "null",
    "-1",
    "1e9",
    "abc",
    "{}",
    '{"strategy":{"mode":"nope"}}',
    '{"strategy":{"mode":"fallback"},"targets":[]}',
    '{"strategy":{"mode":"loadbalance"},"targets":[{"provider":"openai","weight":-1}]}',
    '{"strategy":{"mode":"conditional","conditions":[{"query":{"x":{"$regex":"("}},"then":"a"}]},"targets":[{"name":"a","provider":"openai"}]}',
    '{"strategy":{"mode":"conditional","conditions":[{"query":{"$and":{}},"then":"zz"}]},"targets":[]}',
    '{"provider":"openai","custom_host":"http://169.254.169.254/"}',
    '{"provider":"nope"}',
    '{"retry":{"attempts":1e9}}',
    '{"request_timeout":-5}',
    '{"tier":"pro"}',
    '{"a":' + "[".repeat(2000) + "]".repeat(2000) + "}",
    "text/plain",
    "application/json; charset=latin1",
    "multipart/form-data; boundary=x",
    "Bearer " + "k".repeat(9000),
    "http://example.com",
    "ftp://127.0.0.1/x",
  ]);
  h[name] = value;
  return { ...c, headers: h, what: `${c.what}; ${name}: ${value.slice(0, 60)}` };
}

/** One random change somewhere in the body (top level, a message, a part, a tool); returns what. */
function mutateJson(body: Json, rand: () => number): string {
  const targets: Array<[Json, string]> = [[body, "body"]];
  if (Array.isArray(body.messages)) {
    (body.messages as Json[]).forEach((m, i) => targets.push([m, `messages[${i}]`]));
    if (rand() < 0.2) (body.messages as unknown[]).push(pick(rand, [{ role: "tool", content: "x" }, { role: "assistant", tool_calls: [{ id: "1", type: "function", function: { name: "f", arguments: "{" } }] }, { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,%%%" } }] }, { role: "user", content: [{ type: "input_audio", input_audio: { data: "", format: "wav" } }] }, { role: "bogus", content: "x" }, "not an object"]));
  }
  if (Array.isArray(body.tools)) (body.tools as Json[]).forEach((t, i) => targets.push([t, `tools[${i}]`], [t.function as Json, `tools[${i}].function`]));
  const [obj, where] = pick(rand, targets);
  const keys = Object.keys(obj);
  const extra = ["model", "messages", "stream", "stream_options", "n", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "tools", "tool_choice", "response_format", "logprobs", "top_logprobs", "logit_bias", "seed", "metadata", "user", "input", "prompt", "encoding_format", "dimensions", "voice", "response_format", "role", "content", "name", "parameters", "tool_call_id", "cache", "min_p"];
  const key = rand() < 0.5 && keys.length > 0 ? pick(rand, keys) : pick(rand, extra);
  if (rand() < 0.25) {
    delete obj[key];
    return `${where}.${key} removed`;
  }
  const value = oddValue(rand);
  obj[key] = value;
  return `${where}.${key} = ${JSON.stringify(value)?.slice(0, 60)}`;
}

/** Sends the case; `problem` is null when the answer is acceptable, else what is wrong with it. */
async function check(c: Case, abortAfterMs: number | null, relayedBreak: boolean): Promise<{ problem: string | null; status: string }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("no answer in 30 s")), 30_000);
  if (abortAfterMs !== null) setTimeout(() => controller.abort(new Error("client left")), abortAfterMs);
  try {
    const res = await fetch(`${served.origin}${c.path}`, { method: c.method, headers: c.headers, body: c.method === "GET" || c.method === "HEAD" ? null : c.body, signal: controller.signal });
    if (relayedBreak && res.status < 400) {
      await res.arrayBuffer().catch(() => null);
      return { problem: null, status: `${res.status} relayed` };
    }
    const text = await res.text();
    return { problem: judge(res, text), status: String(res.status) };
  } catch (err) {
    const left = controller.signal.reason instanceof Error && controller.signal.reason.message === "client left";
    return { problem: left ? null : `no answer: ${(err as Error).message}`, status: left ? "client left" : "none" };
  } finally {
    clearTimeout(timer);
  }
}

function judge(res: Response, text: string): string | null {
  const type = res.headers.get("content-type") ?? "";
  if (res.status >= 400) {
    let body: { error?: { message?: unknown; type?: unknown; code?: unknown } };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return `${res.status} whose body is not JSON: ${text.slice(0, 120)}`;
    }
    if (typeof body.error?.message !== "string" || typeof body.error.type !== "string") return `${res.status} not in OpenAI's error shape: ${text.slice(0, 200)}`;
    if (body.error.code === "internal_error") return `internal error 500: ${text.slice(0, 200)}`;
    if (res.status >= 500 && res.headers.get("x-faro-error-source") === "faro" && res.status !== 503) return `Faro's own ${res.status}: ${text.slice(0, 200)}`;
    return null;
  }
  if (type.startsWith("text/event-stream")) {
    // Each event's data line (an error event also has an `event: error` line before it).
    const events = text.split("\n\n").flatMap((e) => e.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)));
    if (events.at(-1) === "[DONE]") return null;
    const last = events.at(-1) ?? "";
    try {
      const parsed = JSON.parse(last) as { error?: { message?: unknown } };
      return typeof parsed.error?.message === "string" ? null : `stream ended without [DONE] or an error event: ${last.slice(0, 200)}`;
    } catch {
      return `stream ended on a broken event: ${last.slice(0, 200)}`;
    }
  }
  if (type.startsWith("application/json")) {
    try {
      JSON.parse(text);
    } catch {
      return `${res.status} JSON answer that does not parse: ${text.slice(0, 120)}`;
    }
  }
  return null;
}
