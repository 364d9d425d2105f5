// The engine's job lifecycle with a stand-in loader (no model is really loaded): what a request
// cancelled while its model is still loading gets, and when its slot is free again.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Catalog, CatalogEntry } from "../../../server/engine/catalog";
import { Engine } from "../../../server/engine/engine";
import type { LoadedModel } from "../../../server/engine/loadedModel";
import type { EngineOptions, GenerateRequest } from "../../../server/engine/types";
import { FaroError } from "../../../server/errors";
import { createLogger } from "../../../server/logger";

const entry = { id: "slow", path: "/m/slow.gguf", sizeBytes: 1, mtimeMs: 1 } as CatalogEntry;
const catalog = { find: async (id: string) => (id === entry.id ? entry : null), list: async () => [entry] } as unknown as Catalog;
const options: EngineOptions = {
  threads: 1, gpu: "cpu", slots: 1, maxContextSize: 2048, batchSize: 0, batchGather: "auto",
  maxLoadedModels: 1, keepAliveMs: Infinity, maxQueue: 8, agingMs: 30_000,
};
const req = { history: [], n: 1 } as unknown as GenerateRequest;

test("a request cancelled while its model loads is answered at once and frees its slot; the load goes on", async (t) => {
  const engine = new Engine(catalog, options, createLogger(() => undefined, "error"));
  let finishLoad = () => {};
  engine.loader.load = () =>
    new Promise<LoadedModel>((resolve) => {
      finishLoad = () => resolve({ plan: { mode: "cpu", gpuLayers: 0 }, dispose: async () => {} } as unknown as LoadedModel);
    });
  t.after(async () => {
    finishLoad();
    await engine.dispose();
  });
  for (const how of ["DELETE", "disconnect"] as const) {
    const client = new AbortController();
    const id = `job-${how}`;
    const answer = (async () => {
      for await (const _ of engine.generate("slow", req, client.signal, { id, priority: 1, keepAliveMs: null })) void _;
    })().catch((e: unknown) => e);
    await new Promise((r) => setImmediate(r));
    assert.equal(engine.queue()[0]?.state, "loading");
    if (how === "DELETE") assert.ok(engine.cancel(id));
    else client.abort();
    const err = await Promise.race([answer, new Promise((r) => setTimeout(() => r("still waiting for the load"), 500))]);
    assert.ok(err instanceof FaroError, `${how}: ${String(err)}`);
    assert.equal(err.status, 499);
    assert.deepEqual(engine.queue(), [], `${how}: the job is gone`);
    assert.equal(engine.residents()[0]?.busy_slots, 0, `${how}: its slot is free`);
    assert.equal(engine.residents()[0]?.state, "loading", `${how}: the model still loads for the next request`);
  }
});
