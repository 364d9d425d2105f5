/**
 * Hover in `.prompt` files: a model's provider, context window, size, price and whether it is
 * loaded; a tool's definition; what a frontmatter key means; what a YAML alias stands for; a
 * variable's declared type and description; a helper's usage; where a partial comes from.
 */
import { isAlias, isMap, isScalar, isSeq, stringify, type Node as YamlNode, type Pair } from "yaml";
import { MarkupKind, type Hover } from "vscode-languageserver/node";
import type { PromptAnalysis } from "../prompts/check";
import { findPair, nodeSpan, resolved, topPair, type Frontmatter } from "../prompts/document";
import { CONFIG_KEYS, FARO_KEYS, HELPER_DOCS, INPUT_KEYS, OUTPUT_KEYS, TOP_LEVEL_KEYS, type ConfigKeySpec } from "../prompts/keys";
import { cloudProvider } from "../prompts/checkFrontmatter";
import { checkSchema, type DeclaredVariable } from "../prompts/schemaCheck";
import { PARTIAL_BLOCK, type InlinePartial, type PartialUse } from "../prompts/template";
import type { ModelLimits, Price } from "../gateway/pricing/priceTable";
import type { ModelInfo } from "../protocol";
import { rangeOf } from "./convert";
import { modelMarkdown } from "./modelText";

export interface HoverContext {
  models: readonly ModelInfo[] | null;
  defaultModel: string | null;
  /** A cloud model's price (USD per million tokens), null when the table does not have it. */
  price?: (provider: string, model: string) => Price | null;
  /** A cloud model's context window and output cap, null when the table does not have them. */
  limits?: (provider: string, model: string) => ModelLimits | null;
}

const inside = (s: { start: number; end: number }, offset: number) => offset >= s.start && offset <= s.end;

export function hover(a: PromptAnalysis, offset: number, ctx: HoverContext): Hover | null {
  const { doc } = a;
  const md = (value: string, span: { start: number; end: number }): Hover => ({ contents: { kind: MarkupKind.Markdown, value }, range: rangeOf(doc.lines, span) });
  const fm = doc.frontmatter;
  if (fm && inside(fm.span, offset)) {
    const hit = pairAt(fm, offset);
    if (!hit) return null;
    const { path, pair, onKey } = hit;
    const span = nodeSpan(fm, (onKey ? pair.key : pair.value) as YamlNode)!;
    const key = path.join(".");
    if (!onKey) {
      const value = valueHover(fm, key, pair.value, offset, ctx);
      if (value) return md(value.text, value.span);
    }
    // A field: `input.schema.<name>` in Picoschema, `input.schema.properties.<name>` in JSON Schema; output's alike.
    if ((path[0] === "input" || path[0] === "output") && path[1] === "schema" && (path.length === 3 || (path.length === 4 && path[2] === "properties"))) {
      const fields = path[0] === "input" ? a.declared : checkSchema(fm, findPair(resolved(fm, topPair(fm, "output")?.value), "schema")?.value).variables;
      const d = fields?.find((v) => nodeSpan(fm, pair.key as YamlNode)?.start === v.span.start);
      if (d) return md(variableText(d), span);
    }
    // A variable's default, `input.default.<name>`: the variable it is for.
    if (onKey && path[0] === "input" && path[1] === "default" && path.length === 3) {
      const d = a.declared?.find((v) => v.name === path[2]);
      return md(d ? variableText(d) : `**${path[2]}**: not declared in input.schema`, span);
    }
    const spec = specFor(path);
    return spec && onKey ? md(`**${key}** (${spec.kind})\n\n${spec.description}${providersNote(spec)}`, span) : null;
  }
  for (const h of doc.template.helpers) if (inside(h, offset)) return md(HELPER_DOCS[h.name] ?? `Unknown helper '${h.name}'.`, h);
  for (const p of doc.template.partials) if (inside(p, offset)) return md(partialHover(a, p), p);
  for (const d of doc.template.inlines) if (inside(d, offset)) return md(inlineHover(a, d, true), d);
  for (const v of doc.template.variables) {
    if (!inside(v, offset)) continue;
    const d = a.declared?.find((x) => x.name === v.name);
    if (d) return md(variableText(d), v);
    const def = a.defaults[v.name];
    return md(`**${v.name}**: not declared in input.schema${def === undefined ? "" : `\n\nDefault: \`${JSON.stringify(def)}\``}`, v);
  }
  return null;
}

function partialHover(a: PromptAnalysis, p: PartialUse): string {
  if (p.name === PARTIAL_BLOCK) {
    return `**${PARTIAL_BLOCK}**: the content this partial is called with as a block, \`{{#> name}}…{{/name}}\`, goes here. Called as \`{{> name}}\`, the partial fails to render.`;
  }
  // An inline partial wins over a file of the same name, as Handlebars looks it up first.
  const inline = a.doc.template.inlines.find((d) => d.name === p.name);
  if (inline) return inlineHover(a, inline, false);
  const source = a.template.partials.get(p.name);
  const file = `_${p.name.split("/").pop()}.prompt`;
  if (source !== undefined) return `Partial **${p.name}** (${file})\n\n${handlebarsBlock(source)}`;
  return p.block
    ? `Partial **${p.name}**: not found (no ${file} next to this file or in its parent folders), so the block's own content renders instead.`
    : `Partial **${p.name}**: not found.`;
}

