/**
 * Checks of the template against the frontmatter and the files around it: variables used but
 * not declared (and declared but unused), unknown helpers, misused role markers, partials that
 * do not resolve.
 */
import { analyzeTemplate, PARTIAL_BLOCK, type HelperUse, type PartialUse, type TemplateInfo, type VariableRef } from "./template";
import { KNOWN_HELPERS } from "./handlebars";
import { arityProblem } from "./helperArity";
import { CLOSE_NAME, ROLES, nearest } from "./keys";
import { LineIndex } from "./lineIndex";
import { TextMemo } from "./memo";
import type { DeclaredVariable } from "./schemaCheck";
import type { PromptDocument } from "./document";
import type { Problem } from "./problems";

/** Source of the partial `{{> name}}` refers to, or null when no file provides it. */
export type PartialSource = (name: string) => string | null;

/** The partials around a document, and whether it is a partial itself (`_name.prompt`, included by other prompts). */
export interface Partials {
  source: PartialSource;
  /** The names of those it can include, for a name that does not resolve. */
  names: () => string[];
  inFile: boolean;
}

export interface TemplateFacts {
  /** Root variables the template uses, partials included. */
  used: Set<string>;
  /** Partial sources found, by name. */
  partials: Map<string, string>;
}

export function checkTemplate(doc: PromptDocument, declared: DeclaredVariable[] | null, hasDefaults: Set<string>, schemaDeclared: boolean, partials: Partials, out: Problem[]): TemplateFacts {
  const t = doc.template;
  const facts: TemplateFacts = { used: new Set(t.variables.map((v) => v.name)), partials: new Map() };
  if (!t.parsed) return facts;

  for (const h of t.helpers) checkHelper(h, doc.lines, out);
  const histories = t.helpers.filter((h) => h.name === "history");
  for (const h of histories.slice(1)) {
    out.push({ ...span(h), severity: "warning", code: "history-repeated", message: "'{{history}}' appears more than once: the conversation history is inserted only at the first." });
  }

  // A partial the template defines itself ({{#*inline "name"}}) is no file to look for.
  const inline = new Set(t.inlines.map((i) => i.name));
  const files: PartialUse[] = [];
  for (const p of t.partials) {
    if (p.name === PARTIAL_BLOCK) {
      if (!p.inInline && !partials.inFile) out.push({ ...span(p), severity: "error", code: "partial-block-outside", message: PARTIAL_BLOCK_OUTSIDE });
    } else if (!inline.has(p.name)) {
      files.push(p);
    }
  }
  const unresolved = collectPartials(files, partials.source, facts, partials.inFile ? null : out, new Set(), 0);
  if (unresolved.length > 0) {
    const names = [...new Set([...partials.names(), ...inline])];
    for (const use of unresolved) {
      const suggestions = nearest(use.name, names, 2, CLOSE_NAME);
      out.push({
        ...span(use),
        severity: "error",
        code: "partial-unresolved",
        message: `Partial '${use.name}' not found: Faro looks for _${use.name.split("/").pop()}.prompt next to this file and in its parent folders.${suggestions[0] ? ` Did you mean '${suggestions[0]}'?` : ""}`,
        data: { suggestions },
      });
    }
  }

  if (declared) {
    const names = new Set(declared.map((d) => d.name));
    for (const v of t.variables) {
      if (names.has(v.name)) continue;
      // A misspelt name is the likelier mistake than a variable missing from the schema.
      const suggestions = nearest(v.name, names, 2, CLOSE_NAME);
      out.push(undeclared(doc.text, v, "warning", `'${v.name}' is not declared in input.schema.${suggestions[0] ? ` Did you mean '${suggestions[0]}'?` : ""}`, suggestions));
    }
    for (const h of t.helpers) if (h.name === "ifEquals" || h.name === "unlessEquals") checkEnumComparison(doc.text, h, t.variables, declared, out);
    for (const d of declared) {
      if (!facts.used.has(d.name)) {
        out.push({ ...d.span, severity: "warning", code: "variable-unused", message: `'${d.name}' is declared in input.schema but the template never uses it.`, unnecessary: true });
      }
    }
  } else if (!schemaDeclared) {
    for (const v of t.variables) {
      if (!hasDefaults.has(v.name)) out.push(undeclared(doc.text, v, "info", `'${v.name}' is not declared: add an input.schema so editors and callers know the prompt's variables.`));
    }
  }
  return facts;
}

/** Covers the name itself (`user` in `{{../user.name}}`), which the quick fix declares. */
function undeclared(text: string, v: VariableRef, severity: "warning" | "info", message: string, suggestions: string[] = []): Problem {
  const at = Math.max(0, text.slice(v.start, v.end).indexOf(v.name));
  return { start: v.start + at, end: v.start + at + v.name.length, severity, code: "variable-undeclared", message, data: { name: v.name, suggestions } };
}

const span = (s: { start: number; end: number }) => ({ start: s.start, end: s.end });

