/**
 * Prompt tools end to end: `tools:` resolved against `faro.tools` and sent as OpenAI `tools`
 * (the exact payload, seen by the mock OpenAI upstream), tool calls answered by the tiny local
 * model (its tool grammar forces a call), over POST /v1/prompts/{id}/completions with the
 * official openai SDK, over `faro run`, and over LSP faro/prompt/run; bad tools are 400s.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import OpenAI from "openai";
import type { ChatCompletion } from "openai/resources/chat/completions";
import { openDatabase } from "../../server/store/db";
import { PromptVersionStore } from "../../server/store/promptVersions";
import type { PromptRunEvent, PromptRunStarted } from "../../server/protocol";
import { startOpenAIMock } from "../fixtures/mocks/openai";
import type { MockServer } from "../fixtures/mocks/mockServer";
import { startLsp } from "../fixtures/lspClient";
import { writeTinyModel } from "../fixtures/models";
import { CLI, serve, tempDir, type Served } from "../fixtures/serve";

const KEY = "test-key";
const TOOLS = [
  "tools: [get_weather, convert]",
  "faro.tools:",
  "  get_weather:",
  "    description: The weather now in a city",
  "    parameters:",
  "      city: string, the city's name",
  "      unit?(enum): [celsius, fahrenheit]",
  "  convert:",
  "    parameters:",
  "      type: object",
  "      properties:",
  "        amount: { type: number }",
  "      required: [amount]",
].join("\n");
// `required`: the local engine then forces a call with its tool grammar (under `auto` the random tiny model writes text).
const prompt = (model: string) => `---\nmodel: ${model}\nconfig:\n  temperature: 0\n  maxOutputTokens: 400\n  toolChoice: required\n${TOOLS}\n---\nWhat is the weather in Oslo?\n`;

let mock: MockServer;
let faro: Served;
let client: OpenAI;
let models: string;

before(async () => {
  mock = await startOpenAIMock({ apiKey: KEY });
  models = await tempDir("faro-models-");
  await writeTinyModel(models, { name: "tiny-model" });
  const home = await tempDir();
  await writeFile(join(home, "config.json"), JSON.stringify({ aliases: { "mock-gpt": { provider: "openai", custom_host: mock.url, api_key: KEY, override_params: { model: "gpt-4o-mini" } } } }));
  const db = openDatabase(join(home, "faro.db"));
  const store = new PromptVersionStore(db);
  store.record("cloud", prompt("mock-gpt"));
  store.record("local", prompt("tiny-model"));
  store.record("broken", prompt("tiny-model").replace("tools: [get_weather, convert]", "tools: [get_wether]"));
  db.close();
  faro = await serve(["--models-dir", models, "--threads", "1"], {}, home);
  client = new OpenAI({ baseURL: faro.baseURL, apiKey: "unused", maxRetries: 0 });
});

after(async () => {
  assert.equal(await faro.stop(), 0, faro.stderr());
  await mock.close();
});

const expectedTools = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "The weather now in a city",
      parameters: {
        type: "object",
        properties: { city: { type: "string", description: "the city's name" }, unit: { enum: ["celsius", "fahrenheit", null] } },
        required: ["city"],
        additionalProperties: false,
      },
    },
  },
  { type: "function", function: { name: "convert", parameters: { type: "object", properties: { amount: { type: "number" } }, required: ["amount"] } } },
];

test("a cloud prompt sends its tools as OpenAI tools, exactly; the tool call comes back in the SDK's shape", async () => {
  mock.replyNext({ toolCalls: [{ name: "get_weather", arguments: { city: "Oslo" } }] });
  const before = mock.requests.length;
  const r = await client.post<ChatCompletion>("/prompts/cloud/completions", { body: {} });
  const sent = mock.requests.slice(before).find((q) => q.path.endsWith("/chat/completions"));
  assert.ok(sent, "the upstream got the chat request");
  assert.deepEqual((sent.body as { tools: unknown }).tools, expectedTools);
  assert.equal((sent.body as { tool_choice: unknown }).tool_choice, "required");
  const call = r.choices[0]?.message.tool_calls?.[0];
  assert.equal(r.choices[0]?.finish_reason, "tool_calls");
  assert.equal(call?.type === "function" ? call.function.name : null, "get_weather");
  assert.deepEqual(JSON.parse(call?.type === "function" ? call.function.arguments : "null"), { city: "Oslo" });
});

test("the tiny local model answers a prompt with tools with a tool call", async () => {
  const r = await client.post<ChatCompletion>("/prompts/local/completions", { body: {} });
  const calls = r.choices[0]?.message.tool_calls ?? [];
  assert.ok(calls.length > 0, JSON.stringify(r.choices[0]));
  for (const c of calls) {
    assert.equal(c.type, "function");
    if (c.type !== "function") continue;
    assert.ok(["get_weather", "convert"].includes(c.function.name), c.function.name);
    assert.equal(typeof JSON.parse(c.function.arguments), "object");
  }
});

test("a prompt listing an undefined tool is refused with a 400 that says where", async () => {
  await assert.rejects(client.post("/prompts/broken/completions", { body: {} }), (err: InstanceType<typeof OpenAI.APIError>) => {
    assert.equal(err.status, 400);
    assert.equal(err.code, "invalid_prompt");
    assert.match(err.message, /invalid tool at line 7, column 9: The tool 'get_wether' has no definition in faro.tools.*Did you mean 'get_weather'\?/);
    return true;
  });
});

test("faro run prints the tool calls of the answer", async () => {
  const ws = await tempDir("faro-ws-");
  await writeFile(join(ws, "weather.prompt"), prompt("tiny-model"));
  const r = spawnSync(process.execPath, [CLI, "run", "weather.prompt", "--home", await tempDir(), "--models-dir", models, "--threads", "1"], { cwd: ws, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^tool call (get_weather|convert) \(\S+\): \{.*\}$/m);
  assert.match(r.stderr, /finish: tool_calls/);
});

test("faro/prompt/run reports the tool calls in its done event", async () => {
  const ws = await tempDir("faro-ws-");
  const lsp = await startLsp({ home: await tempDir(), modelsDirs: [models], engine: { threads: 1 } }, ws);
  try {
    const uri = await lsp.open(join(ws, "weather.prompt"), prompt("tiny-model"));
    const started = await lsp.conn.sendRequest<PromptRunStarted>("faro/prompt/run", { uri });
    let done: PromptRunEvent | undefined;
    for (let i = 0; i < 1500 && !done; i++) {
      done = lsp.notifications.map((n) => n.params as PromptRunEvent).find((e) => e.runId === started.runId && e.type !== "text");
      if (!done) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(done?.type, "done", JSON.stringify(done));
    if (done?.type !== "done") return;
    assert.equal(done.finishReason, "tool_calls");
    assert.ok(done.toolCalls.length > 0);
    assert.ok(done.toolCalls.every((c) => ["get_weather", "convert"].includes(c.name) && typeof JSON.parse(c.arguments) === "object" && c.id.length > 0), JSON.stringify(done.toolCalls));
  } finally {
    assert.equal(await lsp.stop(), 0, lsp.stderr());
  }
});
