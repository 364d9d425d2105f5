/**
 * The size of a prompt in tokens, estimated without a tokenizer: loading one means loading the
 * model, and diagnostics never wait on model I/O. Renders the template with its default inputs
 * (Handlebars, as Dotprompt compiles it) and counts about four characters per token, the usual
 * ratio for English with BPE vocabularies.
 */
import { isolatedHandlebars, KNOWN_HELPERS } from "./handlebars";
import type { PromptDocument } from "./document";

export const CHARS_PER_TOKEN = 4;
const MARKER = /<<<dotprompt:[^>]*>>>/g;

export type TokenEstimate = { tokens: number } | { error: string };

export function estimateTokens(doc: PromptDocument, defaults: Record<string, unknown>, partials: ReadonlyMap<string, string>): TokenEstimate {
  const env = isolatedHandlebars();
  for (const [name, source] of partials) env.registerPartial(name, source);
  const knownHelpers = Object.fromEntries([...KNOWN_HELPERS].map((h) => [h, true as const]));
  try {
    const render = env.compile(doc.text.slice(doc.body.start).trim(), { knownHelpers, knownHelpersOnly: true, noEscape: true });
    const text = render(defaults, { data: { metadata: { prompt: {} } } }).replace(MARKER, "");
    return { tokens: Math.ceil(text.length / CHARS_PER_TOKEN) };
  } catch (err) {
    // E.g. defaults that do not fit the template; the caller reports it as a problem.
    return { error: err instanceof Error ? err.message.replace(/ - \d+:\d+$/, "") : String(err) };
  }
}
