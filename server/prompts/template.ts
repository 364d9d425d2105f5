/**
 * Analysis of a prompt's Handlebars body: syntax errors with exact ranges, and what the
 * template uses (root variables, helpers, partials, blocks, role markers), each with its
 * offsets in the document. Mirrors how Handlebars compiles with Dotprompt's options
 * (knownHelpersOnly): a call with arguments to a helper it does not know fails to compile.
 */
import { parseTemplate, parseTemplateUncached, TemplateSyntaxError } from "./handlebars";
import { LineIndex, type Span } from "./lineIndex";
import { PieceCache } from "./pieceCache";
import type { Problem } from "./problems";
import { segmentStarts } from "./segments";
import { syntaxProblem } from "./templateErrors";
import { ROOT_SCOPE, Walker } from "./templateWalker";

export interface VariableRef extends Span {
  /** The root input variable, e.g. `user` for `{{user.name}}`. */
  name: string;
  /** The whole path as written, e.g. `user.name`. */
  path: string;
}

export interface HelperUse extends Span {
  name: string;
  block: boolean;
  known: boolean;
  node: hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression;
}

export interface PartialUse extends Span {
  /** `@partial-block` for `{{> @partial-block}}`, the block a partial was called with. */
  name: string;
  /** True when the partial gets the root context (not inside each/with, no context argument). */
  atRoot: boolean;
  /** Called as a block, `{{#> name}}fallback{{/name}}`: the fallback renders when the partial is missing. */
  block: boolean;
  /** Inside an `{{#*inline}}` definition, a partial of its own. */
  inInline: boolean;
}

/** `{{#*inline "name"}}…{{/inline}}`: a partial the template defines itself. The span is the name's. */
export interface InlinePartial extends Span {
  name: string;
  /** The definition's body, between its tags. */
  body: Span;
  /** The whole definition, from `{{#*inline` to `{{/inline}}`. */
  whole: Span;
}

/** The name `{{> @partial-block}}` is recorded under. */
export const PARTIAL_BLOCK = "@partial-block";

export interface BlockRange extends Span {
  name: string;
  /** The opening `{{#name ...}}` tag. */
  open: Span;
}

export interface TemplateInfo {
  /** False when the body has a syntax error (then the lists are empty and `problems` says why). */
  parsed: boolean;
  variables: VariableRef[];
  helpers: HelperUse[];
  partials: PartialUse[];
  inlines: InlinePartial[];
  blocks: BlockRange[];
  problems: Problem[];
}

/**
 * The body's analysis. A body that cuts into top-level pieces (segments.ts) is analyzed piece
 * by piece, each piece remembered by its text, so a keystroke re-parses one line instead of the
 * whole body; the result, syntax errors included, is the one the whole body gives
 * (test/unit/prompts/segments.test.ts). A body the scan is not sure about, or an error that
 * text after its piece could change, is parsed whole.
 */
export function analyzeTemplate(body: string, bodyOffset: number, lines: LineIndex): TemplateInfo {
  // A keystroke in the frontmatter leaves the body as it was, only further on or back: the
  // last analysis moved serves (nothing in a body's analysis depends on where it starts).
  if (!segmenting) return analyzeWhole(body, bodyOffset, lines);
  const prev = lastInfo;
  if (prev && prev.body === body && prev.info.parsed) {
    if (prev.inPieces) analyzedInPieces++;
    if (prev.offset === bodyOffset) return prev.info;
    const info: TemplateInfo = { parsed: true, ...place(prev.info, bodyOffset - prev.offset), problems: [] };
    lastInfo = { ...prev, offset: bodyOffset, info };
    return info;
  }
  const inPieces = analyzeInPieces(body, bodyOffset, lines);
  const info = inPieces ?? analyzeWhole(body, bodyOffset, lines);
  if (inPieces) analyzedInPieces++;
  lastInfo = { body, offset: bodyOffset, info, inPieces: inPieces !== null };
  return info;
}

/** The last body analyzed with pieces on, where it was and what it gave (read-only, shared). */
let lastInfo: { body: string; offset: number; info: TemplateInfo; inPieces: boolean } | null = null;

let segmenting = true;
let analyzedInPieces = 0;

/** How many bodies were analyzed piece by piece so far (tests check the pieces were used). */
export function piecewiseCount(): number {
  return analyzedInPieces;
}

/** Off: every body is parsed whole (the reference the equivalence test and the benchmark compare with). */
export function setTemplateSegmenting(on: boolean): void {
  segmenting = on;
}

/**
 * One piece's analysis with offsets from the piece's start, or its parse error. `local`: the
 * parse failed at a token that ends before the piece does, so text after the piece could not
 * have changed where or how; `first`: the error is at the piece's first token (or before any);
 * `located`: the error says where it is (see analyzeInPieces).
 */
