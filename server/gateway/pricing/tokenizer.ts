/**
 * OpenAI's BPE tokenizers (tiktoken's o200k_base and cl100k_base, from js-tiktoken) and which one
 * a model uses. The rank tables are megabytes, so an encoding is loaded on first use only: when a
 * provider of the OpenAI family answered without reporting usage. js-tiktoken is external to the
 * server bundle (esbuild.mjs) and shipped in node_modules, so the backend never parses it otherwise.
 */
import type { Tiktoken } from "js-tiktoken/lite";

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

export interface Encoder {
  name: EncodingName;
  encode(text: string): number[];
  count(text: string): number;
}

const loading = new Map<EncodingName, Promise<Encoder>>();

/** The encoder, loaded once per process (concurrent first callers share the load). */
export function loadEncoder(name: EncodingName): Promise<Encoder> {
  let p = loading.get(name);
  if (!p) {
    p = load(name);
    loading.set(name, p);
    // A failed load (a broken install) is reported to the caller and tried again next time.
    p.catch(() => loading.delete(name));
  }
  return p;
}

async function load(name: EncodingName): Promise<Encoder> {
  const { Tiktoken } = await import("js-tiktoken/lite");
  const ranks = name === "o200k_base" ? await import("js-tiktoken/ranks/o200k_base") : await import("js-tiktoken/ranks/cl100k_base");
  const tiktoken: Tiktoken = new Tiktoken(ranks.default);
  // Text that spells a special token (`<|endoftext|>`) is ordinary text in a request, as
  // OpenAI's API counts it: nothing is allowed as special, nothing refused.
  const encode = (text: string) => (text === "" ? [] : tiktoken.encode(text, [], []));
  return { name, encode, count: (text) => encode(text).length };
}
