/**
 * Writes GGUF v3 files (metadata + F32/F16/Q8_0 tensors), streaming tensor data so that a model
 * larger than memory can be produced, and atomically (temp file + rename).
 */
import { randomUUID } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export const GGUF_ALIGNMENT = 32;

export type GgufTensorType = "F32" | "F16" | "Q8_0";

export type GgufMetadataEntry =
  | { key: string; type: "UINT32" | "INT32" | "FLOAT32"; value: number }
  | { key: string; type: "UINT64"; value: number | bigint }
  | { key: string; type: "BOOL"; value: boolean }
  | { key: string; type: "STRING"; value: string }
  | { key: string; type: "ARRAY"; elementType: "STRING"; value: readonly string[] }
  | { key: string; type: "ARRAY"; elementType: "FLOAT32" | "INT32"; value: ArrayLike<number> };

/** Short constructors, so that callers do not spell out `{key, type, value}` objects. */
export const kv = {
  u32: (key: string, value: number): GgufMetadataEntry => ({ key, type: "UINT32", value }),
  i32: (key: string, value: number): GgufMetadataEntry => ({ key, type: "INT32", value }),
  f32: (key: string, value: number): GgufMetadataEntry => ({ key, type: "FLOAT32", value }),
  u64: (key: string, value: number | bigint): GgufMetadataEntry => ({ key, type: "UINT64", value }),
  bool: (key: string, value: boolean): GgufMetadataEntry => ({ key, type: "BOOL", value }),
  str: (key: string, value: string): GgufMetadataEntry => ({ key, type: "STRING", value }),
  strings: (key: string, value: readonly string[]): GgufMetadataEntry => ({ key, type: "ARRAY", elementType: "STRING", value }),
  f32s: (key: string, value: ArrayLike<number>): GgufMetadataEntry => ({ key, type: "ARRAY", elementType: "FLOAT32", value }),
  i32s: (key: string, value: ArrayLike<number>): GgufMetadataEntry => ({ key, type: "ARRAY", elementType: "INT32", value }),
};

export interface GgufTensorSpec {
  name: string;
  /** Fastest-varying first, as GGUF stores them: a matrix with rows of n is [n, rows]. */
  dims: readonly number[];
  type: GgufTensorType;
  /**
   * The values in storage order: either a function of the flat index, or chunks (any sizes)
   * that together hold exactly the element count. Chunks let callers avoid one call per value.
   */
  fill: ((index: number) => number) | Iterable<ArrayLike<number>>;
}

export interface GgufFileSpec {
  metadata: readonly GgufMetadataEntry[];
  tensors: readonly GgufTensorSpec[];
}

export interface GgufTensorLayout {
  name: string;
  type: GgufTensorType;
  dims: readonly number[];
  elements: number;
  /** Relative to the start of the data section, as stored in the file. */
  offset: number;
  byteLength: number;
}

export interface GgufLayout {
  /** Everything before the data section, padding included. */
  header: Buffer;
  dataOffset: number;
  fileSize: number;
  tensors: GgufTensorLayout[];
}

const VALUE_TYPE = { UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9, UINT64: 10 } as const;
const GGML_TYPE: Record<GgufTensorType, number> = { F32: 0, F16: 1, Q8_0: 8 };
const Q8_0_BLOCK = 32;
const Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK;
// llama.cpp's GGML_MAX_NAME is 64 including the terminating NUL.
const MAX_TENSOR_NAME_BYTES = 63;
const MAX_DIMS = 4;
// Values per encode/write round trip: big enough to amortise the syscall, small enough to not matter.
const CHUNK_ELEMENTS = 1 << 16;

export class GgufWriteError extends Error {
  override name = "GgufWriteError";
}

