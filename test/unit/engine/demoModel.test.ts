/**
 * The demo model: written once, rewritten when damaged, and a real model for node-llama-cpp
 * (loads, tokenizes, chats through ChatML); a template-less model falls back to another wrapper.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, open, readFile, rm, stat, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Llama, LlamaContext, LlamaModel } from "node-llama-cpp";
import { DEMO_MODEL_ID, DEMO_MODEL_NOTICE, DEMO_MODEL_OPTIONS, ensureDemoModel } from "../../../server/engine/demoModel";
import { CHATML_TEMPLATE, llamaParameterCount } from "../../../server/engine/gguf/llamaModel";
import { writeTinyModel } from "../../fixtures/models";

type TestContext = { after: (fn: () => Promise<void>) => void; diagnostic: (message: string) => void };

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "faro-demo-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Loads `path` on the CPU with one thread (tiny models are ~70x slower with two) and disposes all after the test. */
async function load(t: TestContext, path: string): Promise<{ llama: Llama; model: LlamaModel; context: LlamaContext }> {
  const { getLlama } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false });
  const model = await llama.loadModel({ modelPath: path });
  const context = await model.createContext({ contextSize: 512, threads: 1 });
  t.after(async () => {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  });
  return { llama, model, context };
}

test("ensureDemoModel writes the file once, reuses it, and rewrites a damaged one", async (t) => {
  const home = await tempDir(t);
  const first = await ensureDemoModel(home);
  assert.deepEqual(first, { path: join(home, "models", "faro-demo.gguf"), created: true });
  const bytes = await readFile(first.path);
  assert.ok(bytes.length > 400_000 && bytes.length < 800_000, `about half a megabyte, got ${bytes.length}`);
  const { mtimeMs } = await stat(first.path);

  assert.deepEqual(await ensureDemoModel(home), { path: first.path, created: false });
  assert.equal((await stat(first.path)).mtimeMs, mtimeMs, "an intact file is not rewritten");

  await truncate(first.path, 1000);
  assert.equal((await ensureDemoModel(home)).created, true, "a truncated file is rewritten");
  assert.ok((await readFile(first.path)).equals(bytes), "and rewritten identically (fixed seed)");

  const fh = await open(first.path, "r+");
  await fh.write(Buffer.from("X"), 0, 1, 100); // same size, different header
  await fh.close();
  assert.equal((await ensureDemoModel(home)).created, true, "a file with a wrong header is rewritten");
  assert.ok((await readFile(first.path)).equals(bytes));

  assert.equal(DEMO_MODEL_ID, "faro-demo");
  assert.match(DEMO_MODEL_NOTICE, /random/);
  assert.match(DEMO_MODEL_NOTICE, /--models-dir DIR/);
  assert.match(DEMO_MODEL_NOTICE, /FARO_MODELS_DIR/);
});

test("the demo model is a llama GGUF that node-llama-cpp loads and chats with through ChatML", async (t) => {
  const { path } = await ensureDemoModel(await tempDir(t));
  const { readGgufFileInfo, LlamaChat, ChatMLChatWrapper, resolveChatWrapper } = await import("node-llama-cpp");

  const info = await readGgufFileInfo(path, { logWarnings: false });
  assert.equal(info.metadata.general.architecture, "llama");
  assert.equal(info.metadata.general.name, "faro-demo");
  assert.equal(info.metadata.tokenizer.chat_template, CHATML_TEMPLATE);
  assert.equal(info.architectureMetadata.embedding_length, 64);
  assert.equal(info.architectureMetadata.block_count, 2);
  const params = (info.tensorInfo ?? []).reduce((sum, ti) => sum + ti.dimensions.reduce<number>((a, d) => a * Number(d), 1), 0);
  assert.equal(params, llamaParameterCount(DEMO_MODEL_OPTIONS));

  const { model, context } = await load(t, path);
  // Whole words come out as single pieces; unknown characters fall back to bytes and round-trip.
  assert.equal(model.tokenize("hello world").length, 2);
  assert.equal(model.detokenize(model.tokenize("Grüße, 世界!")), "Grüße, 世界!");
  assert.equal(model.tokenize("<|im_start|>", true).length, 1, "ChatML markers are single control tokens");

  assert.ok(resolveChatWrapper(model) instanceof ChatMLChatWrapper);
  const chat = new LlamaChat({ contextSequence: context.getSequence() });
  assert.ok(chat.chatWrapper instanceof ChatMLChatWrapper, `got ${chat.chatWrapper.wrapperName}`);

  const started = performance.now();
  const result = await chat.generateResponse([{ type: "user", text: "Say hello" }], { maxTokens: 16 });
  const ms = performance.now() - started;
  assert.equal(typeof result.response, "string");
  assert.ok(result.response.length > 0, "random weights still produce text");
  assert.ok(["maxTokens", "eogToken", "stopGenerationTrigger"].includes(result.metadata.stopReason), result.metadata.stopReason);
  t.diagnostic(`16 tokens in ${ms.toFixed(1)} ms: ${JSON.stringify(result.response)}`);
});

test("a model written without a chat template falls back to a non-ChatML wrapper", async (t) => {
  const dir = await tempDir(t);
  const plain = await writeTinyModel(dir, { chatTemplate: false, name: "plain" });
  const { readGgufFileInfo, resolveChatWrapper, ChatMLChatWrapper, Llama2ChatWrapper, LlamaChat } = await import("node-llama-cpp");

  const info = await readGgufFileInfo(plain, { logWarnings: false });
  assert.equal(info.metadata.general.architecture, "llama");
  assert.equal(info.metadata.tokenizer.chat_template, undefined);

  const { model, context } = await load(t, plain);
  const wrapper = resolveChatWrapper(model);
  // With no template, node-llama-cpp guesses from the BOS text: "<s>" prefixes "<s>[INST]", so Llama 2.
  assert.ok(wrapper instanceof Llama2ChatWrapper, `got ${wrapper?.wrapperName}`);
  assert.ok(!(wrapper instanceof ChatMLChatWrapper));
  // Without the ChatML tokens the markers are ordinary text, not one control token.
  assert.ok(model.tokenize("<|im_start|>", true).length > 1);

  const chat = new LlamaChat({ contextSequence: context.getSequence() });
  assert.ok(chat.chatWrapper instanceof Llama2ChatWrapper, `got ${chat.chatWrapper.wrapperName}`);
  const result = await chat.generateResponse([{ type: "user", text: "hello" }], { maxTokens: 16 });
  assert.ok(result.response.length > 0);
});
