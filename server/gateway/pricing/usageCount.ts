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
import { countTokens, encodingForModel, type EncodingName } from "./tokenizer";

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
    else if (e.type === "refusal") this.push(`${e.index}:refusal`, e.text);
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
  const prompt = promptTally(body);
  const answerTexts = answer.segments();
  // One round trip to the tokenizer for the prompt's and the answer's texts.
  const counts = await countTokens(choice.name, [...prompt.texts, ...answerTexts]);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const promptTokens = prompt.fixed + sum(counts.slice(0, prompt.texts.length));
  const completionTokens = sum(counts.slice(prompt.texts.length));
  return { usage: usage(promptTokens, completionTokens), method: { kind: "tokenizer", encoding: choice.name, exact: choice.exact } };
}

/** The texts to tokenize and the tokens known without tokenizing (overheads, token-id prompts). */
export interface Tally {
  texts: string[];
  fixed: number;
}

/** A chat request's messages as OpenAI's cookbook counts them, or a legacy `prompt` / embeddings `input`. */
export function promptTally(body: unknown): Tally {
  const b = (body ?? {}) as { messages?: unknown; prompt?: unknown; input?: unknown };
  const t: Tally = { texts: [], fixed: 0 };
  if (Array.isArray(b.messages)) messagesTally(b.messages, t);
  else plainTally(b.prompt ?? b.input, t);
  return t;
}

/** Sums a tally's count once its texts are counted (for tests and callers that count themselves). */
export async function countTally(encoding: EncodingName, t: Tally): Promise<number> {
  return t.fixed + (await countTokens(encoding, t.texts)).reduce((a, b) => a + b, 0);
}

function messagesTally(messages: readonly unknown[], t: Tally): void {
  t.fixed += REPLY_PRIMING;
  for (const m of messages) {
    t.fixed += PER_MESSAGE;
    if (!m || typeof m !== "object") continue;
    for (const [key, value] of Object.entries(m as Record<string, unknown>)) {
      if (key === "content") contentTally(value, t);
      else if (key === "tool_calls" && Array.isArray(value)) toolCallTally(value, t);
      else if (typeof value === "string") {
        t.texts.push(value);
        if (key === "name") t.fixed += PER_NAME;
      }
    }
  }
}

/** Text content and text parts; images, audio and files are priced by the provider by other rules and are not counted. */
function contentTally(content: unknown, t: Tally): void {
  if (typeof content === "string") t.texts.push(content);
  if (!Array.isArray(content)) return;
  for (const part of content) {
    const p = part as { text?: unknown; refusal?: unknown };
    if (typeof p?.text === "string") t.texts.push(p.text);
    else if (typeof p?.refusal === "string") t.texts.push(p.refusal);
  }
}

function toolCallTally(calls: readonly unknown[], t: Tally): void {
  for (const c of calls) {
    const f = (c as { function?: { name?: unknown; arguments?: unknown } })?.function;
    if (typeof f?.name === "string") t.texts.push(f.name);
    if (typeof f?.arguments === "string") t.texts.push(f.arguments);
  }
}

function plainTally(v: unknown, t: Tally): void {
  if (typeof v === "string") t.texts.push(v);
  if (!Array.isArray(v)) return;
  // Token ids (legacy completions and embeddings accept them) are already tokens.
  if (v.every((x) => typeof x === "number")) t.fixed += v.length;
  else for (const x of v) plainTally(x, t);
}

function usage(prompt: number, completion: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