type PieceInfo = ParsedPiece | { ok: false; error: unknown; local: boolean; first: boolean; located: boolean };

type PieceLists = Pick<TemplateInfo, "variables" | "helpers" | "partials" | "inlines" | "blocks">;

interface ParsedPiece extends PieceLists {
  ok: true;
  /**
   * The lists moved to where the piece was in recent analyses, reused while it stays there
   * (shared by those analyses: read-only). A few places: a line may appear more than once.
   */
  placed: Map<number, PieceLists>;
}

// The lines of the open prompts and their partials and of their recent edits, each parsed once
// (about 2 KB an entry). A body with more lines than half of this is parsed whole instead of
// thrashing the cache.
const MAX_PIECES = 10_000;
const pieces = new PieceCache<PieceInfo>(MAX_PIECES);

/**
 * Pieces that parse alone were cut where the whole body's parse is between top-level
 * statements, whatever the scan thought: a piece ending inside a block, mustache or comment
 * would fail at its end. So up to the first piece that fails, the pieces are the whole body's
 * parse, and that piece's error is the whole body's first error when nothing after the piece
 * could have changed it: the piece is the last (its end is the body's), or the failing token
 * ends inside it (no end-of-input or lexer error, no error from Handlebars' checks of a
 * finished block). The parser's and lexer's state differ from the whole body's only before a
 * piece's first token is taken (the parser expects other tokens at the start; the lexer
 * reports the previous token's place), so an error there is taken from the previous piece and
 * this one parsed together. Otherwise: null, and the whole body is parsed.
 */
function analyzeInPieces(body: string, bodyOffset: number, lines: LineIndex): TemplateInfo | null {
  const starts = segmentStarts(body);
  // A piece's line numbers start at its own first line: the body must start a line too.
  if (!starts || starts.length < 2 || starts.length > MAX_PIECES / 2 || lines.starts[lines.positionAt(bodyOffset).line] !== bodyOffset) return null;
  const parts: ParsedPiece[] = [];
  const seen: PieceInfo[] = [];
  const prev = last;
  const same = prev ? unchanged(prev, body) : null;
  last = { body, starts, parts: seen };
  for (let k = 0; k < starts.length; k++) {
    const part = (same && same(starts[k]!, starts[k + 1] ?? body.length)) || pieces.get(body.slice(starts[k], starts[k + 1]), analyzePiece);
    seen.push(part);
    if (!part.ok) {
      const last = k === starts.length - 1;
      const from = part.first && k > 0 ? k - 1 : k;
      const source = body.slice(starts[from], starts[k + 1]);
      const failed = from === k ? part : analyzePiece(source);
      if (failed.ok || !(failed.local || last) || !failed.located || (failed.first && from > 0)) return null;
      const problem = syntaxProblem(failed.error, source, bodyOffset + starts[from]!, lines, { text: body, offset: bodyOffset });
      return { parsed: false, variables: [], helpers: [], partials: [], inlines: [], blocks: [], problems: [problem] };
    }
    parts.push(part);
  }
  const info: TemplateInfo = { parsed: true, variables: [], helpers: [], partials: [], inlines: [], blocks: [], problems: [] };
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    if (part.variables.length + part.helpers.length + part.partials.length + part.inlines.length + part.blocks.length === 0) continue;
    const at = bodyOffset + starts[k]!;
    // Lines before the edit keep their place: their lists from the previous analysis serve as they are.
    let placed = part.placed.get(at);
    if (!placed) {
      if (part.placed.size >= 8) part.placed.clear();
      placed = place(part, at);
      part.placed.set(at, placed);
    }
    for (const v of placed.variables) info.variables.push(v);
    for (const h of placed.helpers) info.helpers.push(h);
    for (const p of placed.partials) info.partials.push(p);
    for (const d of placed.inlines) info.inlines.push(d);
    for (const b of placed.blocks) info.blocks.push(b);
  }
  return info;
}

/** The pieces of the body analyzed last: a keystroke changes one, the others are found by position. */
interface Analyzed {
  body: string;
  starts: number[];
  /** Aligned with `starts`, up to the first piece that failed. */
  parts: PieceInfo[];
}

let last: Analyzed | null = null;

/**
 * For a body that differs from `prev` in one stretch: the previous analysis of a piece lying
 * wholly before or after that stretch (the same text, so the same analysis), found without
 * hashing every line of the body into the cache.
 */
