/**
 * Everything Faro knows about one `.prompt` text: its parse, its problems (syntax, frontmatter,
 * template) and the facts editor features need (declared variables, the model). Synchronous
 * and free of I/O but for reading partial files, so it runs on every keystroke.
 */
import type { ModelInfo } from "../protocol";
import { parsePromptDocument, topPair, nodeSpan, type PromptDocument } from "./document";
import type { CloudLimits, FrontmatterFacts } from "./checkFrontmatter";
import { checkTemplate, type PartialSource, type TemplateFacts } from "./checkTemplate";
import { checkFileRefs, type FileLookup } from "./fileRefs";
import { frontmatterReport } from "./frontmatterReport";
import type { DeclaredVariable } from "./schemaCheck";
import { countTokens, renderWithDefaults, type ExactCounter, type TokenCount } from "./tokens";
import type { Problem } from "./problems";

export interface CheckContext {
  /** The models available now; null while not known (model checks are then skipped). */
  models: readonly ModelInfo[] | null;
  /** The model `default` stands for. */
  defaultModel: string | null;
  /** The user's model aliases (valid names the catalog does not list); none when absent. */
  aliases?: readonly string[];
  /** Cloud models' context windows (the gateway's price table); absent: cloud models get no window checks. */
  cloud?: CloudLimits | null;
  partial: PartialSource;
  /** The partial names it could refer to, for a name that does not resolve (asked only then). */
  partialNames?: () => string[];
  /** The document is a partial (`_name.prompt`), included by other prompts. */
  partialFile?: boolean;
  /** What is at a path relative to the prompt (faro.dataset); absent: files are not checked. */
  files?: FileLookup;
}

export interface PromptAnalysis {
  doc: PromptDocument;
  problems: Problem[];
  /** Variables input.schema declares; null when it declares none (or is not an object). */
  declared: DeclaredVariable[] | null;
  frontmatter: FrontmatterFacts;
  template: TemplateFacts;
  /** input.default, when it is a mapping. */
  defaults: Record<string, unknown>;
}

/**
 * The rendered size against the model's context window. Rendering costs several times the
 * rest of the analysis, so the editor runs this when typing pauses, not on every keystroke.
 * `exact` counts with the model's tokenizer when one is ready; otherwise the count is an
 * estimate and the warning says so.
 */
export function checkContextWindow(a: PromptAnalysis, exact?: ExactCounter): { tokens: TokenCount | null; problems: Problem[] } {
  const { doc } = a;
  if (!doc.template.parsed || a.problems.some((p) => p.severity === "error")) return { tokens: null, problems: [] };
  const rendered = renderWithDefaults(doc, a.defaults, a.template.partials);
  if ("error" in rendered) {
    const line = doc.lines.positionAt(doc.body.start).line;
    return { tokens: null, problems: [{ start: doc.body.start, end: doc.lines.lineEnd(line), severity: "warning", code: "render-failed", message: `Rendering with the default inputs fails: ${rendered.error}` }] };
  }
  const tokens = countTokens(rendered.text, exact);
  return { tokens, problems: contextWindowProblems(a, tokens) };
}

/** The warning for a known token count (also used with the last count while the user types). */
export function contextWindowProblems(a: PromptAnalysis, count: TokenCount): Problem[] {
  const { doc, frontmatter: facts } = a;
  const window = facts.window;
  const { tokens, exact } = count;
  if (!window || tokens + (facts.maxOutputTokens ?? 0) <= window.context) return [];
  const fm = doc.frontmatter;
  const where = (fm && nodeSpan(fm, topPair(fm, "model")?.value)) ?? { start: 0, end: doc.lines.lineEnd(0) };
  const room = facts.maxOutputTokens ? ` plus maxOutputTokens ${facts.maxOutputTokens}` : "";
  const size = exact ? `${tokens} tokens (counted with its tokenizer)` : `≈ ${tokens} tokens (estimate)`;
  return [{
    ...where,
    severity: "warning",
    code: "context-window",
    message: `The prompt rendered with its default inputs is ${size}${room}: more than the ${window.context}-token context window of '${window.id}'.`,
  }];
}

export function analyzePrompt(text: string, ctx: CheckContext): PromptAnalysis {
  const doc = parsePromptDocument(text);
  const problems = [...doc.problems];
  const fm = doc.frontmatter;
  const report = fm && !fm.hasErrors ? frontmatterReport(fm, ctx.models, ctx.defaultModel, ctx.aliases, ctx.cloud ?? null) : null;
  if (report) problems.push(...report.problems);
  // Outside the remembered report: what is on disk changes without the YAML changing.
  if (fm && !fm.hasErrors && ctx.files) checkFileRefs(fm, ctx.files, problems);
  const facts = report?.facts ?? { model: null, resolvedModel: null, window: null, maxOutputTokens: null };
  const declared = report?.declared ?? null;
  const defaults = report?.defaults ?? {};
  // A frontmatter that does not parse may well declare the variables: no verdict on them until
  // it parses (else every variable of the body would flash 'not declared' while a key is typed).
  const schemaDeclared = report?.schemaDeclared ?? Boolean(fm?.hasErrors);
  const template = checkTemplate(doc, declared, new Set(Object.keys(defaults)), schemaDeclared, { source: ctx.partial, names: ctx.partialNames ?? (() => []), inFile: ctx.partialFile ?? false }, problems);
  return { doc, problems, declared, frontmatter: facts, template, defaults };
}
