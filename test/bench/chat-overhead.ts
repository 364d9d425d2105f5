/**
 * What Faro's HTTP + gateway path costs over calling node-llama-cpp directly, on the same
 * model, prompt, seed and token budget, measured in one run:
 *   node --import tsx test/bench/chat-overhead.ts [--size tiny|small] [--runs N] [--tokens N]
 * "small" is a 512-wide, 8-layer Q8_0 model (~28 MB), closer to real per-token costs.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { writeRandomLlamaModel, CHATML_TEMPLATE } from "../../server/engine/gguf/llamaModel";
import { chooseThreads } from "../../server/engine/threads";
import { serve, tempDir } from "../fixtures/serve";

const { values } = parseArgs({ options: { size: { type: "string", default: "tiny" }, runs: { type: "string", default: "20" }, tokens: { type: "string", default: "64" } } });
const runs = Number(values.runs);
const maxTokens = Number(values.tokens);
const small = values.size === "small";

interface Sample { totalMs: number; ttftMs: number; tokens: number }

async function main() {
  const { getLlama, LlamaChat } = await import("node-llama-cpp"); // ESM-only
  const dir = await tempDir("faro-bench-");
  const name = small ? "bench-small" : "bench-tiny";
  const path = join(dir, `${name}.gguf`);
  const shape = small
    ? { embeddingLength: 512, blockCount: 8, headCount: 8, headCountKv: 8, feedForwardLength: 1536, tensorType: "Q8_0" as const }
    : { embeddingLength: 64, blockCount: 2, headCount: 4, headCountKv: 4, feedForwardLength: 128, tensorType: "F32" as const };
  await writeRandomLlamaModel(path, { name, contextLength: 2048, seed: 5, chatTemplate: CHATML_TEMPLATE, ...shape });
  const { size } = await import("node:fs").then((fs) => fs.statSync(path));
  const threads = chooseThreads({ embeddingLength: shape.embeddingLength, sizeBytes: size });
  const messages = [{ role: "user" as const, content: "Tell me about lighthouses" }];

  // Baseline: node-llama-cpp in this process, the same context settings Faro uses.
  const llama = await getLlama({ gpu: false, build: "never" });
  const model = await llama.loadModel({ modelPath: path });
  const context = await model.createContext({ sequences: 4, contextSize: { max: 2048 }, threads });
  const sequence = context.getSequence();
  const direct: Sample[] = [];
  for (let i = -2; i < runs; i++) {
    const chat = new LlamaChat({ contextSequence: sequence, autoDisposeSequence: false });
    const start = performance.now();
    let ttft = 0;
    const before = sequence.tokenMeter.usedOutputTokens;
    await chat.generateResponse([{ type: "user", text: messages[0]!.content }], {
      maxTokens, temperature: 1, topP: 1, topK: 0, seed: i + 100, repeatPenalty: false,
      onTextChunk: () => { ttft ||= performance.now() - start; },
    });
    if (i >= 0) direct.push({ totalMs: performance.now() - start, ttftMs: ttft, tokens: sequence.tokenMeter.usedOutputTokens - before });
    chat.dispose({ disposeSequence: false });
  }
  await context.dispose();
  await model.dispose();
  await llama.dispose();

  // Faro: the built CLI on loopback, streaming over HTTP, same settings.
  const server = await serve(["--models-dir", dir, "--gpu", "cpu"]);
  const viaFaro: Sample[] = [];
  try {
    for (let i = -2; i < runs; i++) {
      const start = performance.now();
      const res = await fetch(`${server.baseURL}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: name, messages, max_tokens: maxTokens, seed: i + 100, stream: true, stream_options: { include_usage: true } }),
      });
      let ttft = 0;
      let tokens = 0;
      const decoder = new TextDecoder();
      let buf = "";
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        if (!ttft && buf.includes('"content":"') && /"content":"[^"]/.test(buf)) ttft = performance.now() - start;
        const m = buf.match(/"completion_tokens":(\d+)/);
        if (m) tokens = Number(m[1]);
      }
      if (i >= 0) viaFaro.push({ totalMs: performance.now() - start, ttftMs: ttft, tokens });
    }
  } finally {
    await server.stop();
  }

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const row = (label: string, s: Sample[]) => {
    const total = mean(s.map((x) => x.totalMs));
    const tps = mean(s.map((x) => (x.tokens / x.totalMs) * 1000));
    return { label, total, ttft: mean(s.map((x) => x.ttftMs)), tokens: mean(s.map((x) => x.tokens)), tps };
  };
  const a = row("node-llama-cpp direct", direct);
  const b = row("Faro HTTP stream", viaFaro);
  console.log(`\nmodel ${name} (${(size / 1e6).toFixed(1)} MB, ${threads} thread(s)), ${runs} runs of up to ${maxTokens} tokens, CPU\n`);
  console.log("| path | mean total ms | mean TTFT ms | mean tokens | tokens/s |");
  console.log("|---|---|---|---|---|");
  for (const r of [a, b]) console.log(`| ${r.label} | ${r.total.toFixed(1)} | ${r.ttft.toFixed(1)} | ${r.tokens.toFixed(1)} | ${r.tps.toFixed(0)} |`);
  console.log(`\nratio Faro / direct: total ${(b.total / a.total).toFixed(2)}x, TTFT ${(b.ttft / a.ttft).toFixed(2)}x, tokens/s ${(b.tps / a.tps).toFixed(2)}x`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
