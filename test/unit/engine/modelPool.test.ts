import { test } from "node:test";
import assert from "node:assert/strict";
import { ModelPool, type Loader, type Room } from "../../../server/engine/modelPool";
import type { CatalogEntry } from "../../../server/engine/catalog";
import type { LoadedModel } from "../../../server/engine/loadedModel";
import { createLogger } from "../../../server/logger";

const entry = (id: string) => ({ id }) as CatalogEntry;
const logger = createLogger(() => {});

/** A loader that records loads and disposals; loads finish when the test says so. */
function fakeLoader() {
  const events: string[] = [];
  const pending = new Map<string, { resolve: () => void; reject: (e: Error) => void; progress: (f: number) => void }>();
  const loader: Loader = (e, onProgress) =>
    new Promise<LoadedModel>((resolve, reject) => {
      events.push(`load ${e.id}`);
      const model = { plan: { mode: "cpu", gpuLayers: 0 }, dispose: async () => void events.push(`dispose ${e.id}`) } as unknown as LoadedModel;
      pending.set(e.id, { resolve: () => resolve(model), reject, progress: onProgress });
    });
  const tick = () => new Promise((r) => setImmediate(r));
  /** The load starts after earlier unloads settle, so give it a turn of the event loop. */
  const started = async (id: string) => {
    await tick();
    return pending.get(id)!;
  };
  const finish = async (id: string) => {
    (await started(id)).resolve();
    await tick();
  };
  return { loader, events, started, finish };
}

test("slots per model, LRU eviction of idle models only, and reuse without reloading", async () => {
  const f = fakeLoader();
  const pool = new ModelPool(f.loader, { slots: 2, maxLoaded: 2, keepAliveMs: Infinity }, logger);
  assert.ok(pool.canStart("a"));
  const a1 = pool.reserve(entry("a"), null);
  pool.reserve(entry("a"), null);
  assert.equal(pool.canStart("a"), false, "both slots of a are taken");
  (await f.started("a")).progress(0.5);
  assert.deepEqual(pool.list().map((r) => [r.id, r.state, r.progress, r.busy_slots]), [["a", "loading", 0.5, 2]]);
  await f.finish("a");
  await a1;
  pool.reserve(entry("b"), null);
  await f.finish("b");
  assert.equal(pool.canStart("c"), false, "two models resident, both busy: no room");
  pool.release("a");
  pool.release("a");
  pool.release("b");
  pool.reserve(entry("b"), null); // b used more recently than a
  assert.ok(pool.canStart("c"), "a is idle and can be evicted");
  pool.reserve(entry("c"), null);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(f.events, ["load a", "load b", "dispose a", "load c"], "a (least recently used, idle) made room; b was not reloaded");
  assert.equal(pool.isResident("a"), false);
  await f.finish("c");
  await pool.dispose();
});

test("keep-alive unloads an idle model; 0 unloads at once; a failed load is forgotten", async () => {
  const f = fakeLoader();
  const pool = new ModelPool(f.loader, { slots: 1, maxLoaded: 3, keepAliveMs: 30 }, logger);
  pool.reserve(entry("a"), null);
  await f.finish("a");
  pool.release("a");
  assert.ok(pool.isLoaded("a"));
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(pool.isResident("a"), false, "unloaded after 30 ms idle");
  pool.reserve(entry("b"), 0);
  await f.finish("b");
  pool.release("b");
  await new Promise((r) => setImmediate(r));
  assert.equal(pool.isResident("b"), false, "keep_alive 0");
  const failing = pool.reserve(entry("c"), null);
  (await f.started("c")).reject(new Error("bad file"));
  await assert.rejects(failing, /bad file/);
  assert.equal(pool.isResident("c"), false);
  pool.release("c");
  assert.ok(pool.canStart("c"), "the next request may try again");
  assert.equal(pool.unload("zzz"), false);
  await pool.dispose();
  assert.deepEqual(f.events, ["load a", "dispose a", "load b", "dispose b", "load c"]);
});

