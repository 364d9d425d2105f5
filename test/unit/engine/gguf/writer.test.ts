/**
 * GGUF writer: files read back through node-llama-cpp's own parser, tensor bytes decoded here
 * against hand-computed F16/Q8_0 encodings, atomic replacement and input validation.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeRandomLlamaModel } from "../../../../server/engine/gguf/llamaModel";
import { GgufWriteError, float32ToFloat16Bits, kv, writeGgufFile, type GgufFileSpec } from "../../../../server/engine/gguf/writer";

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "faro-gguf-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function lookup(metadata: unknown, key: string): unknown {
  return key.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], metadata);
}

// Hand-computed IEEE binary16 encodings, including every rounding edge the converter handles.
const F16_CASES: Array<[number, number]> = [
  [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff], [0.1, 0x2e66], [1 / 3, 0x3555],
  [2 ** -14, 0x0400], [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002], [1e-8, 0x0000],
  [65520, 0x7c00], [1e6, 0x7c00], [-0, 0x8000], [-Infinity, 0xfc00], [1 + 2 ** -11, 0x3c00],
  [1 + 3 * 2 ** -11, 0x3c02], [-1 - 2 ** -10, 0xbc01],
];

// Q8_0 blocks with exactly representable scales, so the expected bytes follow by hand.
const Q8_BLOCK_A = [127, -127, 2.5, -2.5, 0.5, -0.5, 1.4, -1.6, ...Array<number>(24).fill(0)]; // d = 1
const Q8_BLOCK_A_Q = [127, -127, 3, -3, 1, -1, 1, -2, ...Array<number>(24).fill(0)];
const Q8_BLOCK_B = Array.from({ length: 32 }, (_, j) => (j === 31 ? -127 : j - 16) / 64); // d = 1/64
const Q8_BLOCK_B_Q = Array.from({ length: 32 }, (_, j) => (j === 31 ? -127 : j - 16));
const Q8_BLOCK_C = Array<number>(32).fill(0); // d = 0: all zero, no division by zero

function sampleSpec(): GgufFileSpec {
  return {
    metadata: [
      kv.str("general.architecture", "test"),
      kv.u32("test.u32", 4_000_000_000),
      kv.i32("test.i32", -123456),
      kv.f32("test.f32", 0.25),
      kv.bool("test.yes", true),
      kv.bool("test.no", false),
      kv.u64("test.u64", 2n ** 40n + 7n),
      kv.str("test.unicode", "héllo ▁ 世界"),
      kv.strings("test.strings", ["<unk>", "", "▁the"]),
      kv.f32s("test.f32s", [1.5, -2, 0.1]),
      kv.i32s("test.i32s", [1, -6, 2 ** 31 - 1]),
    ],
    tensors: [
      { name: "a.f32", dims: [3, 2], type: "F32", fill: (i) => i * 1.5 - 1 },
      { name: "b.f16", dims: [F16_CASES.length], type: "F16", fill: (i) => F16_CASES[i]![0] },
      { name: "c.q8", dims: [64, 1, 1], type: "Q8_0", fill: [Q8_BLOCK_A, Q8_BLOCK_B] },
      { name: "d.q8", dims: [32], type: "Q8_0", fill: (i) => Q8_BLOCK_C[i]! },
    ],
  };
}

test("metadata, tensor infos and alignment read back through node-llama-cpp", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "sample.gguf");
  const layout = await writeGgufFile(path, sampleSpec());
  const { readGgufFileInfo } = await import("node-llama-cpp");
  const info = await readGgufFileInfo(path, { logWarnings: false });

  assert.equal(info.version, 3);
  assert.equal(Number(info.tensorCount), 4);
  const m = info.metadata;
  assert.equal(lookup(m, "general.architecture"), "test");
  assert.equal(lookup(m, "test.u32"), 4_000_000_000);
  assert.equal(lookup(m, "test.i32"), -123456);
  assert.equal(lookup(m, "test.f32"), 0.25);
  assert.equal(lookup(m, "test.yes"), true);
  assert.equal(lookup(m, "test.no"), false);
  assert.equal(lookup(m, "test.u64"), 2n ** 40n + 7n);
  assert.equal(lookup(m, "test.unicode"), "héllo ▁ 世界");
  assert.deepEqual(lookup(m, "test.strings"), ["<unk>", "", "▁the"]);
  assert.deepEqual(lookup(m, "test.f32s"), [1.5, -2, Math.fround(0.1)]);
  assert.deepEqual(lookup(m, "test.i32s"), [1, -6, 2 ** 31 - 1]);

  const file = await readFile(path);
  assert.equal(file.length, layout.fileSize);
  assert.equal(info.infoEndOffset, layout.dataOffset);
  assert.equal(layout.dataOffset % 32, 0);
  assert.deepEqual(
    info.tensorInfo?.map((ti) => [ti.name, ti.dimensions.map(Number), ti.ggmlType, Number(ti.offset)]),
    [
      ["a.f32", [3, 2], 0, 0],
      ["b.f16", [F16_CASES.length], 1, 32], // 24 bytes of F32, padded to 32
      ["c.q8", [64, 1, 1], 8, 96], // 36 bytes of F16 at 32, padded to 96
      ["d.q8", [32], 8, 192], // two 34-byte blocks at 96 (to 164), padded to 192
    ],
  );
  for (const ti of info.tensorInfo ?? []) {
    assert.equal(Number(ti.fileOffset) % 32, 0, ti.name);
    assert.equal(Number(ti.fileOffset), layout.dataOffset + Number(ti.offset));
  }
  assert.equal(layout.fileSize, layout.dataOffset + 256, "the last tensor (34 bytes at 192) is padded too");
});

test("F32, F16 and Q8_0 bytes match hand-computed encodings", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "enc.gguf");
  const layout = await writeGgufFile(path, sampleSpec());
  const file = await readFile(path);
  const at = (name: string) => layout.dataOffset + layout.tensors.find((x) => x.name === name)!.offset;

  const f32 = at("a.f32");
  assert.deepEqual(Array.from({ length: 6 }, (_, i) => file.readFloatLE(f32 + 4 * i)), [-1, 0.5, 2, 3.5, 5, 6.5]);

  const f16 = at("b.f16");
  for (const [i, [value, bits]] of F16_CASES.entries()) {
    assert.equal(file.readUInt16LE(f16 + 2 * i).toString(16), bits.toString(16), `f16(${value})`);
  }
  const nan = float32ToFloat16Bits(NaN);
  assert.ok((nan & 0x7c00) === 0x7c00 && (nan & 0x3ff) !== 0, "NaN stays NaN");

  const q8 = at("c.q8");
  const block = (pos: number) => ({ d: file.readUInt16LE(pos), q: Array.from({ length: 32 }, (_, j) => file.readInt8(pos + 2 + j)) });
  assert.deepEqual(block(q8), { d: 0x3c00, q: Q8_BLOCK_A_Q }, "d = 1, halves round away from zero");
  assert.deepEqual(block(q8 + 34), { d: 0x2400, q: Q8_BLOCK_B_Q }, "d = 1/64");
  assert.deepEqual(block(at("d.q8")), { d: 0, q: Array<number>(32).fill(0) }, "all-zero block");
});

test("chunked fills of any sizes give the same bytes as an index fill", async (t) => {
  const dir = await tempDir(t);
  const n = 70_000 * 32; // spans several internal write chunks
  const value = (i: number) => Math.sin(i) * 3;
  const byIndex = join(dir, "index.gguf");
  const byChunks = join(dir, "chunks.gguf");
  function* chunks(): Generator<Float32Array> {
    for (let start = 0, size = 1; start < n; start += size, size = (size * 7 + 3) % 50_000 || 1) {
      yield Float32Array.from({ length: Math.min(size, n - start) }, (_, j) => value(start + j));
    }
  }
  for (const type of ["F32", "F16", "Q8_0"] as const) {
    await writeGgufFile(byIndex, { metadata: [], tensors: [{ name: "w", dims: [32, n / 32], type, fill: value }] });
    await writeGgufFile(byChunks, { metadata: [], tensors: [{ name: "w", dims: [32, n / 32], type, fill: chunks() }] });
    assert.ok((await readFile(byIndex)).equals(await readFile(byChunks)), type);
  }
});

test("a failing write leaves the previous file intact and no temp file behind", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "model.gguf");
  await writeFile(path, "previous content");
  const boom = new Error("fill failed");
  const failing: GgufFileSpec = {
    metadata: [kv.str("general.name", "x")],
    tensors: [
      { name: "ok", dims: [1 << 17], type: "F32", fill: () => 1 },
      { name: "bad", dims: [1 << 17], type: "F32", fill: (i) => { if (i === 100_000) throw boom; return 0; } },
    ],
  };
  await assert.rejects(writeGgufFile(path, failing), (err) => err === boom);
  assert.equal(await readFile(path, "utf8"), "previous content");
  assert.deepEqual(await readdir(dir), ["model.gguf"]);

  const fresh = join(dir, "fresh.gguf");
  const tooFew: GgufFileSpec = { metadata: [], tensors: [{ name: "w", dims: [64], type: "F32", fill: [[1, 2, 3]] }] };
  await assert.rejects(writeGgufFile(fresh, tooFew), /yielded 3 values, expected 64/);
  assert.deepEqual(await readdir(dir), ["model.gguf"]);
});

test("invalid specs are refused with precise messages before any file is created", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "invalid.gguf");
  const tensor = { name: "w", dims: [32], type: "F32" as const, fill: () => 0 };
  const cases: Array<[GgufFileSpec, RegExp]> = [
    [{ metadata: [], tensors: [{ ...tensor, type: "Q8_0", dims: [48, 2] }] }, /tensor 'w': Q8_0 needs the first dim \(row length\) to be a multiple of 32, got 48/],
    [{ metadata: [], tensors: [{ ...tensor, type: "Q8_0", dims: [16, 2] }] }, /multiple of 32, got 16/],
    [{ metadata: [], tensors: [{ ...tensor, dims: [4, 0] }] }, /dims must be positive integers, got \[4, 0\]/],
    [{ metadata: [], tensors: [{ ...tensor, dims: [1.5] }] }, /dims must be positive integers/],
    [{ metadata: [], tensors: [{ ...tensor, dims: [1, 1, 1, 1, 1] }] }, /needs 1 to 4 dims, got 5/],
    [{ metadata: [], tensors: [tensor, tensor] }, /duplicate tensor name 'w'/],
    [{ metadata: [], tensors: [{ ...tensor, name: "x".repeat(64) }] }, /longer than 63 bytes/],
    [{ metadata: [], tensors: [{ ...tensor, type: "Q4_0" as "F32" }] }, /unsupported type 'Q4_0'/],
    [{ metadata: [kv.u32("a", 1), kv.u32("a", 2)], tensors: [] }, /duplicate metadata key 'a'/],
    [{ metadata: [kv.u32("a", -1)], tensors: [] }, /metadata 'a': -1 is not a uint32/],
    [{ metadata: [kv.u32("a", 2 ** 32)], tensors: [] }, /is not a uint32/],
    [{ metadata: [kv.i32("a", 2 ** 31)], tensors: [] }, /metadata 'a': 2147483648 is not a int32/],
    [{ metadata: [kv.i32s("a", [1, 0.5])], tensors: [] }, /metadata 'a': 0.5 is not a int32/],
    [{ metadata: [kv.u64("a", 2 ** 60)], tensors: [] }, /use a bigint above 2\^53/],
    [{ metadata: [kv.u32("general.alignment", 64)], tensors: [] }, /general.alignment must be UINT32 32/],
    [{ metadata: [], tensors: [{ ...tensor, type: "Q8_0", fill: (i) => (i === 3 ? Infinity : 0) }] }, /Q8_0 cannot encode non-finite values/],
  ];
  for (const [spec, message] of cases) {
    await assert.rejects(writeGgufFile(path, spec), (err) => err instanceof GgufWriteError && message.test(err.message), String(message));
  }
  assert.deepEqual(await readdir(dir), []);
});

test("llama.cpp decodes F16 and Q8_0 tensors as meant: same greedy text as the F32 model", async (t) => {
  const dir = await tempDir(t);
  const { getLlama, LlamaCompletion } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false });
  t.after(() => llama.dispose());
  const texts: string[] = [];
  for (const tensorType of ["F32", "F16", "Q8_0"] as const) {
    const path = join(dir, `${tensorType}.gguf`);
    const opts = { embeddingLength: 64, blockCount: 2, headCount: 4, headCountKv: 2, feedForwardLength: 128, contextLength: 512 };
    await writeRandomLlamaModel(path, { ...opts, name: tensorType, tensorType, seed: 3 });
    const model = await llama.loadModel({ modelPath: path });
    const context = await model.createContext({ contextSize: 256, threads: 1 });
    const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
    texts.push(await completion.generateCompletion("hello world", { maxTokens: 32 }));
    await context.dispose();
    await model.dispose();
  }
  // Rounding noise eventually flips a close argmax (Q8_0 here after ~25 tokens), but a wrong
  // scale, byte order or block layout would change the text from the first token.
  const [f32Text, ...others] = texts as [string, string, string];
  assert.ok(f32Text.length >= 30, f32Text);
  for (const [i, text] of others.entries()) {
    let same = 0;
    while (same < text.length && text[same] === f32Text[same]) same++;
    assert.ok(same >= 20, `${["F16", "Q8_0"][i]} diverges from F32 after ${same} characters: ${JSON.stringify(text)}`);
  }
});
