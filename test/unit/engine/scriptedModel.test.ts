/**
 * The scripted model fixture, checked with node-llama-cpp directly: greedy decoding writes the
 * script with the probabilities the weights were built for, a prompt ending inside the script
 * continues it, and its template resolves to a chat wrapper that turns `<think>` into thoughts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Token } from "node-llama-cpp";
import { DEFAULT_SCRIPT, SCRIPT_MARGIN, writeScriptedModel } from "../../fixtures/scriptedModel";

test("the scripted model writes its script at temperature 0, thoughts first, then stops", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "faro-scripted-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { path, scriptIds, vocabulary } = await writeScriptedModel(dir);
  assert.deepEqual(scriptIds.map((id) => vocabulary.tokens[id]), DEFAULT_SCRIPT);

  const { getLlama, LlamaChat, resolveChatWrapper } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false });
  const model = await llama.loadModel({ modelPath: path });
  const context = await model.createContext({ contextSize: 256, threads: 1 });
  t.after(async () => {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  });
  const sequence = context.getSequence();

  // Raw decoding: any prompt is followed by the whole script, each token with p ~ 1 and the
  // runner-up at logit -MARGIN relative to it; the script's end is EOS, where evaluation stops.
  const generated: { token: Token; confidence: number; runnerUp: number }[] = [];
  for await (const out of sequence.evaluateWithMetadata(model.tokenize("hello there", false), { probabilities: true, confidence: true }, { temperature: 0 })) {
    const [first, second] = [...out.probabilities.entries()];
    assert.equal(first![0], out.token);
    generated.push({ token: out.token, confidence: out.confidence, runnerUp: second![1] });
    if (generated.length > DEFAULT_SCRIPT.length + 2) break;
  }
  assert.deepEqual(generated.map((g) => g.token), scriptIds);
  const V = vocabulary.tokens.length;
  for (const g of generated) {
    assert.ok(Math.abs(Math.log(g.confidence)) < 1e-6, `top token's logprob ${Math.log(g.confidence)} is ~0`);
    // p(runner-up) = e^-M / (1 + (V-1) e^-M)
    assert.ok(Math.abs(Math.log(g.runnerUp) + SCRIPT_MARGIN) < 0.01, `runner-up logprob ${Math.log(g.runnerUp)} ~ -${SCRIPT_MARGIN}`);
  }
  assert.ok(V > 300);

  // A prompt that ends inside the script continues it from there.
  await sequence.clearHistory();
  const rest: Token[] = [];
  for await (const token of sequence.evaluate(model.tokenize("Say: The answer", false), { temperature: 0 })) rest.push(token);
  assert.deepEqual(rest, scriptIds.slice(DEFAULT_SCRIPT.indexOf("▁is")));

  // Chat: the template resolves to a wrapper with a <think> thought segment, which LlamaChat
  // reports as a segment before the answer.
  await sequence.clearHistory();
  const wrapper = resolveChatWrapper(model);
  assert.equal(wrapper.wrapperName, "JinjaTemplate");
  const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: wrapper });
  let thought = "";
  let answer = "";
  const result = await chat.generateResponse([{ type: "user", text: "What is the answer?" }], {
    temperature: 0,
    onResponseChunk: (c) => {
      if (c.type === "segment" && c.segmentType === "thought") thought += c.text;
      else answer += c.text;
    },
  });
  chat.dispose({ disposeSequence: false });
  assert.equal(thought, "Let me think");
  assert.equal(answer, "The answer is 42.");
  assert.equal(result.response, "The answer is 42.");
  assert.equal(result.metadata.stopReason, "eogToken");
});
