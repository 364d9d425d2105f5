/**
 * Completion in `.prompt` files: frontmatter keys, model ids (with their details), tool names,
 * config keys and enum values, in block and flow lists and inside quotes; in the template, variables, helpers, partial names, closing tags and roles.
 */
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type Range } from "vscode-languageserver/node";
import { isMap, isScalar, type Node as YamlNode } from "yaml";
import type { PromptAnalysis } from "../prompts/check";
import { findPair, nodeSpan, resolved, topPair, type Frontmatter } from "../prompts/document";
import { checkSchema, type DeclaredVariable } from "../prompts/schemaCheck";
import { CONFIG_KEYS, FARO_KEYS, HELPER_DOCS, INPUT_KEYS, OUTPUT_KEYS, ROLES, TOP_LEVEL_KEYS, type KeySpec } from "../prompts/keys";
import type { ModelInfo } from "../protocol";
import { modelDetail, modelMarkdown } from "./modelText";
import { yamlCursor, type YamlCursor } from "./yamlContext";

export interface CompletionContext {
  models: readonly ModelInfo[] | null;
  defaultModel: string | null;
  partials: () => string[];
  /** The user's model aliases. */
  aliases?: readonly string[];
  /** Cloud models the gateway can route to (the price table's), with a one-line detail each. */
  cloud?: () => Array<{ id: string; detail: string }>;
}

const BLOCK_HELPERS = ["if", "unless", "each", "with", "ifEquals", "unlessEquals"];
const INLINE_HELPERS = ["json", "role", "history", "section", "media", "lookup", "log"];
const PICO_TYPES = ["string", "number", "integer", "boolean", "any", "null"];
const JSON_TYPES = ["string", "number", "integer", "boolean", "null", "object", "array"];

export function complete(a: PromptAnalysis, offset: number, ctx: CompletionContext): CompletionItem[] {
  const { doc } = a;
  const fm = doc.frontmatter;
  const range = (start: number): Range => ({ start: doc.lines.positionAt(start), end: doc.lines.positionAt(offset) });
  if (fm && offset >= fm.span.start && offset <= fm.span.end) {
    const c = yamlCursor(doc.lines, offset, doc.lines.positionAt(fm.span.start).line);
    if (!c) return [];
    const r = range(c.prefixStart);
    if (c.path.join(".") === "input.default") return defaultItems(fm, c, offset, r);
    if (c.kind === "key") return keyItems(c.path, r, c.path.length === 0 ? presentKeys(a, offset) : []);
    return valueItems([...c.path, c.key ?? ""], c.kind === "item", r, ctx, () => toolNames(fm));
  }
  if (offset < doc.body.start) return [];
  return templateItems(a, offset, range, ctx);
}

