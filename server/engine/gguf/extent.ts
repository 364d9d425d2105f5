/**
 * Whether a GGUF file is as long as its own header says. node-llama-cpp's reader reads past the
 * end of a short file as zeros, so a cut-off file (a copy or download still under way, an
 * interrupted transfer) parses "fine" with garbage; this compares what it describes with the size.
 */
import type { GgufFileInfo } from "node-llama-cpp";

/** ggml type id → [elements per block, bytes per block], as llama.cpp's ggml defines them. */
const GGML_BLOCKS: Record<number, readonly [number, number]> = {
  0: [1, 4], 1: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24], 8: [32, 34], 9: [32, 36],
  10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176], 14: [256, 210], 15: [256, 292],
  16: [256, 66], 17: [256, 74], 18: [256, 98], 19: [256, 50], 20: [32, 18], 21: [256, 110],
  22: [256, 82], 23: [256, 136], 24: [1, 1], 25: [1, 2], 26: [1, 4], 27: [1, 8], 28: [1, 8],
  29: [256, 56], 30: [1, 2], 34: [256, 54], 35: [256, 66], 39: [32, 17], 40: [64, 36], 41: [128, 18],
};

export interface Shortfall {
  /** "header": the metadata and tensor list themselves are cut; "data": some tensor's bytes are. */
  part: "header" | "data";
  /** Bytes the file must have at least. */
  needed: number;
  size: number;
}

/** What is missing from a file of `size` bytes described by `info` (read with tensor info), or null. */
export function ggufShortfall(info: GgufFileInfo, size: number): Shortfall | null {
  const header = info.infoEndOffset ?? 0;
  if (header > size) return { part: "header", needed: header, size };
  let end = 0;
  for (const t of info.tensorInfo ?? []) {
    // A tensor of a type not in the table counts as empty: the check may miss a cut, never invent one.
    const [block, bytes] = GGML_BLOCKS[t.ggmlType] ?? [1, 0];
    const elements = t.dimensions.reduce<number>((a, d) => a * Number(d), 1);
    end = Math.max(end, Number(t.fileOffset) + Math.ceil(elements / block) * bytes);
  }
  return end > size ? { part: "data", needed: end, size } : null;
}

/** "cut short: it has 100 bytes, its header needs at least 896" */
export function describeShortfall(s: Shortfall): string {
  return `cut short: it has ${s.size} bytes, its ${s.part === "header" ? "header" : "tensor data"} needs at least ${s.needed}`;
}