function inlineHover(a: PromptAnalysis, d: InlinePartial, atDefinition: boolean): string {
  const { doc } = a;
  const uses = doc.template.partials.filter((p) => p.name === d.name).length;
  const where = atDefinition ? `defined here, used ${uses === 1 ? "once" : `${uses} times`}` : `defined on line ${doc.lines.positionAt(d.start).line + 1}`;
  return `Inline partial **${d.name}** (${where})\n\n${handlebarsBlock(doc.text.slice(d.body.start, d.body.end))}`;
}

const handlebarsBlock = (source: string) => `\`\`\`handlebars\n${source.slice(0, 600)}\n\`\`\``;

/**
 * The hover of a value under the cursor: a model id, a fallback, a tool name, an item of a
 * list. A YAML alias gets the hover of the value it stands for, after saying what that is.
 */
function valueHover(fm: Frontmatter, key: string, value: YamlNode | null, offset: number, ctx: HoverContext): { text: string; span: { start: number; end: number } } | null {
  let node = value;
  let target = resolved(fm, node);
  if (isSeq(target)) {
    // The item under the cursor, in the list as written (not when an alias names the whole list).
    const item = isSeq(node) ? (node.items as YamlNode[]).find((i) => inside(nodeSpan(fm, i) ?? { start: -1, end: -1 }, offset)) : undefined;
    if (item) {
      node = item;
      target = resolved(fm, item);
    }
  }
  const span = nodeSpan(fm, node);
  if (!span || !node) return null;
  const listed = node !== value;
  const name = isScalar(target) ? String(target.value) : null;
  let text: string | null = null;
  if (name !== null && ((key === "model" && !listed) || (key === "faro.fallbacks" && listed))) text = modelHover(name, ctx);
  else if (name !== null && key === "tools" && listed) text = toolHover(fm, name);
  if (!isAlias(node)) return text === null ? null : { text, span };
  const shown = isScalar(target) ? ` \`${String(target.value)}\`` : `:\n\n\`\`\`yaml\n${stringify(target?.toJSON() ?? null).trimEnd()}\n\`\`\``;
  return { text: `\`*${node.source}\` stands for${shown}${text === null ? "" : `\n\n${text}`}`, span };
}

