import { test } from "node:test";
import assert from "node:assert/strict";
import { idleToUnload, planPlacement, type ModelEstimator } from "../../../server/engine/planner";
import { FaroError } from "../../../server/errors";

const GiB = 2 ** 30;
/** 32 layers of 0.25 GiB each; the KV cache costs 1 GiB, split like the layers. */
const est: ModelEstimator = {
  totalLayers: 32,
  model: (g) => ({ gpuVram: g * 0.25 * GiB, cpuRam: (32 - g) * 0.25 * GiB + 0.1 * GiB }),
  context: (g) => ({ gpuVram: (g / 32) * GiB, cpuRam: (1 - g / 32) * GiB }),
};

test("everything on the GPU when it fits", () => {
  const p = planPlacement("m", est, { vram: 24 * GiB, ram: 16 * GiB }, true);
  assert.equal(p.mode, "gpu");
  assert.equal(p.gpuLayers, 32);
  assert.equal(p.needs.gpuVram, 9 * GiB);
});

test("partial offload takes the most layers that fit in VRAM", () => {
  const p = planPlacement("m", est, { vram: 4 * GiB, ram: 16 * GiB }, true);
  assert.equal(p.mode, "partial");
  // each layer costs 0.25 + 1/32 GiB of VRAM; 0.9 * 4 GiB holds 12 of them (12.8)
  assert.equal(p.gpuLayers, 12);
  assert.ok(p.needs.gpuVram <= 4 * GiB * 0.9);
  const oneMore = est.model(13).gpuVram + est.context(13).gpuVram;
  assert.ok(oneMore > 4 * GiB * 0.9, "one more layer would not fit");
});

test("CPU when there is no GPU, or not even one layer fits in VRAM", () => {
  assert.equal(planPlacement("m", est, { vram: 0, ram: 16 * GiB }, false).mode, "cpu");
  const tiny = planPlacement("m", est, { vram: 0.2 * GiB, ram: 16 * GiB }, true);
  assert.equal(tiny.mode, "cpu");
  assert.equal(tiny.gpuLayers, 0);
});

test("fitting nowhere is a 503 naming the model, what it needs and what is free", () => {
  assert.throws(
    () => planPlacement("big-model", est, { vram: 0, ram: 4 * GiB }, false),
    (e: FaroError) =>
      e.status === 503 &&
      e.code === "insufficient_memory" &&
      /big-model/.test(e.message) &&
      /9\.10 GiB of RAM \(4\.00 GiB free\)/.test(e.message) &&
      /no GPU/.test(e.message),
  );
});

test("idle models are unloaded only when that places the model better: fewest, least recently used first", () => {
  const m = (id: string, gpuVram: number, cpuRam = 0) => ({ id, needs: { gpuVram: gpuVram * GiB, cpuRam: cpuRam * GiB } });
  // Fully on a 24 GiB GPU needs 9 GiB; with a and b (idle) there, 5 GiB are free: partial.
  const free = { vram: 5 * GiB, ram: 16 * GiB };
  assert.deepEqual(idleToUnload(est, free, true, [m("a", 3), m("b", 16)]), ["a", "b"], "a alone leaves 8 GiB: still partial");
  assert.deepEqual(idleToUnload(est, free, true, [m("a", 8), m("b", 16)]), ["a"], "a alone is enough for the full GPU");
  assert.deepEqual(idleToUnload(est, { vram: 24 * GiB, ram: 16 * GiB }, true, [m("a", 8)]), [], "it fits already");
  // A GPU too small for all 32 layers either way: a 1 GiB idle model still buys 3 more layers.
  assert.deepEqual(idleToUnload(est, { vram: 4 * GiB, ram: 16 * GiB }, true, [m("a", 1)]), ["a"]);
  // CPU only: unloading helps when the model does not fit otherwise, and not when it cannot fit anyway.
  assert.deepEqual(idleToUnload(est, { vram: 0, ram: 4 * GiB }, false, [m("a", 0, 8)]), ["a"]);
  assert.deepEqual(idleToUnload(est, { vram: 0, ram: 4 * GiB }, false, [m("a", 0, 1)]), [], "9.1 GiB does not fit in 5");
  assert.deepEqual(idleToUnload(est, { vram: 0, ram: 16 * GiB }, false, [m("a", 0, 8)]), []);
});
