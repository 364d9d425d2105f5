/**
 * The frontmatter's YAML parsed one top-level entry at a time, each entry remembered by its
 * text, so a keystroke in `config` re-parses `config` and not the 16-field `input` schema. The
 * result is the document the whole text gives (test/unit/prompts/yamlPieces.test.ts): the same
 * nodes with the same ranges, values, errors and warnings; only where comments between entries
 * attach, and so a range's third number (its end after trailing comments), may differ: nothing
 * reads them (nodeSpan takes a range's start and end).
 *
 * Why the pieces agree with the whole: a piece starts at a line holding a plain key at column 0.
 * When the pieces before it parse alone without an error or warning, none of them leaves a
 * flow collection or a quoted scalar open, and block and plain scalars end at a column-0 line,
 * so there the whole parse is between top-level pairs of the root mapping, as a fresh parse of
 * the rest is before its first pair. What could still carry across a cut is left to the whole
 * parse: anchors, aliases and tags, directives and document markers, tabs and `\r` line breaks,
 * and a key repeated in two pieces (the whole parse reports it). From the first piece with an
 * error on, the rest of the text is parsed as one.
 */
import { Document, isMap, isNode, isPair, isScalar, isSeq, Pair, parseDocument, Scalar, YAMLMap, YAMLSeq, type Node as YamlNode, type YAMLError } from "yaml";
import { PieceCache } from "./pieceCache";