test("a keep-alive longer than a timer can hold (about 24.8 days) keeps the model, not unloads it at once", async () => {
  const f = fakeLoader();
  const pool = new ModelPool(f.loader, { slots: 1, maxLoaded: 2, keepAliveMs: 30 * 24 * 3_600_000 }, logger);
  pool.reserve(entry("a"), null);
  await f.finish("a");
  pool.release("a");
  pool.reserve(entry("b"), 1e23); // keep_alive 1e20 (seconds) in a request
  await f.finish("b");
  pool.release("b");
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(pool.isLoaded("a"), "--keep-alive 720h: still loaded");
  assert.ok(pool.isLoaded("b"), "keep_alive 1e20: still loaded");
  await pool.dispose();
});

test("a request whose load failed does not free a slot of the model's next load", async () => {
  const f = fakeLoader();
  const pool = new ModelPool(f.loader, { slots: 2, maxLoaded: 2, keepAliveMs: 20 }, logger);
  // As the engine does: two requests share a load that fails (say 503, memory was short); the
  // first one's end starts a waiting third request, which loads the model again before the
  // second request's end is released.
  const a = pool.reserve(entry("x"), null);
  const b = pool.reserve(entry("x"), null);
  (await f.started("x")).reject(new Error("does not fit"));
  await assert.rejects(a);
  await assert.rejects(b);
  pool.release("x", a);
  const c = pool.reserve(entry("x"), null);
  await f.finish("x");
  await c;
  pool.release("x", b);
  assert.equal(pool.list()[0]?.busy_slots, 1, "the third request still holds its slot");
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(pool.isLoaded("x"), "not unloaded by keep-alive under the running request");
  pool.release("x", c);
  await pool.dispose();
});

test("a model whose file changed on disk is loaded again once its running requests are done", async () => {
  const f = fakeLoader();
  const pool = new ModelPool(f.loader, { slots: 2, maxLoaded: 2, keepAliveMs: Infinity }, logger);
  const v1 = { id: "a", path: "/m/a.gguf", sizeBytes: 100, mtimeMs: 1 } as CatalogEntry;
  const v2 = { ...v1, sizeBytes: 200, mtimeMs: 2 };
  pool.reserve(v1, null);
  await f.finish("a");
  pool.reserve(v2, null); // the old weights are busy: this request shares them
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(f.events, ["load a"]);
  pool.release("a");
  pool.release("a");
  pool.reserve(v2, null); // idle now: the new file is loaded
  await f.finish("a");
  assert.deepEqual(f.events, ["load a", "dispose a", "load a"]);
  pool.release("a");
  pool.reserve(v2, null);
  assert.deepEqual(f.events, ["load a", "dispose a", "load a"], "unchanged file: no reload");
  pool.release("a");
  await pool.dispose();
});

test("a load may unload idle models to make room, never one that serves a request or is still loading", async () => {
  const f = fakeLoader();
  const rooms = new Map<string, Room>();
  const loader: Loader = (e, onProgress, room) => {
    rooms.set(e.id, room);
    return f.loader(e, onProgress, room);
  };
  const pool = new ModelPool(loader, { slots: 1, maxLoaded: 4, keepAliveMs: Infinity }, logger);
  pool.reserve(entry("a"), null);
  await f.finish("a");
  pool.reserve(entry("b"), null);
  await f.finish("b");
  pool.release("b");
  pool.release("a"); // a is now the more recently used
  pool.reserve(entry("c"), null);
  pool.reserve(entry("d"), null); // still loading when c asks
  await f.started("c");
  pool.reserve(entry("a"), null); // a serves a request again
  const room = rooms.get("c")!;
  assert.deepEqual(room.idle().map((m) => m.id), ["b"], "only b: a is busy, c and d are loading");
  pool.release("a");
  assert.deepEqual(room.idle().map((m) => m.id), ["b", "a"], "least recently used first");
  await room.free(["b"], "to make room in memory for c");
  assert.deepEqual(f.events, ["load a", "load b", "load c", "load d", "dispose b"], "b was freed before free() returned");
  await f.finish("c");
  await f.finish("d");
  await pool.dispose();
});
