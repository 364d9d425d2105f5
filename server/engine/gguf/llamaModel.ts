/**
 * Synthetic llama-architecture GGUF models with deterministic random weights and a small
 * byte-fallback SentencePiece vocabulary: the demo model, test fixtures and benchmark models.
 */
import { GgufWriteError, kv, writeGgufFile, type GgufFileSpec, type GgufLayout, type GgufMetadataEntry, type GgufTensorType } from "./writer";

export interface LlamaModelOptions {
  name: string;
  embeddingLength: number;
  blockCount: number;
  headCount: number;
  headCountKv: number;
  feedForwardLength: number;
  contextLength: number;
  /** Type of the weight matrices (and token embeddings); norms are always F32, as in real models. */
  tensorType: GgufTensorType;
  seed: number;
  /** A ChatML Jinja template (usually CHATML_TEMPLATE); adds the ChatML control tokens. */
  chatTemplate?: string | null;
}

/** The usual ChatML template, as published with ChatML models on Hugging Face. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

export interface LlamaVocabulary {
  tokens: string[];
  scores: number[];
  types: number[];
  unk: number;
  bos: number;
  eos: number;
}

// SentencePiece merges adjacent pieces only into pieces that exist, so each word also needs
// every prefix ("▁t", "▁th", "▁the") for the merges to reach it; the rest falls back to bytes.
const WORDS = (
  "the of and to a in is you that it he was for on are as with his they I at be this have from or one had by " +
  "word but not what all were we when your can said there use an each which she do how their if will up other " +
  "about out many then them these so some her would make like him into time has look two more write go see " +
  "number no way could people my than first water been call who its now find long down day did get come made " +
  "may part hello world model random text demo faro yes"
).split(" ");
const CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'\"-:;()";

export function llamaVocabulary(withChatTokens: boolean): LlamaVocabulary {
  const tokens: string[] = ["<unk>", "<s>", "</s>"];
  const types: number[] = [TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TOKEN_TYPE.byte);
  }
  const normal = new Set<string>(["▁", ...CHARS]);
  for (const word of WORDS) {
    const piece = `▁${word}`;
    for (let end = 2; end <= piece.length; end++) normal.add(piece.slice(0, end));
  }
  for (const piece of normal) {
    tokens.push(piece);
    types.push(TOKEN_TYPE.normal);
  }
  if (withChatTokens) {
    tokens.push("<|im_start|>", "<|im_end|>");
    types.push(TOKEN_TYPE.control, TOKEN_TYPE.control);
  }
  // Like real SentencePiece vocabularies: earlier (more frequent) pieces score higher.
  const scores = types.map((type, id) => (type === TOKEN_TYPE.normal ? -id : 0));
  return { tokens, scores, types, unk: 0, bos: 1, eos: 2 };
}

interface TensorShape {
  name: string;
  dims: number[];
  type: GgufTensorType;
  norm: boolean;
}

export function llamaTensorShapes(opts: LlamaModelOptions): TensorShape[] {
  validate(opts);
  const { embeddingLength: embd, feedForwardLength: ff, tensorType: type } = opts;
  const vocab = llamaVocabulary(opts.chatTemplate != null).tokens.length;
  const kvWidth = (embd / opts.headCount) * opts.headCountKv;
  const matrix = (name: string, dims: number[]): TensorShape => ({ name, dims, type, norm: false });
  const norm = (name: string): TensorShape => ({ name, dims: [embd], type: "F32", norm: true });
  const shapes = [matrix("token_embd.weight", [embd, vocab])];
  for (let b = 0; b < opts.blockCount; b++) {
    shapes.push(
      norm(`blk.${b}.attn_norm.weight`),
      matrix(`blk.${b}.attn_q.weight`, [embd, embd]),
      matrix(`blk.${b}.attn_k.weight`, [embd, kvWidth]),
      matrix(`blk.${b}.attn_v.weight`, [embd, kvWidth]),
      matrix(`blk.${b}.attn_output.weight`, [embd, embd]),
      norm(`blk.${b}.ffn_norm.weight`),
      matrix(`blk.${b}.ffn_gate.weight`, [embd, ff]),
      matrix(`blk.${b}.ffn_up.weight`, [embd, ff]),
      matrix(`blk.${b}.ffn_down.weight`, [ff, embd]),
    );
  }
  shapes.push(norm("output_norm.weight"), matrix("output.weight", [embd, vocab]));
  return shapes;
}

export function llamaParameterCount(opts: LlamaModelOptions): number {
  return llamaTensorShapes(opts).reduce((sum, t) => sum + t.dims.reduce((a, b) => a * b, 1), 0);
}

// llama.cpp's LLAMA_FTYPE values, which model listings read as the quantization.
const FILE_TYPE: Record<GgufTensorType, number> = { F32: 0, F16: 1, Q8_0: 7 };
// Uniform on [-a, a] has standard deviation a/sqrt(3): this gives 0.02, GPT-2's init scale.
const WEIGHT_AMPLITUDE = 0.02 * Math.sqrt(3);

/** The complete GGUF spec (metadata and lazily generated tensors) for `opts`. */
export function llamaModelSpec(opts: LlamaModelOptions): GgufFileSpec {
  const shapes = llamaTensorShapes(opts);
  const vocab = llamaVocabulary(opts.chatTemplate != null);
  const metadata: GgufMetadataEntry[] = [
    kv.str("general.architecture", "llama"),
    kv.str("general.name", opts.name),
    kv.u32("general.file_type", FILE_TYPE[opts.tensorType]),
    kv.u32("general.quantization_version", 2),
    kv.u32("llama.vocab_size", vocab.tokens.length),
    kv.u32("llama.context_length", opts.contextLength),
    kv.u32("llama.embedding_length", opts.embeddingLength),
    kv.u32("llama.block_count", opts.blockCount),
    kv.u32("llama.feed_forward_length", opts.feedForwardLength),
    kv.u32("llama.attention.head_count", opts.headCount),
    kv.u32("llama.attention.head_count_kv", opts.headCountKv),
    kv.u32("llama.rope.dimension_count", opts.embeddingLength / opts.headCount),
    kv.f32("llama.rope.freq_base", 10000),
    kv.f32("llama.attention.layer_norm_rms_epsilon", 1e-5),
    kv.str("tokenizer.ggml.model", "llama"),
    kv.strings("tokenizer.ggml.tokens", vocab.tokens),
    kv.f32s("tokenizer.ggml.scores", vocab.scores),
    kv.i32s("tokenizer.ggml.token_type", vocab.types),
    kv.u32("tokenizer.ggml.unknown_token_id", vocab.unk),
    kv.u32("tokenizer.ggml.bos_token_id", vocab.bos),
    kv.u32("tokenizer.ggml.eos_token_id", vocab.eos),
    kv.bool("tokenizer.ggml.add_bos_token", true),
    kv.bool("tokenizer.ggml.add_eos_token", false),
  ];
  if (opts.chatTemplate != null) metadata.push(kv.str("tokenizer.chat_template", opts.chatTemplate));
  const tensors = shapes.map((t) => {
    const tensorSeed = hash32(fnv1a(t.name) ^ Math.imul(opts.seed | 0, 0x9e3779b1), 0);
    const fill = t.norm ? () => 1 : (i: number) => (hash32(tensorSeed, i) / 0x80000000 - 1) * WEIGHT_AMPLITUDE;
    return { name: t.name, dims: t.dims, type: t.type, fill };
  });
  return { metadata, tensors };
}

