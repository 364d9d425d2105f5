/**
 * Memory planning: where a model runs. From the GGUF's resource estimates (node-llama-cpp's
 * GgufInsights) and the live free VRAM and RAM, choose full GPU, partial offload (the most
 * layers that fit) or CPU, for the context size and slots requested; name the idle models whose
 * unloading would place it better; refuse with a clear error when it fits nowhere.
 */
import { FaroError } from "../errors";

export type PlacementMode = "gpu" | "partial" | "cpu";

export interface Resources {
  cpuRam: number;
  gpuVram: number;
}

/** What the planner needs to know about a model; GgufInsights provides it in production. */
export interface ModelEstimator {
  totalLayers: number;
  model(gpuLayers: number): Resources;
  context(gpuLayers: number): Resources;
}

export interface FreeMemory {
  /** 0 when there is no GPU. */
  vram: number;
  ram: number;
}

export interface MemoryPlan {
  mode: PlacementMode;
  gpuLayers: number;
  totalLayers: number;
  needs: Resources;
  free: FreeMemory;
}

/** Headroom left for the OS, other apps and llama.cpp's scratch buffers. */
export const SAFETY_MARGIN = 0.9;

export function planPlacement(modelId: string, est: ModelEstimator, free: FreeMemory, hasGpu: boolean): MemoryPlan {
  const plan = bestPlacement(est, free, hasGpu);
  if (plan) return plan;
  const cpu = needsAt(est, 0);
  const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
  throw new FaroError(
    `Model '${modelId}' does not fit in memory: on the CPU it needs ${gib(cpu.cpuRam)} of RAM (${gib(free.ram)} free)` +
      (hasGpu ? `; fully on the GPU ${gib(needsAt(est, est.totalLayers).gpuVram)} of VRAM (${gib(free.vram)} free)` : "; no GPU is available") +
      ". Use a smaller quantization, a smaller --context-size or fewer --slots, or unload other models.",
    { status: 503, type: "server_error", code: "insufficient_memory", param: "model" },
  );
}

/** Full GPU, else the most layers that fit on it, else CPU; null when it fits nowhere. */
function bestPlacement(est: ModelEstimator, free: FreeMemory, hasGpu: boolean): MemoryPlan | null {
  const fits = (r: Resources) => r.gpuVram <= free.vram * SAFETY_MARGIN && r.cpuRam <= free.ram * SAFETY_MARGIN;
  const total = est.totalLayers;
  const plan = (mode: PlacementMode, gpuLayers: number): MemoryPlan => ({ mode, gpuLayers, totalLayers: total, needs: needsAt(est, gpuLayers), free });

  if (hasGpu && fits(needsAt(est, total))) return plan("gpu", total);
  if (hasGpu) {
    // More layers on the GPU means less RAM and more VRAM; find the most that still fit.
    let lo = 1;
    let hi = total - 1;
    let best = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (fits(needsAt(est, mid))) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best > 0) return plan("partial", best);
  }
  return fits(needsAt(est, 0)) ? plan("cpu", 0) : null;
}

function needsAt(est: ModelEstimator, gpuLayers: number): Resources {
  const m = est.model(gpuLayers);
  const c = est.context(gpuLayers);
  return { cpuRam: m.cpuRam + c.cpuRam, gpuVram: m.gpuVram + c.gpuVram };
}

/** A loaded model no request is using, with what its plan said it takes. */
export interface IdleModel {
  id: string;
  needs: Resources;
}

/**
 * Which idle models to unload before placing a model: the least recently used first (`idle`
 * comes in that order), as many as it takes to reach the placement freeing them all would give.
 * None when that placement is no better than what fits now (a model too big for the GPU either
 * way does not push others out for nothing). The caller plans again with the memory then free.
 */
export function idleToUnload(est: ModelEstimator, free: FreeMemory, hasGpu: boolean, idle: readonly IdleModel[]): string[] {
  const layers = (f: FreeMemory) => placedLayers(est, f, hasGpu);
  const plus = (f: FreeMemory, m: IdleModel): FreeMemory => ({ vram: f.vram + m.needs.gpuVram, ram: f.ram + m.needs.cpuRam });
  const best = layers(idle.reduce(plus, free));
  if (best <= layers(free)) return [];
  let freed = free;
  for (const [i, m] of idle.entries()) {
    freed = plus(freed, m);
    if (layers(freed) === best) return idle.slice(0, i + 1).map((x) => x.id);
  }
  return idle.map((m) => m.id);
}

/** The GPU layers of the best placement with `free` memory; -1 when it fits nowhere. */
export function placedLayers(est: ModelEstimator, free: FreeMemory, hasGpu: boolean): number {
  return bestPlacement(est, free, hasGpu)?.gpuLayers ?? -1;
}

/** What is free once `taken` is: memory that loads in flight were planned to take. */
export function freeBeside(free: FreeMemory, taken: Iterable<Resources>): FreeMemory {
  let { vram, ram } = free;
  for (const r of taken) {
    vram -= r.gpuVram;
    ram -= r.cpuRam;
  }
  return { vram: Math.max(0, vram), ram: Math.max(0, ram) };
}
