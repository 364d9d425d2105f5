/**
 * Memory planning: where a model runs. From the GGUF's resource estimates (node-llama-cpp's
 * GgufInsights) and the live free VRAM and RAM, choose full GPU, partial offload (the most
 * layers that fit) or CPU, for the context size and slots requested; refuse with a clear error
 * when it fits nowhere.
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
  const needs = (layers: number): Resources => {
    const m = est.model(layers);
    const c = est.context(layers);
    return { cpuRam: m.cpuRam + c.cpuRam, gpuVram: m.gpuVram + c.gpuVram };
  };
  const fits = (r: Resources) => r.gpuVram <= free.vram * SAFETY_MARGIN && r.cpuRam <= free.ram * SAFETY_MARGIN;
  const total = est.totalLayers;
  const plan = (mode: PlacementMode, gpuLayers: number): MemoryPlan => ({ mode, gpuLayers, totalLayers: total, needs: needs(gpuLayers), free });

  if (hasGpu && fits(needs(total))) return plan("gpu", total);
  if (hasGpu) {
    // More layers on the GPU means less RAM and more VRAM; find the most that still fit.
    let lo = 1;
    let hi = total - 1;
    let best = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (fits(needs(mid))) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best > 0) return plan("partial", best);
  }
  if (fits(needs(0))) return plan("cpu", 0);
  const cpu = needs(0);
  const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
  throw new FaroError(
    `Model '${modelId}' does not fit in memory: on the CPU it needs ${gib(cpu.cpuRam)} of RAM (${gib(free.ram)} free)` +
      (hasGpu ? `; fully on the GPU ${gib(needs(total).gpuVram)} of VRAM (${gib(free.vram)} free)` : "; no GPU is available") +
      ". Use a smaller quantization, a smaller --context-size or fewer --slots, or unload other models.",
    { status: 503, type: "server_error", code: "insufficient_memory", param: "model" },
  );
}