function checkHelper(h: HelperUse, lines: LineIndex, out: Problem[]): void {
  if (!h.known) {
    const [best] = nearest(h.name, KNOWN_HELPERS, 1);
    out.push({
      ...span(h),
      severity: "error",
      code: "unknown-helper",
      message: `Unknown helper '${h.name}': Dotprompt renders with known helpers only, so this fails.${best ? ` Did you mean '${best}'?` : ""}`,
    });
    return;
  }
  const arity = arityProblem(h, lines);
  if (arity) {
    out.push(arity);
    return;
  }
  const n = h.node;
  if (h.name === "role") {
    if (h.block) {
      out.push({ ...span(h), severity: "error", code: "role-misused", message: "'role' is not a block helper: write {{role \"system\"}} and then the message text." });
      return;
    }
    const arg = n.params[0] as { type: string; value?: unknown } | undefined;
    if (!arg || n.params.length > 1) {
      out.push({ ...span(h), severity: "error", code: "role-misused", message: `'role' takes one role name: {{role "${ROLES[0]}"}}.` });
    } else if (arg.type === "StringLiteral" && !(ROLES as readonly string[]).includes(String(arg.value))) {
      out.push({ ...span(h), severity: "error", code: "role-misused", message: `Unknown role '${String(arg.value)}': Dotprompt roles are ${ROLES.join(", ")}.` });
    }
  } else if (h.name === "media") {
    if (!n.hash?.pairs.some((p) => p.key === "url")) {
      out.push({ ...span(h), severity: "error", code: "helper-misused", message: "'media' needs a url: {{media url=imageUrl}}." });
    }
  }
}

/**
 * `{{#ifEquals to "French"}}` where `to` is an enum without that value: the block can never
 * render (or, with unlessEquals, always does). A value the schema allows is the likelier intent.
 */
function checkEnumComparison(text: string, h: HelperUse, variables: VariableRef[], declared: DeclaredVariable[], out: Problem[]): void {
  const [a, b] = h.node.params as Array<{ type: string; value?: unknown; parts?: string[]; depth?: number; data?: boolean }>;
  if (!a || !b) return;
  const [path, literal] = a.type === "PathExpression" ? [a, b] : [b, a];
  if (path.type !== "PathExpression" || path.data || path.depth !== 0 || path.parts?.length !== 1 || literal.type !== "StringLiteral") return;
  const v = declared.find((d) => d.name === path.parts![0]);
  const value = String(literal.value);
  if (!v?.enumValues || v.enumValues.includes(value)) return;
  // The tag after the helper's name (its span). Inside {{#each}} the name is the item's field,
  // not the input variable: only a use the analysis counts as the input variable is compared.
  const end = text.indexOf("}}", h.end);
  if (!variables.some((r) => r.name === v.name && r.start >= h.end && (end < 0 || r.end <= end))) return;
  const tag = text.slice(h.end, end < 0 ? text.length : end);
  const m = new RegExp(`(["'])${value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\1`).exec(tag);
  const at = m ? { start: h.end + m.index, end: h.end + m.index + m[0].length } : span(h);
  const values = v.enumValues.map((e) => (typeof e === "string" ? e : JSON.stringify(e))).join(", ");
  const effect = h.name === "ifEquals" ? "this block never renders" : "this block always renders";
  out.push({ ...at, severity: "warning", code: "enum-value-unknown", message: `'${value}' is not one of the values input.schema allows for '${v.name}' (${values}): ${effect}.` });
}

const PARTIAL_BLOCK_OUTSIDE =
  "'{{> @partial-block}}' inserts the content a partial is called with as a block ({{#> name}}…{{/name}}): it works only inside a partial (a _name.prompt file or an {{#*inline}} one), not in the prompt itself, where rendering fails.";

// The partials of the open prompts, analyzed once per text rather than on every keystroke.
const partialInfo = new TextMemo<TemplateInfo>(64);

/** Forgets remembered partial analyses (the benchmark's cold baseline). */
export function clearPartialCache(): void {
  partialInfo.clear();
}

/**
 * Resolves partials (recursively, cycle-safe) and counts the root variables they use. Returns
 * the document's own uses (depth 0) that resolve to nothing and have no fallback. `blockOut`
 * takes whether one that inserts its block is called with one (not checked inside a partial
 * file: its own callers may give it the block).
 */
function collectPartials(uses: readonly PartialUse[], partial: PartialSource, facts: TemplateFacts, blockOut: Problem[] | null, seen: Set<string>, depth: number): PartialUse[] {
  const unresolved: PartialUse[] = [];
  for (const use of uses) {
    if (use.name === PARTIAL_BLOCK || seen.has(use.name) || depth > 8) continue;
    const source = facts.partials.get(use.name) ?? partial(use.name);
    if (source === null) {
      // Called as a block, a missing partial renders the block's own content instead: no error.
      // Problems inside a partial belong to its own file.
      if (!use.block && depth === 0) unresolved.push(use);
      continue;
    }
    facts.partials.set(use.name, source);
    const info = partialInfo.get(source, (s) => analyzeTemplate(s, 0, new LineIndex(s)));
    if (use.atRoot) for (const v of info.variables) facts.used.add(v.name);
    if (!use.block && !use.inInline && info.partials.some((p) => p.name === PARTIAL_BLOCK && !p.inInline)) {
      blockOut?.push({
        ...span(use),
        severity: "error",
        code: "partial-block-missing",
        message: `Partial '${use.name}' inserts the block it is called with ({{> @partial-block}}), so rendering fails without one: call it as {{#> ${use.name}}}…{{/${use.name}}}.`,
      });
    }
    // Problems inside the partial belong to its own file; here only whether it resolves.
    collectPartials(info.partials, partial, facts, null, new Set([...seen, use.name]), depth + 1);
  }
  return unresolved;
}