/** Writes the model to `path` atomically; the same options always give the same bytes. */
export function writeRandomLlamaModel(path: string, opts: LlamaModelOptions): Promise<GgufLayout> {
  return writeGgufFile(path, llamaModelSpec(opts));
}

function validate(opts: LlamaModelOptions): void {
  const fail = (msg: string): never => {
    throw new GgufWriteError(`llama model '${opts.name}': ${msg}`);
  };
  for (const key of ["embeddingLength", "blockCount", "headCount", "headCountKv", "feedForwardLength", "contextLength"] as const) {
    if (!Number.isSafeInteger(opts[key]) || opts[key] < 1) fail(`${key} must be a positive integer, got ${opts[key]}`);
  }
  if (!Number.isSafeInteger(opts.seed)) fail(`seed must be an integer, got ${opts.seed}`);
  if (opts.embeddingLength % opts.headCount !== 0) fail("embeddingLength must be a multiple of headCount");
  if (opts.headCount % opts.headCountKv !== 0) fail("headCount must be a multiple of headCountKv");
  // RoPE rotates pairs of dimensions.
  if ((opts.embeddingLength / opts.headCount) % 2 !== 0) fail("the head size (embeddingLength / headCount) must be even");
  if (opts.tensorType === "Q8_0" && (opts.embeddingLength % 32 !== 0 || opts.feedForwardLength % 32 !== 0)) {
    fail("Q8_0 needs embeddingLength and feedForwardLength to be multiples of 32 (its block size)");
  }
}

/** Stateless hash of (seed, index) to a uint32: weights do not depend on generation order. */
function hash32(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index, 0x9e3779b9) ^ Math.floor(index / 0x100000000)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
