/**
 * The size of a prompt in tokens: renders the template with its default inputs (Handlebars,
 * as Dotprompt compiles it), then counts with the model's tokenizer when the caller has it
 * ready (local models, see tokenizers.ts), else estimates about four characters per token, the
 * usual ratio for English with BPE vocabularies (cloud models, or while a tokenizer loads).
 */
import { isolatedHandlebars, KNOWN_HELPERS } from "./handlebars";
import type { PromptDocument } from "./document";

export const CHARS_PER_TOKEN = 4;
const MARKER = /<<<dotprompt:[^>]*>>>/g;

export interface TokenCount {
  tokens: number;
  /** False for the characters-per-token estimate. */
  exact: boolean;
}

/** An exact count of a rendered text, or null when none is available now. */
export type ExactCounter = (text: string) => number | null;

export type RenderedText = { text: string } | { error: string };

export function renderWithDefaults(doc: PromptDocument, defaults: Record<string, unknown>, partials: ReadonlyMap<string, string>): RenderedText {
  const env = isolatedHandlebars();
  for (const [name, source] of partials) env.registerPartial(name, source);
  const knownHelpers = Object.fromEntries([...KNOWN_HELPERS].map((h) => [h, true as const]));
  try {
    const render = env.compile(doc.text.slice(doc.body.start).trim(), { knownHelpers, knownHelpersOnly: true, noEscape: true });
    return { text: render(defaults, { data: { metadata: { prompt: {} } } }).replace(MARKER, "") };
  } catch (err) {
    // E.g. defaults that do not fit the template; the caller reports it as a problem.
    return { error: err instanceof Error ? err.message.replace(/ - \d+:\d+$/, "") : String(err) };
  }
}

export function countTokens(text: string, exact?: ExactCounter): TokenCount {
  const n = exact?.(text) ?? null;
  return n === null ? { tokens: Math.ceil(text.length / CHARS_PER_TOKEN), exact: false } : { tokens: n, exact: true };
}
