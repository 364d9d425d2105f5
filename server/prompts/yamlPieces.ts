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
 * and a key repeated in two pieces (the whole parse reports it). A mapping value (`input`,
 * `schema`) is cut the same way one indentation deeper. From the first piece with an error on
 * (a key half typed), the rest of the text is parsed as one, with the headers of the pairs
 * around that piece in front (see tail()).
 */
import { Document, isMap, isNode, isPair, isScalar, Pair, parseDocument, YAMLMap, type Node as YamlNode, type YAMLError } from "yaml";
import { PieceCache } from "./pieceCache";
import { moved, movedError } from "./yamlMove";

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
  /** The offset its ranges count from (where it was first built: its pairs serve there as they are). */
  base: number;
  /** Its pairs moved to where the piece was in recent parses (read-only), by offset. */
  placed: Map<number, Pair[]>;
}

// The pieces of the open prompts' frontmatters (a few dozen each) and of their latest edits;
// an edited entry's versions go first (least recently used), keeping the heap the collector
// traces small on every keystroke.
const MAX_PIECES = 400;
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
    let piece = pieceFor(source.slice(at, starts[k + 1]), at);
    // From a piece that is not clean on, the rest is parsed as one: from the first piece one
    // level down that is not clean where there is one (its pairs' headers in front), else from here.
    const rest = piece === false || (!piece.clean && k < starts.length - 1);
    const end = rest ? tail(source, at, source.slice(at, starts[k + 1])) : null;
    if (end) {
      for (const key of end.keys) {
        if (keys.has(key)) return parseYaml(source);
        keys.add(key);
      }
      for (const pair of end.items) items.push(pair);
      errors.push(...end.errors);
      warnings.push(...end.warnings);
      inPieces++;
      const root = new YAMLMap();
      root.items = items;
      const start = first ? rangeAt(first, (first.doc.contents as YAMLMap).range!, 0)[0] : end.range[0];
      root.range = [start, end.range[1], end.range[2]];
      const doc = new Document(undefined, { keepSourceTokens: false }) as unknown as Document.Parsed;
      doc.contents = root as Document.Parsed["contents"];
      doc.errors = errors;
      doc.warnings = warnings;
      doc.range = [first ? rangeAt(first, first.doc.range, 0)[0] : end.docRange[0], end.docRange[1], end.docRange[2]];
      return doc;
    }
    // Not remembered: typing changes it on every keystroke, and a whole document a keystroke is garbage the collector must trace.
    if (rest) piece = wholePiece(source.slice(at));
    if (piece === false) return parseYaml(source);
    const map = piece.doc.contents;
    if (!isMap(map) || map.flow || !map.range) return parseYaml(source);
    for (const key of piece.keys) {
      if (keys.has(key)) return parseYaml(source);
      keys.add(key);
    }
    for (const pair of placed(piece, at)) items.push(pair);
    for (const e of piece.doc.errors) errors.push(movedError(e, at - piece.base));
    for (const w of piece.doc.warnings) warnings.push(movedError(w, at - piece.base));
    first ??= piece;
    last = piece;
    lastOffset = at;
    if (rest) break;
  }
  inPieces++;
  const root = new YAMLMap();
  root.items = items;
  root.range = around(rangeAt(first!, (first!.doc.contents as YAMLMap).range!, 0), rangeAt(last!, (last!.doc.contents as YAMLMap).range!, lastOffset));
  const doc = new Document(undefined, { keepSourceTokens: false }) as unknown as Document.Parsed;
  doc.contents = root as Document.Parsed["contents"];
  doc.errors = errors;
  doc.warnings = warnings;
  doc.range = around(rangeAt(first!, first!.doc.range, 0), rangeAt(last!, last!.doc.range, lastOffset));
  return doc;
}

type Range3 = [number, number, number];

/** A range of `piece`'s as it lies with the piece at `at`. */
function rangeAt(piece: YamlPiece, r: Range3, at: number): Range3 {
  const d = at - piece.base;
  return [r[0] + d, r[1] + d, r[2] + d];
}