/** A tool listed in `tools:`: its definition in `faro.tools`. */
function toolHover(fm: Frontmatter, name: string): string {
  const defs = resolved(fm, topPair(fm, "faro.tools")?.value);
  const pair = isMap(defs) ? (defs.items as Pair<YamlNode, YamlNode | null>[]).find((p) => isScalar(p.key) && String(p.key.value) === name) : undefined;
  const def = pair ? resolved(fm, pair.value) : null;
  if (!isMap(def)) return `Tool **${name}**: no definition in faro.tools, so Faro cannot send it to the model.`;
  const { description, parameters } = def.toJSON() as { description?: unknown; parameters?: unknown };
  const about = typeof description === "string" ? `\n\n${description}` : "";
  const params = parameters == null ? "" : `\n\nParameters:\n\n\`\`\`yaml\n${stringify(parameters).trimEnd()}\n\`\`\``;
  return `Tool **${name}** (faro.tools)${about}${params}`;
}

function variableText({ name, type, optional, description, enumValues }: DeclaredVariable): string {
  const values = enumValues ? `, one of ${enumValues.map((e) => `\`${typeof e === "string" ? e : JSON.stringify(e)}\``).join(", ")}` : "";
  return `**${name}**: \`${type}\`${values}${optional ? " (optional)" : ""}${description ? `\n\n${description}` : ""}`;
}

function modelHover(id: string, ctx: HoverContext): string {
  const wanted = id === "default" ? ctx.defaultModel : id;
  const provider = cloudProvider(wanted);
  if (wanted && provider) {
    const model = wanted.slice(provider.length + 1);
    const price = ctx.price?.(provider, model) ?? null;
    const cost = price ? `Price: $${price.input} input · $${price.output} output per million tokens` : "Price: not in Faro's price table (add it under `prices` in config.json)";
    const limits = ctx.limits?.(provider, model) ?? null;
    const window = limits
      ? `Context window: ${limits.context} tokens${limits.maxOutput ? ` · Max output: ${limits.maxOutput} tokens` : ""}`
      : "Context window: not in Faro's table (add `context` to its `prices` entry in config.json)";
    return `${id === "default" ? "`default` is now " : ""}**${wanted}** — ${provider} model, sent to ${provider}'s API through Faro's gateway (needs its key)\n\n${window}\n\n${cost}`;
  }
  if (!ctx.models) return `**${id}**: the model list is still loading.`;
  const m = ctx.models.find((x) => x.id === wanted);
  if (!m) return `**${id}**: not available.`;
  return id === "default" ? `\`default\` is now **${m.id}**\n\n${modelMarkdown(m)}` : modelMarkdown(m);
}

function specFor(path: string[]): ConfigKeySpec | undefined {
  if (path.length === 1) return TOP_LEVEL_KEYS[path[0]!] ?? FARO_KEYS[path[0]!];
  if (path.length === 2) return { config: CONFIG_KEYS, input: INPUT_KEYS, output: OUTPUT_KEYS }[path[0]!]?.[path[1]!];
  return undefined;
}

/** For a config key not every provider takes: which models get it. */
function providersNote(spec: ConfigKeySpec): string {
  return spec.providers ? `\n\n_Sent to local models and to ${spec.providers.join(", ")} models; left out for other providers' models._` : "";
}

/** The innermost mapping pair whose key or scalar value holds `offset`, with its key path. */
function pairAt(fm: Frontmatter, offset: number): { path: string[]; pair: Pair<YamlNode, YamlNode | null>; onKey: boolean } | null {
  let node: unknown = fm.yaml.contents;
  const path: string[] = [];
  while (isMap(node)) {
    let next: unknown = null;
    for (const pair of node.items as Pair<YamlNode, YamlNode | null>[]) {
      const k = nodeSpan(fm, pair.key);
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      if (k && inside(k, offset)) return { path: [...path, key], pair, onKey: true };
      const v = nodeSpan(fm, pair.value);
      if (v && inside(v, offset)) {
        if (!isMap(pair.value)) return { path: [...path, key], pair, onKey: false };
        path.push(key);
        next = pair.value;
        break;
      }
    }
    node = next;
  }
  return null;
}
