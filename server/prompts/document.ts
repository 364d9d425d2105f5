/**
 * Parses a `.prompt` file into its parts with source offsets: the YAML frontmatter (split with
 * exactly the dotprompt library's delimiter rule) and the Handlebars body, plus the syntax
 * problems of each. Semantic checks live in check.ts; rendering in render.ts.
 */
import { isAlias, isMap, isScalar, type Document, type Node as YamlNode, type Pair } from "yaml";
import { LineIndex, type Span } from "./lineIndex";
import { TextMemo } from "./memo";
import { analyzeTemplate, type TemplateInfo } from "./template";
import type { Problem } from "./problems";
import { parseFrontmatterYaml } from "./yamlPieces";

// The dotprompt library's FRONTMATTER_AND_BODY_REGEX, with indices: a file whose delimiters do
// not match this is, for Dotprompt, all template (so for Faro too).
const FRONTMATTER_AND_BODY = /^---\s*(?:\r\n|\r|\n)([\s\S]*?)(?:\r\n|\r|\n)---\s*(?:\r\n|\r|\n)([\s\S]*)$/d;

/** Blank lines, spaces or a byte-order mark before a `---` line (the library then sees no frontmatter). */
const LEADING_SPACE = /^[\s\uFEFF]+(?=---[ \t]*(?:\r\n|\r|\n))/;

export interface Frontmatter {
  /** The YAML text between the delimiters. */
  span: Span;
  /** The whole block, both `---` lines included. */
  block: Span;
  yaml: Document.Parsed;
  /** The parsed value when the YAML has no errors; `{}` for empty frontmatter (computed when first read). */
  readonly data: unknown;
  hasErrors: boolean;
}

export interface PromptDocument {
  text: string;
  lines: LineIndex;
  frontmatter: Frontmatter | null;
  /** The template: offsets in `text` of the body (Dotprompt renders it trimmed). */
  body: Span;
  template: TemplateInfo;
  /** Syntax problems: delimiters, YAML, Handlebars. */
  problems: Problem[];
}

export function parsePromptDocument(text: string): PromptDocument {
  const lines = new LineIndex(text);
  const problems: Problem[] = [];
  const match = FRONTMATTER_AND_BODY.exec(text);
  let frontmatter: Frontmatter | null = null;
  let body: Span = { start: 0, end: text.length };
  // An empty frontmatter (nothing between the '---' lines) is none for the library: it renders
  // the whole file, both '---' lines included, as the template.
  let lead: RegExpExecArray | null = null;
  const empty = /^---[ \t]*(?:\r\n|\r|\n)(?:\r\n|\r|\n)?---[ \t]*(?:\r\n|\r|\n|$)/.exec(text);
  if (empty && (match === null || match[1] === "")) {
    problems.push({
      start: 0,
      end: empty[0].trimEnd().length,
      severity: "warning",
      code: "frontmatter-empty",
      message: "The frontmatter is empty, so Dotprompt reads the whole file as the template and sends these '---' lines to the model. Add a key between them (e.g. 'model: default') or remove them.",
    });
  } else if (match?.indices?.[1] && match.indices[2]) {
    const [fmStart, fmEnd] = match.indices[1];
    body = { start: match.indices[2][0], end: text.length };
    frontmatter = parseFrontmatter(text, { start: fmStart, end: fmEnd }, { start: 0, end: body.start }, problems);
  } else if (match === null && (lead = LEADING_SPACE.exec(text)) && FRONTMATTER_AND_BODY.test(text.slice(lead[0].length))) {
    const dashes = lead[0].length;
    problems.push({
      start: 0,
      end: dashes + 3,
      severity: "warning",
      code: "frontmatter-not-first",
      message: "The frontmatter's '---' must start the file's first line: with the blank line or spaces before it, Dotprompt reads no frontmatter (model, config and input are not applied) and sends the whole file, '---' lines included, to the model. Remove what comes before '---'.",
      data: { remove: dashes },
    });
  } else if (/^---[ \t]*(\r\n|\r|\n|$)/.test(text)) {
    problems.push({
      start: 0,
      end: lines.lineEnd(0),
      severity: "error",
      code: "frontmatter-unclosed",
      message: "The frontmatter is not closed: add a line '---' followed by a line break after it. Until then Dotprompt reads the whole file as the template.",
    });
  }
  const template = analyzeTemplate(text.slice(body.start), body.start, lines);
  problems.push(...template.problems);
  return { text, lines, frontmatter, body, template, problems };
}

