/**
 * Document symbols (the frontmatter's keys, Picoschema fields by name with their type, the template's blocks, inline partials and role
 * markers) and folding ranges (frontmatter, multi-line YAML values, blocks, inline partials,
 * comments, role sections).
 */
import { isMap, isScalar, isSeq, type Node as YamlNode, type Pair } from "yaml";
import { FoldingRangeKind, SymbolKind, type DocumentSymbol, type FoldingRange } from "vscode-languageserver/node";
import type { PromptAnalysis } from "../prompts/check";
import { nodeSpan, resolved, type Frontmatter } from "../prompts/document";
import { describeValue, isJsonSchema, parsePicoKey, splitDescription } from "../prompts/schemaCheck";
import type { Span } from "../prompts/lineIndex";
import { rangeOf } from "./convert";

export function documentSymbols(a: PromptAnalysis): DocumentSymbol[] {
  const { doc } = a;
  const symbols: DocumentSymbol[] = [];
  const fm = doc.frontmatter;
  const sym = (name: string, kind: SymbolKind, span: Span, select: Span, children: DocumentSymbol[] = [], detail?: string): DocumentSymbol => ({
    name: name || " ",
    kind,
    range: rangeOf(doc.lines, span),
    selectionRange: rangeOf(doc.lines, select),
    children,
    ...(detail ? { detail } : {}),
  });
  if (fm) {
    const keys = isMap(fm.yaml.contents) ? pairSymbols(fm, fm.yaml.contents.items as Pair<YamlNode, YamlNode | null>[], sym, []) : [];
    symbols.push(sym("frontmatter", SymbolKind.Namespace, fm.block, { start: 0, end: 3 }, keys));
  }
  const body: DocumentSymbol[] = [];
  // Blocks nest by containment; the list is in document order.
  const stack: Array<{ span: Span; children: DocumentSymbol[] }> = [{ span: { start: 0, end: Infinity }, children: body }];
  const items = [
    ...doc.template.blocks.map((b) => ({ span: b as Span, make: (children: DocumentSymbol[]) => sym(`#${b.name}`, SymbolKind.Struct, b, b.open, children), container: true })),
    ...doc.template.inlines.map((d) => ({ span: d.whole, make: (children: DocumentSymbol[]) => sym(`*inline ${d.name}`, SymbolKind.Function, d.whole, d, children), container: true })),
    ...doc.template.helpers
      .filter((h) => h.name === "role" || h.name === "history")
      .map((h) => {
        const arg = h.node.params[0] as { value?: unknown } | undefined;
        const name = h.name === "role" ? `role: ${String(arg?.value ?? "?")}` : "history";
        return { span: h as Span, make: () => sym(name, SymbolKind.Event, h, h), container: false };
      }),
  ].sort((x, y) => x.span.start - y.span.start);
  for (const item of items) {
    while (stack.length > 1 && item.span.start >= stack.at(-1)!.span.end) stack.pop();
    const children: DocumentSymbol[] = [];
    stack.at(-1)!.children.push(item.make(children));
    if (item.container) stack.push({ span: item.span, children });
  }
  const bodySpan = { start: doc.body.start, end: doc.text.length };
  symbols.push(sym("template", SymbolKind.Module, bodySpan, { start: doc.body.start, end: doc.body.start }, body));
  return symbols;
}

type Make = (name: string, kind: SymbolKind, span: Span, select: Span, children?: DocumentSymbol[], detail?: string) => DocumentSymbol;

/** Keys under these paths hold a schema, whose fields read as Picoschema unless it is JSON Schema. */
const SCHEMA_PATHS = [/^(input|output)\.schema$/, /^faro\.tools\.[^.]+\.parameters$/];

function pairSymbols(fm: Frontmatter, pairs: Pair<YamlNode, YamlNode | null>[], sym: Make, path: string[]): DocumentSymbol[] {
  return pairs.flatMap((p) => {
    const key = nodeSpan(fm, p.key);
    if (!key || !isScalar(p.key)) return [];
    const value = nodeSpan(fm, p.value);
    const span = { start: key.start, end: Math.max(key.end, value?.end ?? key.end) };
    const name = String(p.key.value);
    const inner = [...path, name];
    const schema = resolved(fm, p.value);
    if (isMap(schema) && SCHEMA_PATHS.some((re) => re.test(inner.join("."))) && !isJsonSchema(fm, schema)) {
      return [sym(name, SymbolKind.Object, span, key, picoSymbols(fm, schema.items as Pair<YamlNode, YamlNode | null>[], sym, 0))];
    }
    const children = isMap(p.value) && path.length < 3 ? pairSymbols(fm, p.value.items as Pair<YamlNode, YamlNode | null>[], sym, inner) : [];
    // One line: the outline shows a block scalar's line breaks as they are.
    const detail = isScalar(p.value) && p.value.value !== null ? String(p.value.value).replace(/\s+/g, " ").trim().slice(0, 60) : undefined;
    return [sym(name, isMap(p.value) ? SymbolKind.Object : SymbolKind.Property, span, key, children, detail)];
  });
}

