// Loads at the same time: each plans its memory counting what the others were planned to take,
// though a free-memory reading shows a model only once it is loaded (the reading is staged, as in
// eviction.test; the tiny models and node-llama-cpp are real).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { Catalog, type CatalogEntry } from "../../../server/engine/catalog";
import { FaroError } from "../../../server/errors";
import { ModelLoader } from "../../../server/engine/modelLoader";
import { SAFETY_MARGIN } from "../../../server/engine/planner";
import type { EngineOptions } from "../../../server/engine/types";
import { createLogger } from "../../../server/logger";
import { writeTinyModel } from "../../fixtures/models";

const options: EngineOptions = {
  threads: 1, gpu: "cpu", slots: 1, maxContextSize: 512, batchSize: 0, batchGather: "auto",
  maxLoadedModels: 2, keepAliveMs: Infinity, maxQueue: 8, agingMs: 30_000,
};

/** A loader whose RAM holds `models` tiny models, less those it has loaded and not disposed. */
async function stagedLoader(t: TestContext, models: number): Promise<{ loader: ModelLoader; a: CatalogEntry; b: CatalogEntry }> {
  const dir = await mkdtemp(join(tmpdir(), "faro-loader-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeTinyModel(dir, { name: "a" });
  await writeTinyModel(dir, { name: "b", seed: 2 });
  const catalog = new Catalog([dir], createLogger(() => {}));
  const [a, b] = [(await catalog.find("a"))!, (await catalog.find("b"))!];
  const loader = new ModelLoader(options, createLogger(() => {}));
  t.after(() => loader.dispose());
  // One model's needs, as its plan says (both tiny models have the same shape).
  const probe = await loader.load(a, () => {});
  const perModel = probe.plan.needs.cpuRam;
  await probe.dispose();

  // A model's memory shows in the reading once node-llama-cpp has built it, as it would on a machine.
  let live = 0;
  const llama = await loader.llama();
  const loadModel = llama.loadModel.bind(llama);
  llama.loadModel = async (...args) => {
    const model = await loadModel(...args);
    live++;
    model.onDispose.createListener(() => live--);
    return model;
  };
  const load = loader.load.bind(loader);
  loader.load = async (...args) => {
    const m = await load(...args);
    t.after(() => m.dispose());
    return m;
  };
  loader.freeMemory = async () => ({ vram: 0, ram: (models * perModel) / SAFETY_MARGIN - live * perModel });
  return { loader, a, b };
}

test("a load that starts while another is loading counts what that one will take", async (t) => {
  const { loader, a, b } = await stagedLoader(t, 1.5);
  const [first, second] = await Promise.allSettled([loader.load(a, () => {}), loader.load(b, () => {})]);
  assert.equal(first.status, "fulfilled");
  // Both planned on the memory of one model and a half and loaded.
  assert.equal(second.status, "rejected", "b does not fit beside a");
  assert.ok(second.reason instanceof FaroError && second.reason.code === "insufficient_memory", String(second.reason));
});

test("loads that fit side by side still load at the same time", async (t) => {
  const { loader, a, b } = await stagedLoader(t, 2.5);
  const [first, second] = await Promise.all([loader.load(a, () => {}), loader.load(b, () => {})]);
  assert.deepEqual([first.entry.id, second.entry.id], ["a", "b"]);
});
