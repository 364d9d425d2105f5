/**
 * The one import of Handlebars: the instance the dotprompt library uses, parse errors that
 * keep their location, and isolated environments so partials never leak between renders.
 */
import Handlebars from "handlebars/dist/cjs/handlebars.js";
import { Dotprompt } from "dotprompt";
import { TextMemo } from "./memo";

export type HandlebarsEnv = typeof Handlebars;
export type Ast = hbs.AST.Program;

/** Location of a syntax error, 1-based lines and 0-based columns like Handlebars' own. */
export interface TokenLoc {
  first_line: number;
  first_column: number;
  last_line: number;
  last_column: number;
}

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    /** The offending token, when the parser said which. */
    readonly token: TokenLoc | null,
    readonly tokenName: string | null,
    readonly expected: string[],
  ) {
    super(message);
    this.name = "TemplateSyntaxError";
  }
}

// The generated parser throws a bare Error whose only location is a caret under a line with
// its breaks removed; keep the lexer's position of the offending token instead.
type JisonParser = { lexer?: { yylloc?: TokenLoc }; parseError: (str: string, hash: { token?: string | null; expected?: string[] }) => never };
const parser = (Handlebars as unknown as { Parser: JisonParser }).Parser;
parser.parseError = function (this: JisonParser, str, hash) {
  const loc = this.lexer?.yylloc;
  throw new TemplateSyntaxError(str, loc ? { ...loc } : null, hash?.token ?? null, hash?.expected ?? []);
};

/** Helpers Handlebars itself provides (always known to the compiler). */
export const BUILTIN_HELPERS = ["if", "unless", "each", "with", "lookup", "log"] as const;
/** Helpers the dotprompt library registers. */
export const DOTPROMPT_HELPERS = ["json", "role", "history", "section", "media", "ifEquals", "unlessEquals"] as const;
export const KNOWN_HELPERS: ReadonlySet<string> = new Set<string>([...BUILTIN_HELPERS, ...DOTPROMPT_HELPERS, "helperMissing", "blockHelperMissing"]);

// Constructing a Dotprompt registers its helpers on the shared instance; take them from there
// so the isolated environments below run exactly the library's helper code.
new Dotprompt();
const dotpromptHelpers: Record<string, Handlebars.HelperDelegate> = {};
for (const name of DOTPROMPT_HELPERS) {
  const fn = Handlebars.helpers[name];
  if (!fn) throw new Error(`the dotprompt library no longer registers the '${name}' helper`);
  dotpromptHelpers[name] = fn;
}

/** The AST with locations. Whitespace control (`~`) only trims text nodes, which no check reads: skip it. */
export function parseTemplateUncached(source: string): Ast {
  return Handlebars.parseWithoutProcessing(source);
}

// Open prompts, their partials and a few recent edits of each. A syntax error is cached too
// (and thrown again): it is as much the parse's result as an AST is.
const parsed = new TextMemo<{ ast: Ast } | { error: unknown }>(32);

/** parseTemplateUncached, remembered by source text. The AST is shared: never modify it. */
export function parseTemplate(source: string): Ast {
  const r = parsed.get(source, (s) => {
    try {
      return { ast: parseTemplateUncached(s) };
    } catch (error) {
      return { error };
    }
  });
  if ("error" in r) throw r.error;
  return r.ast;
}

/** Forgets remembered parses (the benchmark's cold baseline). */
export function clearTemplateCache(): void {
  parsed.clear();
}

/**
 * Handlebars' Visitor, but a partial called as a block (`{{#> name}}…{{/name}}`) is also visited
 * as a partial. Dotprompt finds the partials to resolve by overriding PartialStatement alone, so
 * it never loaded `_name.prompt` for a block call and always rendered the block's fallback.
 */
class PartialBlockVisitor extends Handlebars.Visitor {
  override PartialBlockStatement(partial: hbs.AST.PartialBlockStatement): void {
    this.PartialStatement(partial as unknown as hbs.AST.PartialStatement);
    this.acceptKey(partial, "program");
  }
}

/**
 * A fresh Handlebars environment with the dotprompt helpers. Dotprompt instances share the
 * module's global environment, so a partial defined for one render stays for the next (a
 * stale `_header.prompt` after an edit); every Faro render gets its own environment instead.
 */
export function isolatedHandlebars(): HandlebarsEnv {
  const env = Handlebars.create();
  // create() leaves out Visitor, which dotprompt uses to find the partials a template names.
  env.Visitor = PartialBlockVisitor;
  for (const [name, fn] of Object.entries(dotpromptHelpers)) env.registerHelper(name, fn);
  return env;
}
