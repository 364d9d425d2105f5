/**
 * Rendering, done by the dotprompt library itself so output matches Dotprompt exactly; Faro
 * only gives each render its own Handlebars environment (see handlebars.ts) and resolves
 * partials from `_name.prompt` files.
 */
import { Dotprompt, type DataArgument, type DotpromptOptions, type PromptMetadata, type RenderedPrompt } from "dotprompt";
import { isolatedHandlebars } from "./handlebars";

export type { DataArgument, RenderedPrompt, PromptMetadata };
export type PartialResolver = (name: string) => string | null | Promise<string | null>;

/** A Dotprompt whose helpers and partials live in an environment of its own. */
export function createDotprompt(options: DotpromptOptions = {}): Dotprompt {
  // Partials go in after the swap, so none reaches the shared environment.
  const { partials, ...rest } = options;
  const dp = new Dotprompt(rest);
  (dp as unknown as { handlebars: unknown }).handlebars = isolatedHandlebars();
  for (const [name, source] of Object.entries(partials ?? {})) dp.definePartial(name, source);
  return dp;
}

export interface RenderInput {
  source: string;
  data?: DataArgument;
  options?: PromptMetadata;
  partialResolver?: PartialResolver;
}

export async function renderPrompt({ source, data = {}, options, partialResolver }: RenderInput): Promise<RenderedPrompt> {
  const dp = createDotprompt(partialResolver ? { partialResolver } : {});
  return dp.render(source, data, options);
}
