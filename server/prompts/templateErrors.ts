/**
 * Turns Handlebars' parse errors into problems with exact ranges and readable messages: the
 * offending token's position (not the caret of Handlebars' flattened excerpt), and for a block
 * left open at the end of the file, the block that was never closed.
 */
import { TemplateSyntaxError } from "./handlebars";
import type { LineIndex, Span } from "./lineIndex";
import type { Problem } from "./problems";

const TOKEN_TEXT: Record<string, string> = {
  CLOSE: "'}}'",
  CLOSE_UNESCAPED: "'}}}'",
  CLOSE_RAW_BLOCK: "'}}}}'",
  OPEN: "'{{'",
  OPEN_BLOCK: "'{{#'",
  OPEN_ENDBLOCK: "a closing '{{/…}}'",
  OPEN_INVERSE: "'{{^'",
  INVERSE: "'{{else}}'",
  OPEN_INVERSE_CHAIN: "'{{else …}}'",
  OPEN_PARTIAL: "'{{>'",
  OPEN_SEXPR: "'('",
  CLOSE_SEXPR: "')'",
  ID: "a name",
  STRING: "a string",
  NUMBER: "a number",
  DATA: "an @-variable",
  SEP: "'.'",
  EOF: "the end of the file",
  INVALID: "invalid text",
  CONTENT: "text",
  OPEN_BLOCK_PARAMS: "'as |…|'",
};

const describe = (token: string) => TOKEN_TEXT[token] ?? `'${token}'`;

/**
 * The problem for Handlebars' error parsing `source`, which starts at `sourceOffset` (a line
 * start) in the document; `body` is the whole template, where a block left open is looked for
 * (`source` may be its last piece, see template.ts).
 */
export function syntaxProblem(err: unknown, source: string, sourceOffset: number, lines: LineIndex, body = { text: source, offset: sourceOffset }): Problem {
  const bodyOffset = sourceOffset;
  const bodyLine = lines.positionAt(bodyOffset).line;
  const at = (line: number, column: number) => {
    const start = lines.starts[bodyLine + line - 1];
    return start === undefined ? lines.text.length : Math.min(start + column, lines.text.length);
  };
  const problem = (span: Span, code: string, message: string): Problem => ({
    start: span.start,
    end: Math.min(lines.text.length, Math.max(span.end, span.start + 1)),
    severity: "error",
    code,
    message,
  });

  if (err instanceof TemplateSyntaxError) {
    const t = err.token;
    const span = t ? { start: at(t.first_line, t.first_column), end: at(t.last_line, t.last_column) } : { start: bodyOffset, end: bodyOffset };
    if (err.tokenName === "EOF" && err.expected.some((e) => e.includes("OPEN_ENDBLOCK"))) {
      const open = innermostOpenBlock(body.text);
      if (open) {
        return problem({ start: body.offset + open.start, end: body.offset + open.end }, "block-unclosed", `The block '{{#${open.name}}}' is never closed: add '{{/${open.name}}}'.`);
      }
    }
    if (err.tokenName === null) {
      // A lexer error: the text at the position matches no token (typically an unclosed comment).
      const end = span.start < lines.text.length ? lines.lineEnd(lines.positionAt(span.start).line) : span.start;
      return problem({ start: span.start, end }, "template-syntax", "Handlebars cannot read this: an unclosed '{{!--' comment or a stray '{{'?");
    }
    const expected = [...new Set(err.expected.map((e) => describe(e.replace(/'/g, ""))))];
    const list = expected.length > 5 ? `${expected.slice(0, 5).join(", ")}, …` : expected.join(", ");
    return problem(span, "template-syntax", `Handlebars syntax error: expected ${list}; found ${describe(err.tokenName ?? "INVALID")}.`);
  }
  const e = err as { message?: string; lineNumber?: number; column?: number; endLineNumber?: number; endColumn?: number };
  const message = String(e.message ?? err).replace(/ - \d+:\d+$/, "");
  const span =
    typeof e.lineNumber === "number" && typeof e.column === "number"
      ? { start: at(e.lineNumber, e.column), end: at(e.endLineNumber ?? e.lineNumber, e.endColumn ?? e.column) }
      : { start: bodyOffset, end: lines.lineEnd(lines.positionAt(bodyOffset).line) };
  const mismatch = /^(.+) doesn't match (.+)$/.exec(message);
  if (mismatch) {
    return problem(span, "block-mismatch", `The block '{{#${mismatch[1]}}}' is closed by '{{/${mismatch[2]}}}': the names must match.`);
  }
  return problem(span, "template-syntax", `Handlebars: ${message}`);
}

/** Scans block tags to find the innermost block still open at the end (comments skipped). */
function innermostOpenBlock(body: string): { name: string; start: number; end: number } | null {
  const stack: Array<{ name: string; start: number; end: number }> = [];
  const tag = /\{\{!--[\s\S]*?--\}\}|\{\{![\s\S]*?\}\}|\{\{~?\s*([#^/])\s*>?\s*([^\s}~)]+)[^}]*\}\}/g;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const [text, kind, name] = m;
    if (!kind || !name) continue;
    if (kind === "/") {
      const i = stack.map((s) => s.name).lastIndexOf(name);
      if (i >= 0) stack.length = i;
    } else {
      stack.push({ name, start: m.index, end: m.index + text.length });
    }
  }
  return stack.at(-1) ?? null;
}