/** Text the cuts do not handle: parsed whole. */
const UNSURE = /^(?:---|\.\.\.|%)|[\r\t]|(?:^|[\s,[{])[&*!]/m;
/** A line that starts a top-level pair: a plain key at column 0 and its `:`. */
const KEY_LINE = /^[A-Za-z0-9_$][^\n:#]*:(?: |$)/;

interface YamlPiece {
  doc: Document.Parsed;
  /** A block mapping without errors or warnings: a piece the next one may follow. */
  clean: boolean;
  /** Its top-level keys, as the duplicate-key check compares them. */
  keys: string[];
  /** Its pairs moved to where the piece was in recent parses (read-only), by offset. */
  placed: Map<number, Pair[]>;
}

const MAX_PIECES = 2_000;
const pieces = new PieceCache<YamlPiece>(MAX_PIECES);
let inPieces = 0;

export function parseYaml(source: string): Document.Parsed {
  return parseDocument(source, { keepSourceTokens: false });
}

/** The parse of a frontmatter's YAML, piece by piece where the text allows it. */
export function parseFrontmatterYaml(source: string): Document.Parsed {
  if (!piecewise) return parseYaml(source);
  const starts = cuts(source);
  if (!starts) return parseYaml(source);
  const items: Pair[] = [];
  const keys = new Set<string>();
  const errors: YAMLError[] = [];
  const warnings: YAMLError[] = [];
  let first: YamlPiece | null = null;
  let last: YamlPiece | null = null;
  let lastOffset = 0;
  for (let k = 0; k < starts.length; k++) {
    const at = starts[k]!;
    let piece = pieceFor(source.slice(at, starts[k + 1]));
    // From a piece that is not clean on, the rest is parsed as one.
    const rest = piece === false || (!piece.clean && k < starts.length - 1);
    if (rest) piece = pieces.get(source.slice(at), wholePiece);
    if (piece === false) return parseYaml(source);
    const map = piece.doc.contents;
    if (!isMap(map) || map.flow || !map.range) return parseYaml(source);
    for (const key of piece.keys) {
      if (keys.has(key)) return parseYaml(source);
      keys.add(key);
    }
    for (const pair of placed(piece, at)) items.push(pair);
    for (const e of piece.doc.errors) errors.push(movedError(e, at));
    for (const w of piece.doc.warnings) warnings.push(movedError(w, at));
    first ??= piece;
    last = piece;
    lastOffset = at;
    if (rest) break;
  }
  inPieces++;
  const root = new YAMLMap();
  root.items = items;
  root.range = around((first!.doc.contents as YAMLMap).range!, (last!.doc.contents as YAMLMap).range!, lastOffset);
  const doc = new Document(undefined, { keepSourceTokens: false }) as unknown as Document.Parsed;
  doc.contents = root as Document.Parsed["contents"];
  doc.errors = errors;
  doc.warnings = warnings;
  doc.range = around(first!.doc.range, last!.doc.range, lastOffset);
  return doc;
}

/** From the start of the first piece's range to the end of the last one's (at `lastOffset`). */
function around(first: [number, number, number], last: [number, number, number], lastOffset: number): [number, number, number] {
  return [first[0], last[1] + lastOffset, last[2] + lastOffset];
}

/** Offsets where pieces start (the first is 0); null when the text is parsed whole. */
function cuts(source: string): number[] | null {
  if (source.length < 256 || UNSURE.test(source)) return null;
  const starts = [0];
  let seenKey = false;
  for (let i = 0; i < source.length; ) {
    const br = source.indexOf("\n", i);
    const end = br < 0 ? source.length : br;
    if (KEY_LINE.test(source.slice(i, Math.min(end, i + 256)))) {
      if (seenKey) starts.push(i);
      seenKey = true;
    }
    i = end + 1;
  }
  return starts.length > 1 ? starts : null;
}

/**
 * The piece for `text`, or false when a piece of its mapping one level down is not clean (then
 * it is not parsed whole here: the caller parses more at once).
 */
function pieceFor(text: string): YamlPiece | false {
  const hit = pieces.peek(text);
  if (hit) return hit;
  const built = assemble(text);
  if (built === false) return false;
  return pieces.get(text, () => pieceOf(built ?? parseYaml(text)));
}

function wholePiece(text: string): YamlPiece {
  return pieceOf(parseYaml(text));
}

function pieceOf(doc: Document.Parsed): YamlPiece {
  const map = doc.contents;
  const keys = isMap(map) ? map.items.map((p) => (isNode(p.key) && "value" in p.key ? String(p.key.value) : String(p.key))) : [];
  const clean = isMap(map) && !map.flow && doc.errors.length === 0 && doc.warnings.length === 0;
  return { doc, clean, keys, placed: new Map() };
}

/** A pair whose key stands alone on its first line (`input:`), its value a block mapping on the lines after. */
const HEADER = /^( *)[A-Za-z0-9_$][^\n:#]*: *\n/;

/**
 * A piece that is one pair with a block mapping as its value (`input:` and its fields), built
 * from the pieces of that mapping, cut as the top level is, one indentation deeper (the same
 * reasoning holds there: the mapping's lines are all indented at least as its keys, so a line
 * at their indentation ends whatever a clean piece before it held). Null when the piece is
 * not such a pair (it is parsed whole); false when a piece of the mapping is not clean.
 */
function assemble(text: string): Document.Parsed | null | false {
  const m = HEADER.exec(text);
  if (!m || text.length < 128) return null;
  const indent = m[1]!.length;
  const from = m[0].length;
  const starts: number[] = [];
  let inner = -1;
  for (let i = from; i < text.length; ) {
    const br = text.indexOf("\n", i);
    const end = br < 0 ? text.length : br;
    const line = text.slice(i, end);
    const content = line.trimStart();
    if (content !== "") {
      const at = line.length - content.length;
      if (inner < 0) {
        if (at <= indent || !KEY_LINE.test(content)) return null;
        inner = at;
        starts.push(i);
      } else if (at < inner) {
        return null;
      } else if (at === inner && KEY_LINE.test(content)) {
        starts.push(i);
      }
    }
    i = end + 1;
  }
  if (starts.length === 0) return null;
  const head = pieces.get(text.slice(0, from), wholePiece);
  const headMap = head.doc.contents;
  if (!head.clean || !isMap(headMap) || headMap.items.length !== 1) return null;
  const value = new YAMLMap();
  const keys = new Set<string>();
  let first: YamlPiece | null = null;
  let last: YamlPiece | null = null;
  let lastOffset = 0;
  for (let k = 0; k < starts.length; k++) {
    const at = starts[k]!;
    const piece = pieceFor(text.slice(at, starts[k + 1]));
    if (piece === false || !piece.clean) return false;
    if (!isMap(piece.doc.contents) || !piece.doc.contents.range) return null;
    for (const key of piece.keys) {
      if (keys.has(key)) return null;
      keys.add(key);
    }
    for (const pair of placed(piece, at)) value.items.push(pair);
    first ??= piece;
    last = piece;
    lastOffset = at;
  }
  value.range = around([starts[0]! + (first!.doc.contents as YAMLMap).range![0], 0, 0], (last!.doc.contents as YAMLMap).range!, lastOffset);
  const root = new YAMLMap();
  root.items = [new Pair((headMap.items[0] as Pair).key, value)];
  root.range = [headMap.range![0], value.range[1], value.range[2]];
  const doc = new Document(undefined, { keepSourceTokens: false }) as unknown as Document.Parsed;
  doc.contents = root as Document.Parsed["contents"];
  doc.range = around(head.doc.range, last!.doc.range, lastOffset);
  return doc;
}

function placed(piece: YamlPiece, at: number): Pair[] {
  let pairs = piece.placed.get(at);
  if (!pairs) {
    const map = piece.doc.contents as YAMLMap;
    pairs = at === 0 ? (map.items as Pair[]) : map.items.map((p) => moved(p as Pair, at));
    if (piece.placed.size >= 8) piece.placed.clear();
    piece.placed.set(at, pairs);
  }
  return pairs;
}

/**
 * A copy of a pair and everything in it, `by` characters later. Built with the constructors
 * (yaml's own clone() copies property descriptors: most of a keystroke's time here).
 */
function moved<T>(node: T, by: number): T {
  if (isPair(node)) return new Pair(moved(node.key, by), moved(node.value, by)) as T;
  if (!isNode(node)) return node;
  let copy: YamlNode;
  if (isScalar(node)) copy = Object.assign(new Scalar(node.value), node);
  else if (isMap(node)) copy = Object.assign(new YAMLMap(node.schema), node, { items: node.items.map((p) => moved(p, by)) });
  else if (isSeq(node)) copy = Object.assign(new YAMLSeq(node.schema), node, { items: node.items.map((i) => moved(i, by)) });
  else return shiftAll(node.clone() as T, by);
  const r = node.range;
  if (r) copy.range = [r[0] + by, r[1] + by, r[2] + by];
  return copy as T;
}

/** Moves a cloned node (a kind moved() does not build) and everything in it. */
function shiftAll<T>(node: T, by: number): T {
  if (isPair(node)) {
    shiftAll(node.key, by);
    shiftAll(node.value, by);
  } else if (isNode(node)) {
    const r = node.range;
    if (r) node.range = [r[0] + by, r[1] + by, r[2] + by];
    if (isMap(node) || isSeq(node)) for (const item of node.items) shiftAll(item, by);
  }
  return node;
}

function movedError(e: YAMLError, by: number): YAMLError {
  const copy = Object.create(Object.getPrototypeOf(e) as object) as YAMLError;
  Object.assign(copy, e);
  copy.pos = [e.pos[0] + by, e.pos[1] + by];
  // Lines and columns counted in the piece: wrong here, and nothing reads them.
  delete copy.linePos;
  return copy;
}

let piecewise = true;

/** Off: every frontmatter is parsed whole (the reference the equivalence test and the benchmark compare with). */
export function setYamlPieces(on: boolean): void {
  piecewise = on;
}

/** How many frontmatters were parsed in pieces so far (tests check the pieces were used). */
export function yamlPiecewiseCount(): number {
  return inPieces;
}

/** Forgets remembered pieces (the benchmark's cold baseline). */
export function clearYamlPieces(): void {
  pieces.clear();
}
