/**
 * npm run bench:engine — the local engine against node-llama-cpp called directly, on a
 * synthetic ~86M-parameter Q8_0 llama written by the project's GGUF writer:
 *   1. single-stream tokens/s through HTTP vs direct (goal >= 97%);
 *   2. aggregate tokens/s at 1/2/4/8 concurrent streams: Faro (batched slots) vs one-at-a-time
 *      serving (--slots 1) vs node-llama-cpp's own N-sequence throughput (goal >= 95%), with how
 *      many sequences Faro's decode batches carried on average (from GET /metrics; N is ideal);
 *   3. TTFT under load, queue wait by priority, and the server's peak memory.
 * Options: --tokens N (per request, default 48), --reps N (default 9: on this shared VM one
 * repetition's tokens/s moves by up to 2x from one second to the next), --verbose (every
 * repetition's figures). BENCH_N=4,8 picks the concurrencies; FARO_BATCH_GATHER reaches the servers.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeRandomLlamaModel, CHATML_TEMPLATE, llamaParameterCount, type LlamaModelOptions } from "../../server/engine/gguf/llamaModel";
import { chooseThreads } from "../../server/engine/threads";
import { countingStrategy } from "../../server/engine/batchGather";
import { serve, tempDir, type Served } from "../fixtures/serve";

const { values } = parseArgs({ options: { tokens: { type: "string", default: "48" }, reps: { type: "string", default: "9" }, verbose: { type: "boolean", default: false } } });
const VERBOSE = values.verbose === true;
const TOKENS = Number(values.tokens);
const REPS = Number(values.reps);
/**
 * A single stream gets three times as many repetitions: each takes under a second, its goal is
 * tight (97% of direct) and one repetition's ratio moves by 10-20% on this shared machine (a
 * median of 9 gave 92.4% and 103.1% in two runs of the same code).
 */
const repsAt = (n: number) => (n === 1 ? 3 * REPS : REPS);
const CONCURRENCY = process.env.BENCH_N ? process.env.BENCH_N.split(",").map(Number) : [1, 2, 4, 8];
const PROMPT = "Tell me about lighthouses and the people who keep them";

const shape: LlamaModelOptions = {
  name: "bench-86m", embeddingLength: 768, blockCount: 12, headCount: 12, headCountKv: 12,
  feedForwardLength: 2048, contextLength: 2048, tensorType: "Q8_0", seed: 11, chatTemplate: CHATML_TEMPLATE,
};

