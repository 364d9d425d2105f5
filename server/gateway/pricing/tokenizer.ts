/**
 * OpenAI's BPE tokenizers (tiktoken's o200k_base and cl100k_base, from js-tiktoken) and which one
 * a model uses. Building an encoder from its rank table (megabytes) takes ~0.6 s of CPU and a long
 * text takes milliseconds more, so tokenizing runs in a worker thread, started on first use (when
 * a provider of the OpenAI family answered without reporting usage): the backend's event loop,
 * which also relays streams and serves the editor, never waits on it. js-tiktoken is external to
 * the server bundle (esbuild.mjs) and shipped in node_modules.
 */
import { Worker } from "node:worker_threads";

export type EncodingName = "o200k_base" | "cl100k_base";

export interface EncodingChoice {
  name: EncodingName;
  /** false: the model is not one of OpenAI's, so its own tokenizer is unknown and this is an approximation. */
  exact: boolean;
}

// tiktoken's model.py, newest first: o200k_base from gpt-4o on, cl100k_base for gpt-4 and gpt-3.5.
const PREFIXES: ReadonlyArray<readonly [string, EncodingName]> = [
  ["gpt-5", "o200k_base"],
  ["gpt-4.5", "o200k_base"],
  ["gpt-4.1", "o200k_base"],
  ["gpt-4o", "o200k_base"],
  ["chatgpt-4o", "o200k_base"],
  ["ft:gpt-4o", "o200k_base"],
  ["o1", "o200k_base"],
  ["o3", "o200k_base"],
  ["o4-mini", "o200k_base"],
  ["gpt-4", "cl100k_base"],
  ["ft:gpt-4", "cl100k_base"],
  ["gpt-3.5", "cl100k_base"],
  ["gpt-35", "cl100k_base"],
  ["ft:gpt-3.5", "cl100k_base"],
  ["text-embedding-", "cl100k_base"],
  ["davinci-002", "cl100k_base"],
  ["babbage-002", "cl100k_base"],
];

/**
 * The encoding for a model served by an OpenAI-compatible provider. A vendor prefix
 * (OpenRouter's `openai/gpt-4o`) is dropped. o-series names match whole (`o1`, `o3-mini`), not
 * `o1x`. Models that are not OpenAI's (Llama, Mistral, Qwen on Groq, Together...) get cl100k_base
 * marked inexact: their tokenizers differ (Llama 3's vocabulary is cl100k_base plus 28k tokens).
 */
export function encodingForModel(model: string): EncodingChoice {
  const name = model.slice(model.lastIndexOf("/") + 1).toLowerCase();
  for (const [prefix, encoding] of PREFIXES) {
    if (!name.startsWith(prefix)) continue;
    const next = name.charAt(prefix.length);
    // `o1` and `o3-mini` are OpenAI's; `o1x` would be some other model's name.
    if (/^o\d/.test(prefix) && next !== "" && next !== "-") continue;
    return { name: encoding, exact: true };
  }
  return { name: "cl100k_base", exact: false };
}

/** Token counts of each text, in order. */
export function countTokens(encoding: EncodingName, texts: readonly string[]): Promise<number[]> {
  return texts.length === 0 ? Promise.resolve([]) : call<number[]>({ op: "count", encoding, texts });
}

/** The token ids of a text (for tests against tiktoken's vectors). */
export async function encodeTokens(encoding: EncodingName, text: string): Promise<number[]> {
  return (await call<number[][]>({ op: "encode", encoding, texts: [text] }))[0]!;
}

/** Each token list as text, or the place of the first id the encoding does not have. */
export type Decoded = { texts: string[] } | { unknown: { list: number; index: number; id: number } };

export function decodeTokens(encoding: EncodingName, lists: readonly (readonly number[])[]): Promise<Decoded> {
  return call<Decoded>({ op: "decode", encoding, lists });
}

// The worker is CommonJS evaluated from this string (no file to find in the bundle or under tsx);
// it requires js-tiktoken by the absolute paths the main thread resolved. Text that spells a
// special token (`<|endoftext|>`) is ordinary text in a request, as OpenAI's API counts it:
// nothing is allowed as special, nothing refused.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { Tiktoken } = require(workerData.lite);
const encoders = new Map();
function encoder(name) {
  let e = encoders.get(name);
  if (!e) encoders.set(name, (e = new Tiktoken(require(workerData.ranks[name]))));
  return e;
}
function decode(enc, lists) {
  // js-tiktoken's decode() skips ids it does not have: find them first.
  for (let list = 0; list < lists.length; list++) {
    for (let index = 0; index < lists[list].length; index++) {
      const t = lists[list][index];
      if (!enc.textMap.has(t) && enc.inverseSpecialTokens[t] === undefined) return { unknown: { list, index, id: t } };
    }
  }
  return { texts: lists.map((l) => enc.decode(l)) };
}
parentPort.on("message", ({ id, op, encoding, texts, lists }) => {
  try {
    const enc = encoder(encoding);
    const out = op === "decode" ? decode(enc, lists) : texts.map((t) => {
      const tokens = t === "" ? [] : enc.encode(t, [], []);
      return op === "encode" ? tokens : tokens.length;
    });
    parentPort.postMessage({ id, out });
  } catch (err) {
    parentPort.postMessage({ id, error: err && err.stack ? err.stack : String(err) });
  }
});
`;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

interface Running {
  worker: Worker;
  pending: Map<number, Pending>;
}

let running: Running | null = null;
let nextId = 1;

type Job = { op: "count" | "encode"; encoding: EncodingName; texts: readonly string[] } | { op: "decode"; encoding: EncodingName; lists: readonly (readonly number[])[] };

function call<T>(job: Job): Promise<T> {
  const r = running ?? (running = start());
  const id = nextId++;
  // Referenced only while it owes an answer: an idle tokenizer never keeps a process alive.
  if (r.pending.size === 0) r.worker.ref();
  return new Promise<T>((resolve, reject) => {
    r.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    r.worker.postMessage({ id, ...job });
  });
}

function start(): Running {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      lite: require.resolve("js-tiktoken/lite"),
      ranks: { o200k_base: require.resolve("js-tiktoken/ranks/o200k_base"), cl100k_base: require.resolve("js-tiktoken/ranks/cl100k_base") },
    },
  });
  const r: Running = { worker, pending: new Map() };
  worker.on("message", (m: { id: number; out?: unknown; error?: string }) => {
    const p = r.pending.get(m.id);
    if (!p) return;
    r.pending.delete(m.id);
    if (r.pending.size === 0) worker.unref();
    if (m.error !== undefined) p.reject(new Error(`The tokenizer failed: ${m.error}`));
    else p.resolve(m.out);
  });
  // A worker that cannot start (js-tiktoken missing from a broken install) or dies fails what it
  // owed; the next count starts a new one.
  const fail = (err: Error) => {
    if (running === r) running = null;
    for (const p of r.pending.values()) p.reject(new Error(`The tokenizer worker stopped: ${err.message}`));
    r.pending.clear();
  };
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`exit code ${code}`)));
  worker.unref();
  return r;
}
