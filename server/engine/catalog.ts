/**
 * Model discovery: finds `*.gguf` files in the configured folders and reads their metadata
 * (node-llama-cpp's bounds-checked GGUF reader). Results are cached per file by size and mtime,
 * so a listing re-stats the folders but parses only new or changed files.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import type { GgufFileInfo } from "node-llama-cpp";
import type { Logger } from "../logger";
import { messageOf } from "../errors";
import { describeShortfall, ggufShortfall } from "./gguf/extent";

export interface CatalogEntry {
  id: string;
  path: string;
  sizeBytes: number;
  mtimeMs: number;
  architecture: string | null;
  parameters: number | null;
  quantization: string | null;
  contextLength: number | null;
  embeddingLength: number | null;
  demo: boolean;
}

interface Cached {
  size: number;
  mtimeMs: number;
  entry: Promise<CatalogEntry | null>;
}

export class Catalog {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly dirs: readonly string[],
    private readonly logger: Logger,
    private readonly demoPath: string | null = null,
  ) {}

  get folders(): readonly string[] {
    return this.dirs;
  }

  /** All models in folder order; on a duplicate id the first folder wins. */
  async list(): Promise<CatalogEntry[]> {
    const seen = new Map<string, CatalogEntry>();
    for (const dir of this.dirs) {
      for (const path of await ggufFiles(dir, this.logger)) {
        const entry = await this.entryFor(path);
        if (!entry) continue;
        const other = seen.get(entry.id);
        if (other) {
          if (other.path !== entry.path) this.logger.warn(`model id '${entry.id}' in ${entry.path} is shadowed by ${other.path}`);
          continue;
        }
        seen.set(entry.id, entry);
      }
    }
    return [...seen.values()];
  }

  async find(id: string): Promise<CatalogEntry | null> {
    return (await this.list()).find((m) => m.id === id) ?? null;
  }

  private async entryFor(path: string): Promise<CatalogEntry | null> {
    let st;
    try {
      st = await stat(path);
    } catch (err) {
      this.logger.warn(`model ${path} vanished while listing: ${messageOf(err)}`);
      return null;
    }
    const cached = this.cache.get(path);
    if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs) return cached.entry;
    // Cached as a promise at once, so listings at the same time (the server's start does two) read
    // and warn about a file once.
    const entry = this.read(path, st.size, st.mtimeMs);
    this.cache.set(path, { size: st.size, mtimeMs: st.mtimeMs, entry });
    return entry;
  }

  private async read(path: string, size: number, mtimeMs: number): Promise<CatalogEntry | null> {
    try {
      const { readGgufFileInfo } = await import("node-llama-cpp");
      const info = await readGgufFileInfo(path, { readTensorInfo: true, logWarnings: false });
      // A file cut in its tensor data stays listed: its requests fail with model_load_failed saying so.
      const short = ggufShortfall(info, size);
      if (short?.part === "header") throw new Error(describeShortfall(short));
      return describe(path, size, mtimeMs, info, path === this.demoPath);
    } catch (err) {
      this.logger.warn(`skipping ${path}: not a readable GGUF model (${messageOf(err)})`);
      return null;
    }
  }
}

async function ggufFiles(dir: string, logger: Logger): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names.filter((n) => n.toLowerCase().endsWith(".gguf")).sort().map((n) => resolve(join(dir, n)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") logger.warn(`cannot read models folder ${dir}: ${messageOf(err)}`);
    return [];
  }
}

function describe(path: string, size: number, mtimeMs: number, info: GgufFileInfo, demo: boolean): CatalogEntry {
  const general = info.metadata.general as { architecture?: string; file_type?: number } | undefined;
  const arch = info.architectureMetadata as { context_length?: number; embedding_length?: number } | undefined;
  return {
    id: basename(path).replace(/\.gguf$/i, ""),
    path,
    sizeBytes: size,
    mtimeMs,
    architecture: general?.architecture ?? null,
    parameters: countParameters(info),
    quantization: quantizationOf(info, general?.file_type),
    contextLength: numberOrNull(arch?.context_length),
    embeddingLength: numberOrNull(arch?.embedding_length),
    demo,
  };
}

function countParameters(info: GgufFileInfo): number | null {
  if (!info.tensorInfo) return null;
  let total = 0;
  for (const t of info.tensorInfo) total += t.dimensions.reduce<number>((a, d) => a * Number(d), 1);
  return total;
}

// Mirrors llama.cpp's LLAMA_FTYPE names for the common cases; other values fall back to
// the most frequent tensor type.
const FILE_TYPES: Record<number, string> = {
  0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
  11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
  17: "Q5_K_M", 18: "Q6_K", 32: "BF16",
};
const GGML_TYPES: Record<number, string> = { 0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 30: "BF16" };

function quantizationOf(info: GgufFileInfo, fileType: number | undefined): string | null {
  if (fileType !== undefined && FILE_TYPES[fileType]) return FILE_TYPES[fileType];
  if (!info.tensorInfo || info.tensorInfo.length === 0) return null;
  const counts = new Map<number, number>();
  for (const t of info.tensorInfo) counts.set(t.ggmlType, (counts.get(t.ggmlType) ?? 0) + 1);
  const [top] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  return top ? (GGML_TYPES[top[0]] ?? `ggml-type-${top[0]}`) : null;
}

function numberOrNull(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}
