/**
 * Cache-hit latency at the HTTP layer (goal: p50 <= 0.5 ms). Starts faro serve with the mock
 * OpenAI upstream, fills one cache entry, then sends many sequential requests on one keep-alive
 * connection and times each with performance.now(): GET /health (the baseline: Faro's HTTP
 * floor), a JSON cache hit, and a streamed (SSE) cache hit. Part of `npm run bench:observability`;
 * also runs alone: node --import tsx test/bench/observability/cache.ts [--requests N]
 */
import { Agent, request } from "node:http";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { serve, tempDir } from "../../fixtures/serve";
import { startOpenAIMock } from "../../fixtures/mocks/openai";

type Row = Record<string, string | number>;

interface Sample {
  status: number;
  cache: string | undefined;
  ms: number;
}

function timed(agent: Agent, port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request({ host: "127.0.0.1", port, method, path, headers, agent }, (res) => {
      res.on("data", () => {});
      res.on("end", () => resolve({ status: res.statusCode ?? 0, cache: res.headers["x-faro-cache"] as string | undefined, ms: performance.now() - start }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

function summarize(name: string, samples: Sample[]): Row & { p50: number } {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  return { case: name, requests: ms.length, "p50 ms": +pct(ms, 50).toFixed(3), "p90 ms": +pct(ms, 90).toFixed(3), "p99 ms": +pct(ms, 99).toFixed(3), "mean ms": +mean.toFixed(3), p50: pct(ms, 50) };
}

export async function benchCacheHit(opts: { requests?: number } = {}): Promise<{ rows: Row[]; hitP50Ms: number; goalMet: boolean }> {
  const n = opts.requests ?? 5000;
  const mock = await startOpenAIMock({ record: false, apiKey: null });
  const home = await tempDir("faro-bench-cache-");
  const target = { provider: "openai", custom_host: mock.url, api_key: "k", override_params: { model: "gpt-4o-mini" } };
  await writeFile(join(home, "config.json"), JSON.stringify({ aliases: { cached: target }, cache: { mode: "simple" } }));
  const faro = await serve([], {}, home);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const json = { "content-type": "application/json" };
    const messages = [{ role: "system", content: "You are terse." }, { role: "user", content: "What does a lighthouse keeper do all day?" }];
    const body = JSON.stringify({ model: "cached", messages, temperature: 0 });
    const streamBody = JSON.stringify({ model: "cached", messages, temperature: 0, stream: true, stream_options: { include_usage: true } });
    const fill = await timed(agent, faro.port, "POST", "/v1/chat/completions", json, body);
    if (fill.status !== 200 || fill.cache !== "miss") throw new Error(`filling the cache answered ${fill.status} ${fill.cache}`);

    const run = async (label: string, send: () => Promise<Sample>, expectCache: string | null) => {
      for (let i = 0; i < Math.min(500, n / 10); i++) await send(); // warm-up: JIT, statement cache
      const samples: Sample[] = [];
      for (let i = 0; i < n; i++) {
        const s = await send();
        if (s.status !== 200 || (expectCache !== null && s.cache !== expectCache)) throw new Error(`${label}: got ${s.status} ${s.cache}`);
        samples.push(s);
      }
      return summarize(label, samples);
    };
    const health = await run("GET /health (baseline)", () => timed(agent, faro.port, "GET", "/health", {}), null);
    const hit = await run("chat JSON cache hit", () => timed(agent, faro.port, "POST", "/v1/chat/completions", json, body), "hit");
    const streamHit = await run("chat SSE cache hit", () => timed(agent, faro.port, "POST", "/v1/chat/completions", json, streamBody), "hit");
    const rows: Row[] = [health, hit, streamHit].map(({ p50: _p50, ...row }) => ({
      ...row,
      "p50 vs /health": `${(row["p50 ms"] as number / health.p50).toFixed(2)}x`,
      "p50 over /health ms": +((row["p50 ms"] as number) - health.p50).toFixed(3),
    }));
    return { rows, hitP50Ms: hit.p50, goalMet: hit.p50 <= 0.5 };
  } finally {
    agent.destroy();
    await faro.stop();
    await mock.close();
  }
}

if (require.main === module) {
  const i = process.argv.indexOf("--requests");
  const requests = i > 0 ? Number(process.argv[i + 1]) : undefined;
  benchCacheHit({ requests }).then(
    ({ rows, hitP50Ms, goalMet }) => {
      console.log("Cache-hit latency at the HTTP layer (sequential, one keep-alive connection)");
      console.table(rows);
      console.log(`JSON cache-hit p50 ${hitP50Ms.toFixed(3)} ms: goal <= 0.5 ms ${goalMet ? "met" : "NOT met"}`);
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
