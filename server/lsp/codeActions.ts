/**
 * Quick fixes: replace an unknown model, key, config key, value, tool, variable or partial with the nearest known one,
 * declare a variable the template uses in input.schema, and remove what comes before a
 * frontmatter's first '---'.
 */
import { isMap, isScalar, type Node as YamlNode } from "yaml";
import { CodeActionKind, type CodeAction, type Diagnostic, type Range, type TextEdit } from "vscode-languageserver/node";
import { findPair, nodeSpan, topPair, type PromptDocument } from "../prompts/document";
import type { PromptAnalysis } from "../prompts/check";
import { rangeOf, toDiagnostic } from "./convert";

const RENAMES: Record<string, string> = { "model-unknown": "Change to", "unknown-key": "Rename to", "config-unknown": "Rename to", "tool-unknown": "Change to", "variable-undeclared": "Change to", "partial-unresolved": "Change to", "default-undeclared": "Rename to", "value-unknown": "Change to" };

export function codeActions(uri: string, a: PromptAnalysis, range: Range): CodeAction[] {
  const lines = a.doc.lines;
  const from = lines.offsetAt(range.start);
  const to = lines.offsetAt(range.end);
  const actions: CodeAction[] = [];
  for (const p of a.problems) {
    if (p.end < from || p.start > to) continue;
    const diagnostic = toDiagnostic(lines, p);
    const suggestions = (p.data as { suggestions?: string[] } | undefined)?.suggestions ?? [];
    const verb = RENAMES[p.code];
    if (verb) {
      suggestions.forEach((s, i) => actions.push(fix(`${verb} '${s}'`, uri, diagnostic, [{ range: rangeOf(lines, p), newText: s }], i === 0)));
    }
    if (p.code === "frontmatter-not-first") {
      const remove = (p.data as { remove: number }).remove;
      actions.push(fix("Remove what comes before '---'", uri, diagnostic, [{ range: { start: lines.positionAt(0), end: lines.positionAt(remove) }, newText: "" }], true));
    }
    if (p.code === "variable-undeclared") {
      const edit = declareVariable(a.doc, (p.data as { name: string }).name);
      if (edit) actions.push(fix(`Declare '${(p.data as { name: string }).name}' in input.schema`, uri, diagnostic, [edit], suggestions.length === 0));
    }
  }
  return actions;
}

function fix(title: string, uri: string, diagnostic: Diagnostic, edits: TextEdit[], preferred: boolean): CodeAction {
  return { title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: preferred, edit: { changes: { [uri]: edits } } };
}

/** Inserts `name: string` where input.schema's fields are (creating input/schema as needed). */
export function declareVariable(doc: PromptDocument, name: string): TextEdit | null {
  const lines = doc.lines;
  const fm = doc.frontmatter;
  const field = `${name}: string`;
  const at = (offset: number, text: string): TextEdit => {
    const pos = lines.positionAt(offset);
    return { range: { start: pos, end: pos }, newText: text };
  };
  if (!fm) return at(0, `---\ninput:\n  schema:\n    ${field}\n---\n`);
  if (fm.hasErrors || (fm.yaml.contents !== null && !isMap(fm.yaml.contents))) return null;
  const input = topPair(fm, "input");
  const closing = fm.span.end + lineBreakAt(doc.text, fm.span.end);
  if (!input) return at(closing, `input:\n  schema:\n    ${field}\n`);
  if (!isMap(input.value) || (input.value as YamlNode & { flow?: boolean }).flow) return null;
  const indent = columnOf(doc, nodeSpan(fm, input.value.items[0]?.key as YamlNode)?.start) ?? 2;
  const schema = findPair(input.value, "schema");
  if (!schema) return at(afterLine(doc, nodeSpan(fm, input.key as YamlNode)!.start), `${" ".repeat(indent)}schema:\n${" ".repeat(indent * 2)}${field}\n`);
  const value = schema.value;
  if (isScalar(value) && value.value === null) {
    return at(afterLine(doc, nodeSpan(fm, schema.key as YamlNode)!.start), `${" ".repeat(indent * 2)}${field}\n`);
  }
  if (!isMap(value) || (value as YamlNode & { flow?: boolean }).flow || value.items.length === 0) return null;
  const first = nodeSpan(fm, value.items[0]!.key as YamlNode);
  const last = nodeSpan(fm, value.items.at(-1)!.key as YamlNode);
  if (!first || !last) return null;
  // After the last field and everything nested under it.
  const end = nodeSpan(fm, (value.items.at(-1)!.value ?? value.items.at(-1)!.key) as YamlNode) ?? last;
  return at(afterLine(doc, Math.max(end.end - 1, last.start)), `${" ".repeat(columnOf(doc, first.start) ?? indent * 2)}${field}\n`);
}

function lineBreakAt(text: string, offset: number): number {
  return text.startsWith("\r\n", offset) ? 2 : text[offset] === "\n" || text[offset] === "\r" ? 1 : 0;
}

/** The offset where the line after the one holding `offset` starts. */
function afterLine(doc: PromptDocument, offset: number): number {
  const line = doc.lines.positionAt(offset).line;
  return doc.lines.starts[line + 1] ?? doc.text.length;
}

function columnOf(doc: PromptDocument, offset: number | undefined): number | null {
  return offset === undefined ? null : doc.lines.positionAt(offset).character;
}
