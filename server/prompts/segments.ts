/**
 * Where a Handlebars body can be cut into pieces that parse on their own: line breaks at the top
 * level (no block, mustache or comment open there). Parsing the pieces separately gives the
 * same statements as parsing the whole body, so an edit re-parses only the piece it touched
 * (see template.ts, which also checks the cuts: pieces that parse alone can only have been cut
 * at such breaks). The scan mirrors Handlebars' lexer only where a cut depends on it. Text it
 * is not sure about (raw blocks, escaped mustaches, U+2028/9 which the lexer's column count
 * trips on) makes it answer null, and the caller parses the whole body. Broken text still gets
 * cuts: a stray close or a `{{` inside a mustache fails the piece it is in, as the whole body
 * fails there; after a block, mustache or comment left open there are none, so the last piece
 * holds it and everything after it.
 */

/** Rule 6 of Handlebars' lexer: a `{{!--` comment ends at the first `--}}` or `--~}}`, counted from its own `{{`. */
const LONG_COMMENT_END = /--~?\}\}/g;
/** Rules 31, 32 and 42: strings and `[segment]` literals, the only tokens that may hold `}}`. */
const STRING = /"(?:\\"|[^"])*"|'(?:\\'|[^'])*'|\[(?:\\\]|[^\]])*\]/y;
/** Rules 13 (`{{#`, `{{#*`, `{{#>`), 17 (`{{^name`, not the bare `{{^}}` of rule 15) and 14 (`{{/`), after `{{` and an optional `~`. */
const BLOCK_OPEN = /#|\^(?!\s*~?\}\})/y;
const UNSURE = /\{\{\{\{|\}\}\}\}|\\\{\{|[\u2028\u2029]/;

/**
 * Offsets where pieces of `body` start (the first is 0), each piece ending just after a line
 * break where the lexer is between statements at the top level; null when the scan is not sure.
 */
export function segmentStarts(body: string): number[] | null {
  if (UNSURE.test(body)) return null;
  const crs = body.includes("\r");
  const starts = [0];
  let depth = 0;
  let i = 0;
  for (;;) {
    const open = body.indexOf("{{", i);
    const contentEnd = open < 0 ? body.length : open;
    if (depth === 0) lineBreaks(body, i, contentEnd, starts, crs);
    if (open < 0) break;
    let p = open + 2;
    if (body.charCodeAt(p) === 126 /* ~ */) p++;
    const c = body[p];
    if (c === "!") {
      if (body.startsWith("--", p + 1)) {
        LONG_COMMENT_END.lastIndex = open;
        if (!LONG_COMMENT_END.exec(body)) break;
        i = LONG_COMMENT_END.lastIndex;
      } else {
        const end = body.indexOf("}}", p);
        if (end < 0) break;
        i = end + 2;
      }
      continue;
    }
    // A close with nothing open fails the piece it is in, wherever the cuts are.
    if (c === "/") depth = Math.max(0, depth - 1);
    else {
      BLOCK_OPEN.lastIndex = p;
      if (BLOCK_OPEN.test(body)) depth++;
    }
    const next = mustacheEnd(body, p);
    if (next < 0) break;
    i = next;
  }
  if (starts.at(-1) === body.length) starts.pop();
  return starts;
}

/** Records the offset after each line break in body[from, to) (`\r\n` is one break). */
function lineBreaks(body: string, from: number, to: number, starts: number[], crs: boolean): void {
  if (!crs) {
    // indexOf runs natively: several times faster than a loop over the characters.
    for (let j = body.indexOf("\n", from); j >= 0 && j < to; j = body.indexOf("\n", j + 1)) starts.push(j + 1);
    return;
  }
  for (let j = from; j < to; j++) {
    const ch = body.charCodeAt(j);
    if (ch === 10 || (ch === 13 && body.charCodeAt(j + 1) !== 10)) starts.push(j + 1);
  }
}

/**
 * Where the scan goes on after a mustache whose text starts at `from`: just past the `}}` (or
 * `}}}`, `}~}}`) that closes it, or at a `{{` before that (where Handlebars' parse fails);
 * -1 when it is never closed.
 */
function mustacheEnd(body: string, from: number): number {
  for (let j = from; j < body.length; j++) {
    const ch = body.charCodeAt(j);
    if (ch === 34 /* " */ || ch === 39 /* ' */ || ch === 91 /* [ */) {
      STRING.lastIndex = j;
      // An unterminated one is one invalid character to the lexer: the parse fails either way.
      if (STRING.test(body)) j = STRING.lastIndex - 1;
    } else if (ch === 123 /* { */ && body.charCodeAt(j + 1) === 123) {
      return j;
    } else if (ch === 125 /* } */) {
      if (body.startsWith("}}}", j)) return j + 3;
      if (body.startsWith("}~}}", j)) return j + 4;
      if (body.charCodeAt(j + 1) === 125) return j + 2;
    }
  }
  return -1;
}
