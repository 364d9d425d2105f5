/**
 * Everything Faro knows about one `.prompt` text: its parse, its problems (syntax, frontmatter,
 * template) and the facts editor features need (declared variables, the model). Synchronous
 * and free of I/O but for reading partial files, so it runs on every keystroke.
 */
import { isMap, isScalar } from "yaml";
import type { ModelInfo } from "../protocol";
import { parsePromptDocument, topPair, nodeSpan, findPair, type PromptDocument } from "./document";
import { checkFrontmatter, type FrontmatterFacts } from "./checkFrontmatter";
import { checkTemplate, type PartialSource, type TemplateFacts } from "./checkTemplate";
import { checkSchema, type DeclaredVariable } from "./schemaCheck";
import { countTokens, renderWithDefaults, type ExactCounter, type TokenCount } from "./tokens";
import type { Problem } from "./problems";

export interface CheckContext {
  /** The models available now; null while not known (model checks are then skipped). */
  models: readonly ModelInfo[] | null;
  /** The model `default` stands for. */
  defaultModel: string | null;
  partial: PartialSource;
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
  const model = facts.resolvedModel;
  const window = model?.faro.context_length;
  const { tokens, exact } = count;
  if (!model || !window || tokens + (facts.maxOutputTokens ?? 0) <= window) return [];
  const fm = doc.frontmatter;
  const where = (fm && nodeSpan(fm, topPair(fm, "model")?.value)) ?? { start: 0, end: doc.lines.lineEnd(0) };
  const room = facts.maxOutputTokens ? ` plus maxOutputTokens ${facts.maxOutputTokens}` : "";
  const size = exact ? `${tokens} tokens (counted with its tokenizer)` : `≈ ${tokens} tokens (estimate)`;
  return [{
    ...where,
    severity: "warning",
    code: "context-window",
    message: `The prompt rendered with its default inputs is ${size}${room}: more than the ${window}-token context window of '${model.id}'.`,
  }];
}

export function analyzePrompt(text: string, ctx: CheckContext): PromptAnalysis {
  const doc = parsePromptDocument(text);
  const problems = [...doc.problems];
  const fm = doc.frontmatter;
  let facts: FrontmatterFacts = { model: null, resolvedModel: null, maxOutputTokens: null };
  let declared: DeclaredVariable[] | null = null;
  let schemaDeclared = false;
  const defaults = new Set<string>();
  let defaultValues: Record<string, unknown> = {};
  if (fm && !fm.hasErrors) {
    facts = checkFrontmatter(fm, ctx.models, ctx.defaultModel, problems);
    const input = topPair(fm, "input")?.value;
    const schemaNode = findPair(input, "schema")?.value;
    schemaDeclared = Boolean(schemaNode && !(isScalar(schemaNode) && schemaNode.value === null));
    const input_ = checkSchema(fm, schemaNode);
    problems.push(...input_.problems);
    declared = input_.variables;
    problems.push(...checkSchema(fm, findPair(topPair(fm, "output")?.value, "schema")?.value).problems);
    const def = findPair(input, "default")?.value;
    if (isMap(def)) {
      defaultValues = def.toJSON() as Record<string, unknown>;
      for (const k of Object.keys(defaultValues)) defaults.add(k);
    }
  }
  const template = checkTemplate(doc, declared, defaults, schemaDeclared, ctx.partial, problems);
  return { doc, problems, declared, frontmatter: facts, template, defaults: defaultValues };
}
