// An idle model makes room for one a request needs: two tiny models whose staged RAM holds one
// of them at a time (the loader's free-memory reading is replaced; everything else is real).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Catalog } from "../../../server/engine/catalog";
import { Engine } from "../../../server/engine/engine";
import { SAFETY_MARGIN } from "../../../server/engine/planner";
import type { CompleteRequest, EngineOptions } from "../../../server/engine/types";
import { createLogger } from "../../../server/logger";
import { writeTinyModel } from "../../fixtures/models";

const options: EngineOptions = {
  threads: 1, gpu: "cpu", slots: 1, maxContextSize: 512, batchSize: 0, batchGather: "auto",
  maxLoadedModels: 2, keepAliveMs: Infinity, maxQueue: 8, agingMs: 30_000,
};
const req: CompleteRequest = {
  prompt: "hello", n: 1, temperature: 0, topP: 1, topK: 0, minP: 0, maxTokens: 2, maxTokensParam: "max_tokens",
  stop: [], seed: 1, presencePenalty: 0, frequencyPenalty: 0, logitBias: null, logprobs: null,
};

test("a request for B unloads idle A when B does not fit in memory beside it", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "faro-evict-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeTinyModel(dir, { name: "a" });
  await writeTinyModel(dir, { name: "b", seed: 2 });
  const logs: string[] = [];
  const engine = new Engine(new Catalog([dir], createLogger(() => {})), options, createLogger((_level, line) => void logs.push(line)));
  t.after(() => engine.dispose());

  // RAM for one model and a half: what the first load's plan says one takes, minus what is loaded.
  let perModel: number | null = null;
  const load = engine.loader.load.bind(engine.loader);
  engine.loader.load = async (...args) => {
    const m = await load(...args);
    perModel ??= m.plan.needs.cpuRam;
    return m;
  };
  engine.loader.freeMemory = async () => {
    const loaded = engine.residents().filter((r) => r.state === "ready").length;
    return { vram: 0, ram: perModel === null ? 2 ** 50 : (1.5 * perModel) / SAFETY_MARGIN - loaded * perModel };
  };
  const run = async (model: string, id: string) => {
    let text = "";
    for await (const e of engine.complete(model, req, AbortSignal.timeout(30_000), { id, priority: 1, keepAliveMs: null })) if (e.type === "text") text += e.text;
    return text;
  };

  await run("a", "1");
  assert.deepEqual(engine.stats().loaded, ["a"]);
  await run("b", "2"); // failed with a 503 insufficient_memory while idle A sat in memory
  assert.deepEqual(engine.stats().loaded, ["b"], "A made room");
  assert.ok(logs.some((l) => /unloaded a to make room in memory for b/.test(l)), logs.join("\n"));
});