/** Top-level keys already written, read from the lines (the YAML is often invalid mid-typing). */
function presentKeys(a: PromptAnalysis, offset: number): string[] {
  const { doc } = a;
  const fm = doc.frontmatter!;
  const current = doc.lines.positionAt(offset).line;
  const keys: string[] = [];
  for (let l = doc.lines.positionAt(fm.span.start).line; l <= doc.lines.positionAt(fm.span.end).line; l++) {
    const m = /^([^\s#:-][^:#]*?)\s*:/.exec(doc.lines.lineText(l));
    if (m && l !== current) keys.push(m[1]!);
  }
  return keys;
}

function keyItems(path: string[], r: Range, present: string[]): CompletionItem[] {
  const table = path.length === 0 ? { ...TOP_LEVEL_KEYS, ...FARO_KEYS } : path.length === 1 ? { config: CONFIG_KEYS, input: INPUT_KEYS, output: OUTPUT_KEYS }[path[0]!] : undefined;
  if (!table) return [];
  return Object.entries(table as Record<string, KeySpec>)
    .filter(([k, spec]) => !spec.computed && k !== "toolDefs" && !present.includes(k))
    .map(([k, spec], i) => {
      const nested = spec.kind === "object" || (spec.kind === "schema" && k === "schema");
      return {
        label: k,
        kind: CompletionItemKind.Property,
        detail: spec.kind,
        documentation: { kind: MarkupKind.Markdown, value: spec.description },
        sortText: String(i).padStart(3, "0"),
        insertTextFormat: InsertTextFormat.Snippet,
        textEdit: { range: r, newText: nested ? `${k}:\n  $0` : `${k}: $0` },
      };
    });
}

function valueItems(path: string[], item: boolean, r: Range, ctx: CompletionContext, tools: () => string[]): CompletionItem[] {
  const key = path.join(".");
  if (key === "model" || (item && key === "faro.fallbacks")) return modelItems(r, ctx);
  if (item && key === "tools") return tools().map((name) => ({ label: name, kind: CompletionItemKind.Function, detail: "defined in faro.tools", textEdit: { range: r, newText: name } }));
  if ((path[0] === "input" || path[0] === "output") && path[1] === "schema" && path.length >= 3) return schemaTypeItems(path.at(-1)!, r);
  // A tool's parameters are a schema like input.schema's.
  if (path[0] === "faro.tools" && path[2] === "parameters" && path.length >= 4) return schemaTypeItems(path.at(-1)!, r);
  const spec = path.length === 2 ? { config: CONFIG_KEYS, input: INPUT_KEYS, output: OUTPUT_KEYS }[path[0]!]?.[path[1]!] : (TOP_LEVEL_KEYS[key] ?? FARO_KEYS[key]);
  if (spec?.values) return plain(spec.values.map(String), r, CompletionItemKind.EnumMember);
  if (spec?.kind === "boolean") return plain(["true", "false"], r, CompletionItemKind.Value);
  return [];
}

/**
 * Under input.default: the declared variables without a default yet, and an enum's values or a
 * boolean's for a variable's default. Read from the YAML as it parses mid-typing (with errors).
 */
function defaultItems(fm: Frontmatter, c: YamlCursor, offset: number, r: Range): CompletionItem[] {
  const input = resolved(fm, topPair(fm, "input")?.value);
  const declared = checkSchema(fm, findPair(input, "schema")?.value).variables ?? [];
  if (c.kind === "value") {
    const v = declared.find((d) => d.name === c.key);
    if (v?.enumValues) return plain(v.enumValues.map((e) => (typeof e === "string" ? e : JSON.stringify(e))), r, CompletionItemKind.EnumMember);
    return v?.type === "boolean" ? plain(["true", "false"], r, CompletionItemKind.Value) : [];
  }
  if (c.kind !== "key") return [];
  const defaults = resolved(fm, findPair(input, "default")?.value);
  const given = isMap(defaults) ? defaults.items.flatMap((p) => (isScalar(p.key) && !isTyped(fm, p.key, offset) ? [String(p.key.value)] : [])) : [];
  return declared
    .filter((d) => !given.includes(d.name))
    .map((d) => ({
      label: d.name,
      kind: CompletionItemKind.Variable,
      detail: `${d.type}${d.optional ? " (optional)" : ""}`,
      ...(d.description ? { documentation: d.description } : {}),
      insertTextFormat: InsertTextFormat.Snippet,
      textEdit: { range: r, newText: `${d.name}: $0` },
    }));
}

/** The key being typed (the cursor is in it or at its end): not yet one that is given. */
function isTyped(fm: Frontmatter, key: YamlNode, offset: number): boolean {
  const s = nodeSpan(fm, key);
  return s !== null && offset >= s.start && offset <= s.end;
}

/** The tools `faro.tools` defines, for `tools:`. */
function toolNames(fm: Frontmatter): string[] {
  const defs = resolved(fm, topPair(fm, "faro.tools")?.value);
  return isMap(defs) ? defs.items.flatMap((p) => (isScalar(p.key) ? [String(p.key.value)] : [])) : [];
}

function modelItems(r: Range, ctx: CompletionContext): CompletionItem[] {
  const models = ctx.models ?? [];
  const items: CompletionItem[] = models.map((m, i) => ({
    label: m.id,
    kind: CompletionItemKind.Module,
    detail: modelDetail(m),
    documentation: { kind: MarkupKind.Markdown, value: modelMarkdown(m) },
    sortText: `1${String(i).padStart(3, "0")}`,
    textEdit: { range: r, newText: m.id },
  }));
  (ctx.aliases ?? []).forEach((alias, i) =>
    items.push({ label: alias, kind: CompletionItemKind.Reference, detail: "your alias (faro.aliases / config.json)", sortText: `2${String(i).padStart(3, "0")}`, textEdit: { range: r, newText: alias } }),
  );
  (ctx.cloud?.() ?? []).forEach((m, i) =>
    items.push({ label: m.id, kind: CompletionItemKind.Module, detail: m.detail, sortText: `3${String(i).padStart(4, "0")}`, textEdit: { range: r, newText: m.id } }),
  );
  items.unshift({
    label: "default",
    kind: CompletionItemKind.Reference,
    detail: ctx.defaultModel ? `the default model (now ${ctx.defaultModel})` : "the default model",
    documentation: "Whatever model is selected as default (Faro: Select Model).",
    sortText: "0",
    textEdit: { range: r, newText: "default" },
  });
  return items;
}

/**
 * The value of a key inside a schema. `type:` is JSON Schema's (the library reads a mapping with
 * a scalar `type` as JSON Schema), which has `object` and `array` but no `any`; `name(enum):`
 * takes a list of values and `name(object):` nested fields, not a type name.
 */
function schemaTypeItems(key: string, r: Range): CompletionItem[] {
  if (key === "type") return plain(JSON_TYPES, r, CompletionItemKind.TypeParameter);
  if (/\((enum|object)\b/.test(key)) return [];
  return plain(PICO_TYPES, r, CompletionItemKind.TypeParameter);
}

function plain(values: string[], r: Range, kind: CompletionItemKind): CompletionItem[] {
  return values.map((v) => ({ label: v, kind, textEdit: { range: r, newText: v } }));
}

function templateItems(a: PromptAnalysis, offset: number, range: (start: number) => Range, ctx: CompletionContext): CompletionItem[] {
  const { text } = a.doc;
  // Tags that end by the cursor: the editor closes braces as they are typed (`{{§}}`).
  const open = offset < 2 ? -1 : text.lastIndexOf("{{", offset - 2);
  if (open < a.doc.body.start || text.lastIndexOf("}}", offset - 2) > open) return [];
  const inner = text.slice(open + 2, offset);
  let m: RegExpExecArray | null;
  if ((m = /^~?\s*#\s*([\w.-]*)$/.exec(inner))) {
    return [...helperItems(BLOCK_HELPERS, range(offset - m[1]!.length), true), ...variableItems(a, range(offset - m[1]!.length))];
  }
  if ((m = /^~?\s*\/\s*([\w.-]*)$/.exec(inner))) {
    const name = openBlockAt(text.slice(a.doc.body.start, open));
    const close = text.startsWith("}}", offset) ? "" : "}}";
    return name ? [{ label: name, kind: CompletionItemKind.Keyword, textEdit: { range: range(offset - m[1]!.length), newText: `${name}${close}` } }] : [];
  }
  if ((m = /^~?\s*#?>\s*([\w/.-]*)$/.exec(inner))) return partialItems(a, range(offset - m[1]!.length), ctx);
  // `{{#ifEquals to "§`: the values of an enum variable it is compared with.
  if ((m = /^~?\s*#?\s*(?:ifEquals|unlessEquals)\s+([\w]+)\s+(["'])([^"']*)$/.exec(inner))) {
    const values = a.declared?.find((d) => d.name === m![1])?.enumValues ?? [];
    return plain(values.filter((v): v is string => typeof v === "string"), range(offset - m[3]!.length), CompletionItemKind.EnumMember);
  }
  if ((m = /^~?\s*role\s+(["'])([a-z]*)$/.exec(inner))) {
    return plain([...ROLES], range(offset - m[2]!.length), CompletionItemKind.EnumMember);
  }
  // `{{who.§`: the fields the schema declares for the object variable `who` (nested as deep as declared).
  if ((m = /^~?\s*#?\s*(?:[\w]+\s+(?:.*\s)?)?((?:[\w-]+\.)+)([\w-]*)$/.exec(inner))) {
    return fieldItems(a, m[1]!.slice(0, -1).split("."), range(offset - m[2]!.length));
  }
  if ((m = /^~?\s*([\w@.-]*)$/.exec(inner))) {
    const r = range(offset - m[1]!.length);
    return [...blockParamItems(a, open, r), ...variableItems(a, r), ...helperItems(INLINE_HELPERS, r, false)];
  }
  if ((m = /^~?\s*#?\s*[\w]+\s+(?:.*\s)?([\w.]*)$/.exec(inner))) {
    const r = range(offset - m[1]!.length);
    return [...blockParamItems(a, open, r), ...variableItems(a, r)];
  }
  return [];
}

const INLINE = /\{\{~?\s*#\*\s*inline\s+(?:"([^"]*)"|'([^']*)'|([^\s}~]+))/g;

/**
 * For `{{> ` and `{{#> `: the partials the template defines itself, then the `_name.prompt`
 * files. The definitions are read from the text: the tag being typed leaves the body unparsed.
 */
function partialItems(a: PromptAnalysis, r: Range, ctx: CompletionContext): CompletionItem[] {
  const body = a.doc.text.slice(a.doc.body.start);
  const inline = [...new Set([...body.matchAll(INLINE)].map((m) => m[1] ?? m[2] ?? m[3]!))];
  const items: CompletionItem[] = inline.map((name) => ({ label: name, kind: CompletionItemKind.Snippet, detail: "inline partial, defined in this prompt", textEdit: { range: r, newText: name } }));
  for (const p of ctx.partials()) {
    if (!inline.includes(p)) items.push({ label: p, kind: CompletionItemKind.File, detail: `_${p.split("/").pop()}.prompt`, textEdit: { range: r, newText: p } });
  }
  return items;
}

function variableItems(a: PromptAnalysis, r: Range): CompletionItem[] {
  const seen = new Map<string, CompletionItem>();
  for (const d of a.declared ?? []) seen.set(d.name, { ...declaredItem(d, CompletionItemKind.Variable, r), sortText: `0${d.name}` });
  for (const name of Object.keys(a.defaults)) {
    if (!seen.has(name)) seen.set(name, { label: name, kind: CompletionItemKind.Variable, detail: "has a default", sortText: `1${name}`, textEdit: { range: r, newText: name } });
  }
  for (const v of a.doc.template.variables) {
    if (!seen.has(v.name)) seen.set(v.name, { label: v.name, kind: CompletionItemKind.Variable, detail: "used, not declared", sortText: `2${v.name}`, textEdit: { range: r, newText: v.name } });
  }
  return [...seen.values()];
}

/** The declared fields at `path` (`["who"]`, `["who", "address"]`); none when the schema does not say. */
function fieldItems(a: PromptAnalysis, path: string[], r: Range): CompletionItem[] {
  let fields = a.declared ?? [];
  for (const name of path) fields = fields.find((d) => d.name === name)?.fields ?? [];
  return fields.map((d) => declaredItem(d, CompletionItemKind.Field, r));
}

/** A variable or field input.schema declares, with its type, optionality and description. */
function declaredItem(d: DeclaredVariable, kind: CompletionItemKind, r: Range): CompletionItem {
  return {
    label: d.name,
    kind,
    detail: `${d.type}${d.optional ? " (optional)" : ""}`,
    ...(d.description ? { documentation: d.description } : {}),
    textEdit: { range: r, newText: d.name },
  };
}

function helperItems(names: string[], r: Range, block: boolean): CompletionItem[] {
  return names.map((h) => ({
    label: h,
    kind: CompletionItemKind.Function,
    detail: block ? "block helper" : "helper",
    documentation: { kind: MarkupKind.Markdown, value: HELPER_DOCS[h] ?? "" },
    sortText: `5${h}`,
    textEdit: { range: r, newText: h },
  }));
}

/** The innermost block opened and not closed in `text` (for `{{/`). */
function openBlockAt(text: string): string | null {
  return openBlocks(text).at(-1)?.name ?? null;
}

/** The blocks opened and not closed in `text`, outermost first, with their `as |x y|` names. */
function openBlocks(text: string): Array<{ name: string; params: string[] }> {
  const stack: Array<{ name: string; params: string[] }> = [];
  const tag = /\{\{!--[\s\S]*?--\}\}|\{\{![\s\S]*?\}\}|\{\{~?\s*([#/])\s*>?\s*([^\s}~)]+)([^}]*)/g;
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    if (!m[1] || !m[2]) continue;
    if (m[1] === "#") {
      const params = /\bas\s*\|([^|]*)\|/.exec(m[3] ?? "")?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
      stack.push({ name: m[2], params });
    } else {
      const i = stack.map((b) => b.name).lastIndexOf(m[2]);
      if (i >= 0) stack.length = i;
    }
  }
  return stack;
}

/** The names `as |item i|` gives in the blocks around the cursor, innermost first. */
function blockParamItems(a: PromptAnalysis, open: number, r: Range): CompletionItem[] {
  const names = [...new Set(openBlocks(a.doc.text.slice(a.doc.body.start, open)).reverse().flatMap((b) => b.params))];
  return names.map((name, i) => ({ label: name, kind: CompletionItemKind.Variable, detail: "block parameter", sortText: `0${String(i).padStart(2, "0")}`, textEdit: { range: r, newText: name } }));
}