/** From the start of the first range to the end of the last one. */
function around(first: Range3, last: Range3): Range3 {
  return [first[0], last[1], last[2]];
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
function pieceFor(text: string, at: number): YamlPiece | false {
  const hit = pieces.peek(text);
  if (hit) return hit;
  // Built where it lies: its pairs serve this parse without a copy.
  const built = assemble(text, at);
  if (built === false) return false;
  return pieces.get(text, () => (built ? pieceOf(built, at) : pieceOf(parseYaml(text), 0)));
}

function wholePiece(text: string): YamlPiece {
  return pieceOf(parseYaml(text), 0);
}

function pieceOf(doc: Document.Parsed, base: number): YamlPiece {
  const map = doc.contents;
  const keys = isMap(map) ? map.items.map((p) => (isNode(p.key) && "value" in p.key ? String(p.key.value) : String(p.key))) : [];
  const clean = isMap(map) && !map.flow && doc.errors.length === 0 && doc.warnings.length === 0;
  return { doc, clean, keys, base, placed: new Map() };
}

/**
 * A piece that is one pair whose key stands alone on its first line, taken apart: where the
 * lines of its value start (`from`) and where the pieces of that block mapping start (cut at
 * lines holding a key at the mapping's indentation); null when the piece is not such a pair.
 */
function split(text: string): { from: number; starts: number[] } | null {
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
  return starts.length === 0 ? null : { from, starts };
}

interface Tail {
  /** Top-level pairs from the piece at `at` on, at their offsets. */
  items: Pair[];
  keys: string[];
  errors: YAMLError[];
  warnings: YAMLError[];
  /** The root mapping's range from the piece on, and the document's. */
  range: [number, number, number];
  docRange: [number, number, number];
}

/**
 * The top-level piece at `at` is not clean: its pairs are found from the first piece of its
 * value (or of theirs, further down) that is not clean, parsed with the text after it to the
 * end of the frontmatter and the headers of the pairs around it in front (`input:\n  schema:\n`
 * then the broken field and everything after). Those lines put the parser where the whole
 * parse is at that line: inside the same mappings at the same indentations, after clean pieces
 * that leave nothing open. The clean pieces before it at each level are the remembered ones.
 * Null where the piece does not take apart so (then the rest is parsed whole from `at`).
 */
function tail(source: string, at: number, text: string): Tail | null {
  interface Level {
    /** The header's key, at its offset. */
    key: YamlNode;
    name: string;
    header: string;
    /** The clean pairs of its value before the piece that is not, at their offsets. */
    clean: Pair[];
    names: Set<string>;
  }
  const levels: Level[] = [];
  let t = text;
  let off = at;
  for (;;) {
    const sp = split(t);
    if (!sp) break;
    const head = pieces.get(t.slice(0, sp.from), wholePiece);
    const headMap = head.doc.contents;
    if (!head.clean || !isMap(headMap) || headMap.items.length !== 1) break;
    const headKey = (headMap.items[0] as Pair).key;
    if (!isScalar(headKey)) break;
    const clean: Pair[] = [];
    const names = new Set<string>();
    let bad = -1;
    for (let k = 0; k < sp.starts.length && bad < 0; k++) {
      const piece = pieceFor(t.slice(sp.starts[k], sp.starts[k + 1]), off + sp.starts[k]!);
      if (piece === false || !piece.clean || !isMap(piece.doc.contents)) {
        bad = k;
        break;
      }
      for (const key of piece.keys) {
        if (names.has(key)) return null;
        names.add(key);
      }
      for (const pair of placed(piece, off + sp.starts[k]!)) clean.push(pair);
    }
    if (bad < 0) break;
    levels.push({ key: moved(headKey as YamlNode, off), name: String(headKey.value), header: t.slice(0, sp.from), clean, names });
    off += sp.starts[bad]!;
    t = t.slice(sp.starts[bad], sp.starts[bad + 1]);
  }
  if (levels.length === 0) return null;
  const headers = levels.map((l) => l.header).join("");
  const skeleton = parseYaml(headers + source.slice(off));
  // Skeleton offsets after the headers are `by` away from the source's.
  const by = off - headers.length;
  for (const e of [...skeleton.errors, ...skeleton.warnings]) if (e.pos[0] < headers.length) return null;
  const maps: YAMLMap[] = [];
  let node: unknown = skeleton.contents;
  for (const level of levels) {
    if (!isMap(node) || node.flow || !node.range || node.items.length === 0) return null;
    const firstKey = (node.items[0] as Pair).key;
    if (!isScalar(firstKey) || String(firstKey.value) !== level.name) return null;
    maps.push(node);
    node = (node.items[0] as Pair).value;
  }
  if (!isMap(node) || node.flow || !node.range || node.items.length === 0 || node.range[0] < headers.length) return null;
  const names = (list: readonly unknown[]) => list.map((p) => (isPair(p) && isScalar(p.key) ? String(p.key.value) : String((p as Pair).key)));
  // From the deepest level up: each header's value is its clean pairs and what the skeleton found after them.
  let inner: YAMLMap = node;
  let value: YAMLMap | null = null;
  for (let c = levels.length - 1; c >= 0; c--) {
    const level = levels[c]!;
    const after: Pair[] = value ? [new Pair(levels[c + 1]!.key, value), ...(inner.items.slice(1) as Pair[]).map((p) => moved(p, by))] : (inner.items as Pair[]).map((p) => moved(p, by));
    const afterNames = value ? [levels[c + 1]!.name, ...names(inner.items.slice(1))] : names(inner.items);
    for (const n of afterNames) if (level.names.has(n)) return null;
    const map = new YAMLMap(inner.schema);
    map.items = [...level.clean, ...after];
    const start = level.clean.length ? level.clean[0]!.key as YamlNode : after[0]!.key as YamlNode;
    map.range = [start.range![0], inner.range![1] + by, inner.range![2] + by];
    value = map;
    inner = maps[c]!;
  }
  const root = maps[0]!;
  const rest = (root.items.slice(1) as Pair[]).map((p) => moved(p, by));
  return {
    items: [new Pair(levels[0]!.key, value!), ...rest],
    keys: [levels[0]!.name, ...names(root.items.slice(1))],
    errors: skeleton.errors.map((e) => movedError(e, by)),
    warnings: skeleton.warnings.map((e) => movedError(e, by)),
    range: [levels[0]!.key.range![0], root.range![1] + by, root.range![2] + by],
    docRange: [levels[0]!.key.range![0], skeleton.range[1] + by, skeleton.range[2] + by],
  };
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
function assemble(text: string, base: number): Document.Parsed | null | false {
  const sp = split(text);
  if (!sp) return null;
  const { from, starts } = sp;
  const head = pieces.get(text.slice(0, from), wholePiece);
  const headMap = head.doc.contents;
  if (!head.clean || !isMap(headMap) || headMap.items.length !== 1) return null;
  const value = new YAMLMap();
  const keys = new Set<string>();
  let first: YamlPiece | null = null;
  let last: YamlPiece | null = null;
  let lastOffset = 0;
  // Ranges count from `base`: the piece is built where it lies in the text being parsed.
  for (let k = 0; k < starts.length; k++) {
    const at = base + starts[k]!;
    const piece = pieceFor(text.slice(starts[k], starts[k + 1]), at);
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
  value.range = around(rangeAt(first!, (first!.doc.contents as YAMLMap).range!, base + starts[0]!), rangeAt(last!, (last!.doc.contents as YAMLMap).range!, lastOffset));
  const root = new YAMLMap();
  root.items = [new Pair(moved((headMap.items[0] as Pair).key, base), value)];
  root.range = [headMap.range![0] + base, value.range[1], value.range[2]];
  const doc = new Document(undefined, { keepSourceTokens: false }) as unknown as Document.Parsed;
  doc.contents = root as Document.Parsed["contents"];
  doc.range = around(rangeAt(head, head.doc.range, base), rangeAt(last!, last!.doc.range, lastOffset));
  return doc;
}

function placed(piece: YamlPiece, at: number): Pair[] {
  let pairs = piece.placed.get(at);
  if (!pairs) {
    const map = piece.doc.contents as YAMLMap;
    const by = at - piece.base;
    pairs = by === 0 ? (map.items as Pair[]) : map.items.map((p) => moved(p as Pair, by));
    if (piece.placed.size >= 8) piece.placed.clear();
    piece.placed.set(at, pairs);
  }
  return pairs;
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