export function tensorByteLength(type: GgufTensorType, elements: number): number {
  if (type === "F32") return elements * 4;
  if (type === "F16") return elements * 2;
  return (elements / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES;
}

const alignUp = (n: number) => Math.ceil(n / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;

/** Validates the spec and computes the header bytes and every tensor's place, writing nothing. */
export function planGgufFile(spec: GgufFileSpec): GgufLayout {
  const out = new ByteBuilder();
  out.raw(Buffer.from("GGUF", "ascii"));
  out.u32(3);
  out.u64(spec.tensors.length);
  out.u64(spec.metadata.length);

  const keys = new Set<string>();
  for (const entry of spec.metadata) {
    if (typeof entry.key !== "string" || entry.key === "") throw new GgufWriteError("metadata key must be a non-empty string");
    if (keys.has(entry.key)) throw new GgufWriteError(`duplicate metadata key '${entry.key}'`);
    keys.add(entry.key);
    // Readers take the alignment from this key; we always pad to 32, so nothing else may be claimed.
    if (entry.key === "general.alignment" && !(entry.type === "UINT32" && entry.value === GGUF_ALIGNMENT)) {
      throw new GgufWriteError(`general.alignment must be UINT32 ${GGUF_ALIGNMENT}: this writer always aligns to ${GGUF_ALIGNMENT}`);
    }
    out.str(entry.key);
    writeValue(out, entry);
  }

  const names = new Set<string>();
  const tensors: GgufTensorLayout[] = [];
  let dataSize = 0;
  for (const t of spec.tensors) {
    const where = `tensor '${t.name}'`;
    if (typeof t.name !== "string" || t.name === "") throw new GgufWriteError("tensor name must be a non-empty string");
    if (Buffer.byteLength(t.name) > MAX_TENSOR_NAME_BYTES) throw new GgufWriteError(`${where}: name longer than ${MAX_TENSOR_NAME_BYTES} bytes`);
    if (names.has(t.name)) throw new GgufWriteError(`duplicate tensor name '${t.name}'`);
    names.add(t.name);
    if (!(t.type in GGML_TYPE)) throw new GgufWriteError(`${where}: unsupported type '${String(t.type)}' (F32, F16 or Q8_0)`);
    if (t.dims.length < 1 || t.dims.length > MAX_DIMS) throw new GgufWriteError(`${where}: needs 1 to ${MAX_DIMS} dims, got ${t.dims.length}`);
    for (const d of t.dims) {
      if (!Number.isSafeInteger(d) || d < 1) throw new GgufWriteError(`${where}: dims must be positive integers, got [${t.dims.join(", ")}]`);
    }
    // Q8_0 blocks never straddle rows, so it is the row length (dims[0]) that must divide by 32.
    if (t.type === "Q8_0" && t.dims[0]! % Q8_0_BLOCK !== 0) {
      throw new GgufWriteError(`${where}: Q8_0 needs the first dim (row length) to be a multiple of ${Q8_0_BLOCK}, got ${t.dims[0]}`);
    }
    const elements = t.dims.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(elements)) throw new GgufWriteError(`${where}: too many elements`);
    const byteLength = tensorByteLength(t.type, elements);
    tensors.push({ name: t.name, type: t.type, dims: [...t.dims], elements, offset: dataSize, byteLength });
    dataSize = alignUp(dataSize + byteLength);

    out.str(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(GGML_TYPE[t.type]);
    out.u64(tensors[tensors.length - 1]!.offset);
  }
  const dataOffset = alignUp(out.length);
  out.raw(Buffer.alloc(dataOffset - out.length));
  return { header: out.build(), dataOffset, fileSize: dataOffset + dataSize, tensors };
}

/**
 * Writes `spec` to `path` through a temp file in the same folder, renamed into place only once
 * complete and synced: a crash or a throwing `fill` never leaves a partial file under `path`.
 */
export async function writeGgufFile(path: string, spec: GgufFileSpec): Promise<GgufLayout> {
  const layout = planGgufFile(spec);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`);
  const fh = await open(tmp, "wx");
  try {
    await fh.write(layout.header, 0, layout.header.length, 0);
    const bytes = Buffer.alloc(tensorByteLength("F32", CHUNK_ELEMENTS));
    for (const [i, t] of layout.tensors.entries()) {
      let position = layout.dataOffset + t.offset;
      for (const values of chunksOf(spec.tensors[i]!.fill, t.elements, t.name)) {
        const n = encode(t.type, values, bytes, t.name);
        await fh.write(bytes, 0, n, position);
        position += n;
      }
      const padded = layout.dataOffset + alignUp(t.offset + t.byteLength);
      if (padded > position) await fh.write(Buffer.alloc(padded - position), 0, padded - position, position);
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => undefined); // already closed when rename failed
    await rm(tmp, { force: true });
    throw err;
  }
  return layout;
}

/** Yields the tensor's values in Float32Array chunks of CHUNK_ELEMENTS (the last may be shorter). */
function* chunksOf(fill: GgufTensorSpec["fill"], count: number, name: string): Generator<Float32Array> {
  const buf = new Float32Array(Math.min(CHUNK_ELEMENTS, count));
  if (typeof fill === "function") {
    for (let start = 0; start < count; start += buf.length) {
      const n = Math.min(buf.length, count - start);
      for (let j = 0; j < n; j++) buf[j] = fill(start + j);
      yield buf.subarray(0, n);
    }
    return;
  }
  let filled = 0;
  let total = 0;
  for (const chunk of fill) {
    if (chunk == null || typeof chunk === "number" || typeof chunk.length !== "number") {
      throw new GgufWriteError(`tensor '${name}': fill iterable must yield arrays of numbers`);
    }
    if (total + chunk.length > count) throw new GgufWriteError(`tensor '${name}': fill yielded more than ${count} values`);
    for (let j = 0; j < chunk.length; j++) {
      buf[filled++] = chunk[j]!;
      if (filled === buf.length) {
        yield buf;
        filled = 0;
      }
    }
    total += chunk.length;
  }
  if (total !== count) throw new GgufWriteError(`tensor '${name}': fill yielded ${total} values, expected ${count}`);
  if (filled > 0) yield buf.subarray(0, filled);
}

/** Encodes `values` into `out` (little-endian); returns the bytes written. */
function encode(type: GgufTensorType, values: Float32Array, out: Buffer, name: string): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (type === "F32") {
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    return values.length * 4;
  }
  if (type === "F16") {
    for (let i = 0; i < values.length; i++) view.setUint16(i * 2, float32ToFloat16Bits(values[i]!), true);
    return values.length * 2;
  }
  let pos = 0;
  for (let b = 0; b < values.length; b += Q8_0_BLOCK) {
    pos = quantizeQ8_0Block(values.subarray(b, b + Q8_0_BLOCK), view, pos, name);
  }
  return pos;
}

/**
 * One Q8_0 block as llama.cpp's quantize_row_q8_0_ref: f16 scale d = max|x|/127, then 32 int8
 * round(x/d), rounding half away from zero like C's roundf. Returns the position after it.
 */
function quantizeQ8_0Block(block: Float32Array, view: DataView, pos: number, name: string): number {
  let amax = 0;
  for (let j = 0; j < block.length; j++) amax = Math.max(amax, Math.abs(block[j]!));
  if (!Number.isFinite(amax)) throw new GgufWriteError(`tensor '${name}': Q8_0 cannot encode non-finite values`);
  const d = Math.fround(amax / 127);
  const id = d === 0 ? 0 : Math.fround(1 / d);
  view.setUint16(pos, float32ToFloat16Bits(d), true);
  for (let j = 0; j < block.length; j++) {
    const x = Math.fround(block[j]! * id);
    view.setInt8(pos + 2 + j, Math.sign(x) * Math.round(Math.abs(x)));
  }
  return pos + Q8_0_BLOCK_BYTES;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits of `x` (rounded to f32 first), round-to-nearest-even, with subnormals. */
export function float32ToFloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (rem > half || (rem === half && (h & 1) !== 0) ? h + 1 : h);
  }
  const h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, which is exactly the right rounding (up to inf).
  return sign | (rem > 0x1000 || (rem === 0x1000 && (h & 1) !== 0) ? h + 1 : h);
}

function writeValue(out: ByteBuilder, entry: GgufMetadataEntry): void {
  const where = `metadata '${entry.key}'`;
  const int = (v: unknown, min: number, max: number, what: string): number => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new GgufWriteError(`${where}: ${String(v)} is not a ${what}`);
    return v;
  };
  switch (entry.type) {
    case "UINT32": out.u32(VALUE_TYPE.UINT32); out.u32(int(entry.value, 0, 0xffffffff, "uint32")); return;
    case "INT32": out.u32(VALUE_TYPE.INT32); out.i32(int(entry.value, -0x80000000, 0x7fffffff, "int32")); return;
    case "FLOAT32":
      if (typeof entry.value !== "number") throw new GgufWriteError(`${where}: FLOAT32 needs a number`);
      out.u32(VALUE_TYPE.FLOAT32); out.f32(entry.value); return;
    case "UINT64": {
      const v = entry.value;
      const ok = typeof v === "bigint" ? v >= 0n && v < 1n << 64n : Number.isSafeInteger(v) && v >= 0;
      if (!ok) throw new GgufWriteError(`${where}: ${String(v)} is not a uint64 (use a bigint above 2^53)`);
      out.u32(VALUE_TYPE.UINT64); out.u64(v); return;
    }
    case "BOOL":
      if (typeof entry.value !== "boolean") throw new GgufWriteError(`${where}: BOOL needs a boolean`);
      out.u32(VALUE_TYPE.BOOL); out.raw(Buffer.of(entry.value ? 1 : 0)); return;
    case "STRING":
      if (typeof entry.value !== "string") throw new GgufWriteError(`${where}: STRING needs a string`);
      out.u32(VALUE_TYPE.STRING); out.str(entry.value); return;
    case "ARRAY": {
      out.u32(VALUE_TYPE.ARRAY);
      out.u32(VALUE_TYPE[entry.elementType]);
      out.u64(entry.value.length);
      for (let i = 0; i < entry.value.length; i++) {
        const v = entry.value[i];
        if (entry.elementType === "STRING") {
          if (typeof v !== "string") throw new GgufWriteError(`${where}[${i}]: not a string`);
          out.str(v);
        } else if (entry.elementType === "INT32") out.i32(int(v, -0x80000000, 0x7fffffff, "int32"));
        else if (typeof v === "number") out.f32(v);
        else throw new GgufWriteError(`${where}[${i}]: not a number`);
      }
      return;
    }
    default:
      throw new GgufWriteError(`${where}: unsupported type '${String((entry as { type: unknown }).type)}'`);
  }
}

/** Little-endian byte accumulator for the header, which is small enough to build in memory. */
class ByteBuilder {
  private parts: Buffer[] = [];
  length = 0;
  raw(b: Buffer): void { this.parts.push(b); this.length += b.length; }
  u32(v: number): void { const b = Buffer.alloc(4); b.writeUInt32LE(v); this.raw(b); }
  i32(v: number): void { const b = Buffer.alloc(4); b.writeInt32LE(v); this.raw(b); }
  f32(v: number): void { const b = Buffer.alloc(4); b.writeFloatLE(v); this.raw(b); }
  u64(v: number | bigint): void { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.raw(b); }
  str(s: string): void { const b = Buffer.from(s, "utf8"); this.u64(b.length); this.raw(b); }
  build(): Buffer { return Buffer.concat(this.parts, this.length); }
}