interface ParsedYaml {
  yaml: Document.Parsed;
  /** Offsets relative to the YAML text. */
  problems: Problem[];
  /** The parsed value, once asked for (running a prompt needs it; diagnostics do not). */
  data?: unknown;
}

// Edits in the body leave the frontmatter as it was: parse it once. Shared and read-only.
const parsedYaml = new TextMemo<ParsedYaml>(32);

function parseFrontmatter(text: string, span: Span, block: Span, problems: Problem[]): Frontmatter {
  const parsed = parsedYaml.get(text.slice(span.start, span.end), parseYaml);
  const { yaml, problems: own } = parsed;
  for (const p of own) problems.push({ ...p, start: span.start + p.start, end: span.start + p.end });
  return {
    span,
    block,
    yaml,
    get data() {
      if (!("data" in parsed)) parsed.data = yaml.errors.length > 0 ? undefined : (yaml.toJS() as unknown) ?? {};
      return parsed.data;
    },
    hasErrors: yaml.errors.length > 0,
  };
}

function parseYaml(source: string): ParsedYaml {
  const yaml = parseFrontmatterYaml(source);
  const problems: Problem[] = [];
  for (const [list, severity] of [[yaml.errors, "error"], [yaml.warnings, "warning"]] as const) {
    for (const e of list) {
      const [start, end] = widen(source, e.pos[0], e.pos[1]);
      problems.push({
        start,
        end,
        severity,
        code: severity === "error" ? "yaml-syntax" : "yaml-warning",
        // yaml's message repeats the location and an excerpt; the range already shows both.
        message: `YAML: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
      });
    }
  }
  return { yaml, problems };
}

/** Forgets remembered frontmatter parses (the benchmark's cold baseline). */
export function clearFrontmatterCache(): void {
  parsedYaml.clear();
}

/**
 * yaml often marks one character: cover the word there (a duplicated key, a bad scalar), or,
 * when it marks the line break where something was expected, the content of that line.
 */
function widen(source: string, start: number, end: number): [number, number] {
  if (end - start > 1) return [start, end];
  if (start >= source.length || /[\r\n]/.test(source[start]!) || (/\s/.test(source[start]!) && /^\s*$/.test(restOfLine(source, start)))) {
    const lineStart = Math.max(source.lastIndexOf("\n", start - 1), source.lastIndexOf("\r", start - 1)) + 1;
    const text = source.slice(lineStart, start);
    const first = lineStart + (text.length - text.trimStart().length);
    const last = lineStart + text.trimEnd().length;
    return last > first ? [first, last] : [start, start + 1];
  }
  let e = start;
  while (e < source.length && !/[\s:,[\]{}#]/.test(source[e]!)) e++;
  return [start, Math.max(e, start + 1)];
}

function restOfLine(source: string, from: number): string {
  const m = /[\r\n]/.exec(source.slice(from));
  return m ? source.slice(from, from + m.index) : source.slice(from);
}

/** Offsets in the document of a YAML node of the frontmatter. */
export function nodeSpan(fm: Frontmatter, node: YamlNode | null | undefined): Span | null {
  const r = node?.range;
  if (!r) return null;
  return { start: fm.span.start + r[0], end: fm.span.start + Math.max(r[1], r[0]) };
}

/**
 * The node an alias (`*name`) stands for, any other node as it is. Dotprompt reads the value of
 * the anchor there, so the checks must too (an alias node is neither a scalar nor a mapping).
 */
export function resolved(fm: Frontmatter, node: YamlNode | null | undefined): YamlNode | null {
  if (!isAlias(node)) return node ?? null;
  return (node.resolve(fm.yaml) as YamlNode | undefined) ?? null;
}

/** The top-level pair for `key`, when the frontmatter is a mapping. */
export function topPair(fm: Frontmatter, key: string): Pair<YamlNode, YamlNode | null> | null {
  return findPair(fm.yaml.contents, key);
}

export function findPair(node: unknown, key: string): Pair<YamlNode, YamlNode | null> | null {
  if (!isMap(node)) return null;
  for (const pair of node.items) {
    if (isScalar(pair.key) && String(pair.key.value) === key) return pair as Pair<YamlNode, YamlNode | null>;
  }
  return null;
}
