/**
 * Token counts for an answer whose provider reported none. OpenAI-family providers are counted
 * with tiktoken (tokenizer.ts), chat messages the way OpenAI's cookbook counts them ("How to
 * count tokens with tiktoken": 3 tokens per message, 1 more for a `name`, 3 priming the reply).
 * Anthropic and Gemini publish no tokenizer: theirs stay the ~4 characters per token estimate
 * (cost.ts). Local models always report their own tokenizer's counts, so they never get here.
 */
import type { ChatEvent, Usage } from "../../providers/types";
import { familyOf } from "../targets";
import { estimateTokens, requestChars } from "./cost";
import { encodingForModel, loadEncoder, type Encoder, type EncodingName } from "./tokenizer";

/** How the counts were made: a tokenizer (`exact` false: a stand-in for the model's own) or the estimate. */
export type CountMethod = { kind: "tokenizer"; encoding: EncodingName; exact: boolean } | { kind: "estimate" };

export interface CountedUsage {
  usage: Usage;
  method: CountMethod;
}

const PER_MESSAGE = 3;
const PER_NAME = 1;
const REPLY_PRIMING = 3;

/**
 * The text of an answer as it streams by: per choice its content, its reasoning and each tool
 * call's name and arguments, kept as pieces and joined only when counted (a token may span two
 * stream chunks, so each stream is counted whole; choices are never joined to each other).
 */
export class AnswerText {
  private readonly streams = new Map<string, string[]>();
  private chars = 0;

  add(e: ChatEvent): void {
    if (e.type === "text") this.push(`${e.index}:text`, e.text);
    else if (e.type === "reasoning") this.push(`${e.index}:reasoning`, e.text);
    else if (e.type === "tool_call_delta") {
      if (e.name) this.push(`${e.index}:${e.callIndex}:name`, e.name);
      this.push(`${e.index}:${e.callIndex}:arguments`, e.arguments);
    } else if (e.type === "tool_calls") {
      e.calls.forEach((c, i) => {
        this.push(`${e.index}:${i}:name`, c.name);
        this.push(`${e.index}:${i}:arguments`, c.arguments);
      });
    }
  }

  get length(): number {
    return this.chars;
  }

  segments(): string[] {
    return [...this.streams.values()].map((pieces) => pieces.join(""));
  }

  private push(stream: string, text: string): void {
    if (text === "") return;
    let pieces = this.streams.get(stream);
    if (!pieces) this.streams.set(stream, (pieces = []));
    pieces.push(text);
    this.chars += text.length;
  }
}

/** Counts for `body` (what was sent) and `answer` from `provider`'s `model`. */
export async function countUsage(provider: string | null, model: string | null, body: unknown, answer: AnswerText): Promise<CountedUsage> {
  if (provider === null || model === null || familyOf(provider) !== "openai") {
    const prompt = estimateTokens(requestChars(body));
    const completion = estimateTokens(answer.length);
    return { usage: usage(prompt, completion), method: { kind: "estimate" } };
  }
  const choice = encodingForModel(model);
  const enc = await loadEncoder(choice.name);
  return { usage: usage(promptTokens(enc, body), answerTokens(enc, answer)), method: { kind: "tokenizer", encoding: choice.name, exact: choice.exact } };
}

/** A chat request's messages as OpenAI's cookbook counts them, or a legacy `prompt` / embeddings `input`. */
export function promptTokens(enc: Encoder, body: unknown): number {
  const b = (body ?? {}) as { messages?: unknown; prompt?: unknown; input?: unknown };
  if (Array.isArray(b.messages)) return messagesTokens(enc, b.messages);
  return plainTokens(enc, b.prompt ?? b.input);
}

export function messagesTokens(enc: Encoder, messages: readonly unknown[]): number {
  let n = REPLY_PRIMING;
  for (const m of messages) {
    n += PER_MESSAGE;
    if (!m || typeof m !== "object") continue;
    for (const [key, value] of Object.entries(m as Record<string, unknown>)) {
      if (key === "content") n += contentTokens(enc, value);
      else if (key === "tool_calls" && Array.isArray(value)) n += toolCallTokens(enc, value);
      else if (typeof value === "string") {
        n += enc.count(value);
        if (key === "name") n += PER_NAME;
      }
    }
  }
  return n;
}

/** Text content and text parts; images, audio and files are priced by the provider by other rules and are not counted. */
function contentTokens(enc: Encoder, content: unknown): number {
  if (typeof content === "string") return enc.count(content);
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const part of content) {
    const p = part as { text?: unknown; refusal?: unknown };
    if (typeof p?.text === "string") n += enc.count(p.text);
    else if (typeof p?.refusal === "string") n += enc.count(p.refusal);
  }
  return n;
}

function toolCallTokens(enc: Encoder, calls: readonly unknown[]): number {
  let n = 0;
  for (const c of calls) {
    const f = (c as { function?: { name?: unknown; arguments?: unknown } })?.function;
    if (typeof f?.name === "string") n += enc.count(f.name);
    if (typeof f?.arguments === "string") n += enc.count(f.arguments);
  }
  return n;
}

function plainTokens(enc: Encoder, v: unknown): number {
  if (typeof v === "string") return enc.count(v);
  if (!Array.isArray(v)) return 0;
  // Token ids (legacy completions and embeddings accept them) are already tokens.
  if (v.every((x) => typeof x === "number")) return v.length;
  return v.reduce((n: number, x) => n + plainTokens(enc, x), 0);
}

function answerTokens(enc: Encoder, answer: AnswerText): number {
  let n = 0;
  for (const s of answer.segments()) n += enc.count(s);
  return n;
}

function usage(prompt: number, completion: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