interface Run { tokens: number; ms: number; ttft: number[] }
let END_TOKENS: number[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

/** node-llama-cpp alone: one context with 8 sequences; `once(n, rep)` runs n generations at once. */
async function openDirect(path: string, threads: number) {
  const { getLlama, LlamaChat } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never" });
  const model = await llama.loadModel({ modelPath: path });
  // Its decode batches counted the way Faro's are (one-token steps share the batch alike under
  // this strategy and node-llama-cpp's default), so the table can set the two side by side.
  const batches = { batches: 0, sequences: 0 };
  const context = await model.createContext({ sequences: 8, contextSize: 2048, threads, batching: { itemPrioritizationStrategy: countingStrategy(batches) as never } });
  const sequences = Array.from({ length: 8 }, () => context.getSequence());
  const { resolveChatWrapper, TokenBias } = await import("node-llama-cpp");
  const chatWrapper = resolveChatWrapper(model);
  // End-of-answer tokens are banned (on both paths) so every run makes exactly TOKENS tokens.
  END_TOKENS = [...model.tokenize("</s>", true), ...model.tokenize("<|im_end|>", true)];
  const tokenBias = new TokenBias(model.tokenizer);
  for (const t of END_TOKENS) tokenBias.set(t as Parameters<typeof tokenBias.set>[0], "never");
  const once = async (n: number, rep: number): Promise<Run> => {
    const start = performance.now();
    const ttft: number[] = [];
    const counts = await Promise.all(
      sequences.slice(0, n).map(async (seq, i) => {
        const chat = new LlamaChat({ contextSequence: seq, chatWrapper, autoDisposeSequence: false });
        const before = seq.tokenMeter.usedOutputTokens;
        let first = 0;
        await chat.generateResponse([{ type: "user", text: `${rep}-${i} ${PROMPT}` }], {
          maxTokens: TOKENS, temperature: 1, topP: 1, topK: 0, seed: 1000 * rep + i, repeatPenalty: false, tokenBias,
          onTextChunk: () => { first ||= performance.now() - start; },
        });
        ttft.push(first);
        chat.dispose({ disposeSequence: false });
        return seq.tokenMeter.usedOutputTokens - before;
      }),
    );
    return { tokens: counts.reduce((a, b) => a + b, 0), ms: performance.now() - start, ttft };
  };
  await once(1, 99); // warm-up
  const dispose = async () => {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  };
  return { once, dispose, batches };
}

/** N concurrent streaming requests through Faro's HTTP endpoint, tokens counted from usage. */
async function viaFaro(server: Served, n: number, rep: number, priority?: (i: number) => number): Promise<Run & { waits: Array<{ p: number; ttft: number }> }> {
  const start = performance.now();
  const ttft: number[] = [];
  const waits: Array<{ p: number; ttft: number }> = [];
  const counts = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const p = priority?.(i);
      const res = await fetch(`${server.baseURL}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: shape.name, messages: [{ role: "user", content: `${rep}-${i} ${PROMPT}` }], max_tokens: TOKENS,
          seed: 1000 * rep + i, stream: true, stream_options: { include_usage: true }, ...(p === undefined ? {} : { priority: p }),
          logit_bias: Object.fromEntries(END_TOKENS.map((t) => [String(t), -100])),
        }),
      });
      let first = 0;
      let tokens = 0;
      let buf = "";
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        if (!first && /"content":"[^"]/.test(buf)) first = performance.now() - start;
        const m = buf.match(/"completion_tokens":(\d+)/);
        if (m) tokens = Number(m[1]);
        if (buf.length > 4096) buf = buf.slice(-1024);
      }
      ttft.push(first);
      if (p !== undefined) waits.push({ p, ttft: first });
      return tokens;
    }),
  );
  return { tokens: counts.reduce((a, b) => a + b, 0), ms: performance.now() - start, ttft, waits };
}

/** The server's decode batch counters (GET /metrics). */
async function batchCounters(server: Served): Promise<{ batches: number; sequences: number }> {
  const text = await (await fetch(`${server.origin}/metrics`)).text();
  const get = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
  return { batches: get("faro_engine_decode_batches_total"), sequences: get("faro_engine_decode_batch_sequences_total") };
}

/** A Faro server with `slots` sequences per model, loaded and warmed up. */
async function openFaro(dir: string, slots: number): Promise<Served> {
  const server = await serve(["--models-dir", dir, "--slots", String(slots), "--gpu", "cpu", "--max-queue", "1000"]);
  try {
    await viaFaro(server, 1, 99); // load + warm-up
    return server;
  } catch (err) {
    await server.stop();
    throw err;
  }
}

const peakMb = (server: Served) => Number(readFileSync(`/proc/${server.proc.pid}/status`, "utf8").match(/VmHWM:\s+(\d+)/)?.[1] ?? 0) / 1024;

const tps = (r: Run) => (r.tokens / r.ms) * 1000;

/**
 * The median over repetitions of a's tokens/s over b's in the same repetition. Repetition k runs
 * the same prompts and seeds on every path, and the random-weight model sometimes writes an end
 * marker as text (a stop no token ban prevents), so a repetition's streams end early alike on
 * every path; its tokens/s then drops on all of them. Ratios of independent medians could pair
 * a lucky repetition with an unlucky one.
 */
function paired(a: Run[], b: Run[]): number {
  return median(a.map((r, k) => tps(r) / tps(b[k]!)));
}

async function main() {
  const dir = await tempDir("faro-bench-engine-");
  const path = join(dir, `${shape.name}.gguf`);
  await writeRandomLlamaModel(path, shape);
  const size = readFileSync(path).length;
  const threads = chooseThreads({ embeddingLength: shape.embeddingLength, sizeBytes: size });
  console.log(`model: ${shape.name}, ${(llamaParameterCount(shape) / 1e6).toFixed(1)}M parameters, Q8_0, ${(size / 1e6).toFixed(0)} MB; CPU, ${threads} threads; ${TOKENS} tokens per request, median of ${REPS} (${repsAt(1)} for one stream)`);

  // The three ways of serving are loaded side by side and take turns at every repetition (in a
  // rotating order), so a slow moment of this shared machine hits all of them alike instead of
  // whichever phase happened to run then.
  const direct = await openDirect(path, threads);
  const batchedServer = await openFaro(dir, 8);
  const singleServer = await openFaro(dir, 1);
  const raw = new Map<number, Run[]>();
  const rawPerBatch = new Map<number, number>();
  const batched = { results: new Map<number, Run[]>(), perBatch: new Map<number, number>() };
  const single = { results: new Map<number, Run[]>() };
  let prio: Awaited<ReturnType<typeof viaFaro>>;
  let memory: { batched: number; single: number };
  try {
    for (const n of CONCURRENCY) {
      const runs = { raw: [] as Run[], batched: [] as Run[], single: [] as Run[] };
      raw.set(n, runs.raw);
      batched.results.set(n, runs.batched);
      single.results.set(n, runs.single);
      const before = await batchCounters(batchedServer);
      const rawBefore = { ...direct.batches };
      const turns = (rep: number): Array<() => Promise<void>> => [
        async () => void runs.raw.push(await direct.once(n, rep)),
        async () => void runs.batched.push(await viaFaro(batchedServer, n, rep)),
        async () => void runs.single.push(await viaFaro(singleServer, n, rep)),
      ];
      for (let rep = 0; rep < repsAt(n); rep++) {
        const order = turns(rep);
        for (let t = 0; t < order.length; t++) await order[(t + rep) % order.length]!();
        if (VERBOSE) console.log(`${n} streams, repetition ${rep}: raw ${tps(runs.raw[rep]!).toFixed(1)}, Faro ${tps(runs.batched[rep]!).toFixed(1)}, one-at-a-time ${tps(runs.single[rep]!).toFixed(1)} tok/s (${runs.raw[rep]!.tokens} tokens)`);
      }
      const after = await batchCounters(batchedServer);
      // The batched server's counters also moved only in its own turns: its batches at this N.
      batched.perBatch.set(n, (after.sequences - before.sequences) / (after.batches - before.batches));
      rawPerBatch.set(n, (direct.batches.sequences - rawBefore.sequences) / (direct.batches.batches - rawBefore.batches));
    }
    // Priority: with one slot, 6 requests at once (2 per priority); urgent ones should wait least.
    prio = await viaFaro(singleServer, 6, 7, (i) => i % 3);
    memory = { batched: peakMb(batchedServer), single: peakMb(singleServer) };
  } finally {
    await direct.dispose();
    await singleServer.stop();
    await batchedServer.stop();
  }

  if (raw.has(1)) {
    console.log("\n1. single stream (tokens/s)\n");
    console.log("| node-llama-cpp direct | Faro HTTP stream | ratio |\n|---|---|---|");
    const d1 = median(raw.get(1)!.map(tps));
    const f1 = median(batched.results.get(1)!.map(tps));
    console.log(`| ${d1.toFixed(1)} | ${f1.toFixed(1)} | ${(paired(batched.results.get(1)!, raw.get(1)!) * 100).toFixed(1)}% |`);
  }

  console.log("\n2. aggregate tokens/s by concurrent streams (ratios: the median of each repetition's own ratio)\n");
  console.log("| streams | node-llama-cpp N sequences | its sequences per decode batch | Faro batched (8 slots) | Faro / raw | Faro sequences per decode batch | one-at-a-time (1 slot) | batched / one-at-a-time |\n|---|---|---|---|---|---|---|---|");
  for (const n of CONCURRENCY) {
    const r = median(raw.get(n)!.map(tps));
    const b = median(batched.results.get(n)!.map(tps));
    const o = median(single.results.get(n)!.map(tps));
    const [vsRaw, vsOne] = [paired(batched.results.get(n)!, raw.get(n)!), paired(batched.results.get(n)!, single.results.get(n)!)];
    console.log(`| ${n} | ${r.toFixed(1)} | ${rawPerBatch.get(n)!.toFixed(2)} | ${b.toFixed(1)} | ${(vsRaw * 100).toFixed(1)}% | ${batched.perBatch.get(n)!.toFixed(2)} | ${o.toFixed(1)} | ${vsOne.toFixed(2)}x |`);
  }

  console.log("\n3. time to first token under load (ms, all runs at that concurrency)\n");
  console.log("| streams | raw p50 | raw p95 | Faro batched p50 | Faro batched p95 | one-at-a-time p50 | one-at-a-time p95 |\n|---|---|---|---|---|---|---|");
  for (const n of CONCURRENCY) {
    const all = (m: Map<number, Run[]>) => m.get(n)!.flatMap((r) => r.ttft);
    const cells = [all(raw), all(batched.results), all(single.results)].flatMap((xs) => [pct(xs, 0.5).toFixed(0), pct(xs, 0.95).toFixed(0)]);
    console.log(`| ${n} | ${cells.join(" | ")} |`);
  }
  console.log("\nqueue wait by priority (1 slot, 6 requests sent at once, 2 per priority; TTFT ms)\n");
  console.log("| priority | TTFT ms |\n|---|---|");
  for (const p of [0, 1, 2]) console.log(`| ${p} | ${prio.waits.filter((w) => w.p === p).map((w) => w.ttft.toFixed(0)).join(", ")} |`);
  console.log(`\npeak server memory (VmHWM): 8 slots ${memory.batched.toFixed(0)} MB, 1 slot ${memory.single.toFixed(0)} MB`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