function unchanged(prev: Analyzed, body: string): ((start: number, end: number) => PieceInfo | undefined) | null {
  const old = prev.body;
  const n = Math.min(old.length, body.length);
  // Compared a block of characters at a time (natively), then character by character.
  const B = 256;
  let head = 0;
  while (head + B <= n && old.slice(head, head + B) === body.slice(head, head + B)) head += B;
  while (head < n && old.charCodeAt(head) === body.charCodeAt(head)) head++;
  let tail = 0;
  while (tail + B <= n - head && old.slice(old.length - tail - B, old.length - tail) === body.slice(body.length - tail - B, body.length - tail)) tail += B;
  while (tail < n - head && old.charCodeAt(old.length - 1 - tail) === body.charCodeAt(body.length - 1 - tail)) tail++;
  if (head === 0 && tail === 0) return null;
  const delta = body.length - old.length;
  return (start, end) => {
    if (end <= head) return pieceAt(prev, start, end);
    if (start >= body.length - tail) return pieceAt(prev, start - delta, end - delta);
    return undefined;
  };
}

/** The previous analysis of the piece that spanned exactly [start, end) of the previous body. */
function pieceAt(prev: Analyzed, start: number, end: number): PieceInfo | undefined {
  let lo = 0;
  let hi = prev.parts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = prev.starts[mid]!;
    if (s === start) return (prev.starts[mid + 1] ?? prev.body.length) === end ? prev.parts[mid] : undefined;
    if (s < start) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** The piece's lists `d` characters further on. Object literals: a spread here was most of a keystroke's analysis. */
function place(part: PieceLists, d: number): PieceLists {
  const placed: PieceLists = { variables: [], helpers: [], partials: [], inlines: [], blocks: [] };
  for (const v of part.variables) placed.variables.push({ name: v.name, path: v.path, start: v.start + d, end: v.end + d });
  for (const h of part.helpers) placed.helpers.push({ name: h.name, block: h.block, known: h.known, node: h.node, start: h.start + d, end: h.end + d });
  for (const p of part.partials) placed.partials.push({ name: p.name, atRoot: p.atRoot, block: p.block, inInline: p.inInline, start: p.start + d, end: p.end + d });
  for (const i of part.inlines) {
    placed.inlines.push({ name: i.name, body: { start: i.body.start + d, end: i.body.end + d }, whole: { start: i.whole.start + d, end: i.whole.end + d }, start: i.start + d, end: i.end + d });
  }
  for (const b of part.blocks) placed.blocks.push({ name: b.name, open: { start: b.open.start + d, end: b.open.end + d }, start: b.start + d, end: b.end + d });
  return placed;
}

function analyzePiece(piece: string): PieceInfo {
  const lines = new LineIndex(piece);
  let ast: hbs.AST.Program;
  try {
    ast = parseTemplateUncached(piece);
  } catch (error) {
    if (!(error instanceof TemplateSyntaxError)) {
      // Handlebars' checks of a finished block ("if doesn't match each"), at the reduction of a
      // block whose tokens all lie in the piece: the same whatever follows, or the parser's start.
      const e = error as { lineNumber?: unknown; column?: unknown };
      const located = typeof e.lineNumber === "number" && typeof e.column === "number";
      return { ok: false, error, local: located, first: false, located };
    }
    const t = error.token;
    const end = t && error.tokenName !== null && error.tokenName !== "EOF" ? lines.starts[t.last_line - 1]! + t.last_column : piece.length;
    return { ok: false, error, local: end < piece.length, first: !t || (t.first_line === 1 && t.first_column === 0), located: t !== null };
  }
  const info: TemplateInfo = { parsed: true, variables: [], helpers: [], partials: [], inlines: [], blocks: [], problems: [] };
  new Walker(info, spanMapper(0, lines)).program(ast, ROOT_SCOPE);
  const { variables, helpers, partials, inlines, blocks } = info;
  return { ok: true, variables, helpers, partials, inlines, blocks, placed: new Map() };
}

function analyzeWhole(body: string, bodyOffset: number, lines: LineIndex): TemplateInfo {
  const info: TemplateInfo = { parsed: false, variables: [], helpers: [], partials: [], inlines: [], blocks: [], problems: [] };
  let ast: hbs.AST.Program;
  try {
    ast = parseTemplate(body);
  } catch (err) {
    info.problems.push(syntaxProblem(err, body, bodyOffset, lines));
    return info;
  }
  info.parsed = true;
  new Walker(info, spanMapper(bodyOffset, lines)).program(ast, ROOT_SCOPE);
  return info;
}

/** Handlebars' locations (1-based lines from the body's first) as offsets in the document. */
function spanMapper(bodyOffset: number, lines: LineIndex): (loc: hbs.AST.SourceLocation | undefined) => Span {
  const bodyLine = lines.positionAt(bodyOffset).line;
  const toOffset = (p: hbs.AST.Position) => {
    const start = lines.starts[bodyLine + p.line - 1];
    return start === undefined ? lines.text.length : Math.min(start + p.column, lines.text.length);
  };
  return (loc) => (loc ? { start: toOffset(loc.start), end: Math.max(toOffset(loc.end), toOffset(loc.start)) } : { start: bodyOffset, end: bodyOffset });
}

export { TemplateSyntaxError };