/** A Picoschema object's fields: `to(enum, the language): [...]` is `to`, with `enum (…) · the language` as detail. */
function picoSymbols(fm: Frontmatter, pairs: Pair<YamlNode, YamlNode | null>[], sym: Make, depth: number): DocumentSymbol[] {
  return pairs.flatMap((p) => {
    const key = nodeSpan(fm, p.key);
    if (!key || !isScalar(p.key)) return [];
    const span = { start: key.start, end: Math.max(key.end, nodeSpan(fm, p.value)?.end ?? key.end) };
    const raw = String(p.key.value);
    const field = raw === "(*)" ? { name: "(*)", optional: true, type: null, description: "any other field" } : parsePicoKey(raw);
    const value = resolved(fm, p.value);
    let type = field.type ?? describeValue(value);
    let description = field.description;
    if (field.type === null && isScalar(value) && typeof value.value === "string") description = splitDescription(value.value)[1];
    if (field.type === "array") type = `array of ${describeValue(value)}`;
    if (field.type === "enum" && isSeq(value)) type = `enum (${(value.toJS(fm.yaml) as unknown[]).map(String).join(", ")})`.slice(0, 60);
    const nested = isMap(value) && depth < 6 ? picoSymbols(fm, value.items as Pair<YamlNode, YamlNode | null>[], sym, depth + 1) : [];
    const kind = field.type === "enum" ? SymbolKind.Enum : isMap(value) ? SymbolKind.Object : SymbolKind.Field;
    const detail = `${type}${field.optional && raw !== "(*)" ? " (optional)" : ""}${description ? ` · ${description}` : ""}`;
    return [sym(field.name, kind, span, key, nested, detail.slice(0, 80))];
  });
}

export function foldingRanges(a: PromptAnalysis): FoldingRange[] {
  const { doc } = a;
  const out: FoldingRange[] = [];
  const fold = (span: Span, kind?: FoldingRangeKind) => {
    const start = doc.lines.positionAt(span.start).line;
    // Keep the closing line visible (`---`, `{{/each}}`).
    const end = doc.lines.positionAt(span.end).line - 1;
    if (end > start) out.push({ startLine: start, endLine: end, ...(kind ? { kind } : {}) });
  };
  const fm = doc.frontmatter;
  if (fm) {
    const last = doc.lines.positionAt(fm.span.end).line;
    if (last > 0) out.push({ startLine: 0, endLine: last });
    if (isMap(fm.yaml.contents)) foldPairs(fm, fm.yaml.contents.items as Pair<YamlNode, YamlNode | null>[], doc.lines, out);
  }
  for (const b of doc.template.blocks) fold(b);
  for (const d of doc.template.inlines) fold(d.whole);
  const body = doc.text.slice(doc.body.start);
  for (const m of body.matchAll(/\{\{!--[\s\S]*?--\}\}/g)) {
    const start = doc.body.start + m.index!;
    const s = doc.lines.positionAt(start).line;
    const e = doc.lines.positionAt(start + m[0].length).line;
    if (e > s) out.push({ startLine: s, endLine: e, kind: FoldingRangeKind.Comment });
  }
  const roles = doc.template.helpers.filter((h) => h.name === "role" && !h.block).map((h) => doc.lines.positionAt(h.start).line);
  roles.forEach((line, i) => {
    const next = roles[i + 1] ?? doc.lines.lineCount;
    let end = next - 1;
    while (end > line && doc.lines.lineText(end).trim() === "") end--;
    if (end > line) out.push({ startLine: line, endLine: end, kind: FoldingRangeKind.Region });
  });
  return out;
}

function foldPairs(fm: Frontmatter, pairs: Pair<YamlNode, YamlNode | null>[], lines: PromptAnalysis["doc"]["lines"], out: FoldingRange[]): void {
  for (const p of pairs) {
    const key = nodeSpan(fm, p.key);
    const value = nodeSpan(fm, p.value);
    if (!key || !value) continue;
    const start = lines.positionAt(key.start).line;
    // A block value's range ends after its last line break.
    let end = lines.positionAt(value.end).line;
    if (value.end > 0 && /[\r\n]/.test(lines.text[value.end - 1] ?? "")) end--;
    if (end > start) out.push({ startLine: start, endLine: end });
    if (isMap(p.value)) foldPairs(fm, p.value.items as Pair<YamlNode, YamlNode | null>[], lines, out);
  }
}
