/**
 * The frontmatter's YAML parsed in pieces (yamlPieces.ts) gives exactly the document the whole
 * text gives: every node with its type, range and value, the value as JS, the errors and warnings
 * (code, position, message without the line and column, which document.ts drops). A range is
 * its start and end (what nodeSpan reads); the third number, the end after trailing comments,
 * may differ where a comment line lies between two entries. Compared on
 * the bench frontmatter and its keystrokes, every .prompt under prompts/ with edits that break
 * YAML at each line, hand-written cases for what may carry across a cut, and fast-check
 * generated frontmatters.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { isCollection, isPair, isScalar, type Document } from "yaml";
import { parseFrontmatterYaml, parseYaml, setYamlPieces, yamlPiecewiseCount } from "../../../server/prompts/yamlPieces";
import { benchDocument, editingFrontmatterValues, frontmatterBenchDocument, typing, typingFrontmatterKeys } from "../../fixtures/benchPrompt";

after(() => setYamlPieces(true));

const message = (m: string) => m.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");

/** Everything the checks and editor features read from a parsed frontmatter, as one comparable value. */
function view(doc: Document.Parsed): unknown {
  const nodes: unknown[] = [];
  const walk = (n: unknown, path: string): void => {
    if (isPair(n)) {
      walk(n.key, `${path}.key`);
      walk(n.value, `${path}.value`);
      return;
    }
    if (n === null || n === undefined || typeof n !== "object") {
      nodes.push([path, n ?? null]);
      return;
    }
    const node = n as { constructor: { name: string }; range?: unknown; flow?: boolean; type?: string };
    nodes.push([path, node.constructor.name, (node.range as number[] | undefined)?.slice(0, 2), isScalar(n) ? [n.value, n.type] : node.flow ?? null]);
    if (isCollection(n)) n.items.forEach((item, i) => walk(item, `${path}/${i}`));
  };
  walk(doc.contents, "");
  const errors = (list: Document.Parsed["errors"]) => list.map((e) => [e.code, e.pos, message(e.message)]);
  return { nodes, range: doc.range.slice(0, 2), errors: errors(doc.errors), warnings: errors(doc.warnings), js: doc.errors.length ? null : doc.toJS({ mapAsMap: true }) };
}

/** Asserts both parses agree on `source`; returns whether the pieces were used. */
function same(source: string): boolean {
  const whole = view(parseYaml(source));
  const before = yamlPiecewiseCount();
  const pieces = view(parseFrontmatterYaml(source));
  assert.deepStrictEqual(pieces, whole, `pieces and whole differ for ${JSON.stringify(source)}`);
  return yamlPiecewiseCount() > before;
}

function allSame(sources: Iterable<string>, minPiecewise: number): { count: number; piecewise: number } {
  let count = 0;
  let piecewise = 0;
  for (const s of sources) {
    count++;
    if (same(s)) piecewise++;
  }
  assert.ok(piecewise >= minPiecewise, `only ${piecewise} of ${count} frontmatters were parsed in pieces`);
  return { count, piecewise };
}

const frontmatterOf = (text: string) => text.slice(4, text.indexOf("\n---\n", 4));

test("the bench frontmatters and their keystrokes (new keys, values typed over, the body's typing): pieces = whole", () => {
  const fm = frontmatterBenchDocument();
  const keys = typingFrontmatterKeys(fm, 700).map((k) => frontmatterOf(k.text));
  const values = editingFrontmatterValues(fm, 700).map((k) => frontmatterOf(k.text));
  const body = typing(benchDocument(), 300).map((k) => frontmatterOf(k.text));
  const broken = keys.filter((s) => parseYaml(s).errors.length > 0).length;
  assert.ok(broken > 50, `typing keys leaves the YAML broken for a moment (${broken} keystrokes)`);
  const r = allSame([frontmatterOf(fm), ...keys, ...values, ...body], 1500);
  console.log(`bench keystrokes: ${r.piecewise} of ${r.count} frontmatters parsed in pieces (${broken} with YAML errors)`);
});

/** Edits that break YAML or carry something across lines, at the start and end of each line; and each line removed. */
function edits(source: string): string[] {
  const lines = source.split("\n");
  const out: string[] = [];
  const before = ["[", "\"", "- ", "  ", "#", "&a ", "*a", "? ", "x", "\t", "---", "...", "%"];
  const afterText = ["]", "{", "'", "!tag ", "|", ">", ": ", "x: ", "key: [1,", "q: \"open"];
  for (let i = 0; i < lines.length; i++) {
    out.push([...lines.slice(0, i), ...lines.slice(i + 1)].join("\n"));
    for (const ins of before) out.push([...lines.slice(0, i), ins + lines[i], ...lines.slice(i + 1)].join("\n"));
    for (const ins of afterText) out.push([...lines.slice(0, i), lines[i] + ins, ...lines.slice(i + 1)].join("\n"));
    // The line repeated: a duplicate key where it is a key.
    out.push([...lines.slice(0, i + 1), lines[i], ...lines.slice(i + 1)].join("\n"));
  }
  return out;
}

test("every .prompt under prompts/ and the bench frontmatter, with edits at each line: pieces = whole", () => {
  const dir = resolve("prompts");
  const sources = readdirSync(dir).filter((f) => f.endsWith(".prompt")).map((f) => readFileSync(join(dir, f), "utf8"));
  const fms = [...sources.filter((s) => s.startsWith("---\n")).map(frontmatterOf), frontmatterOf(frontmatterBenchDocument())];
  const r = allSame(fms.flatMap((s) => [s, ...edits(s)]), 1000);
  console.log(`prompts/ and bench frontmatters with edits: ${r.piecewise} of ${r.count} parsed in pieces`);
});

test("what may carry across a cut goes to the whole parse, and the result is still the whole parse's", () => {
  const pad = (s: string) => `description: ${"padding ".repeat(40)}\n${s}`;
  const cases = [
    "a: &x 1\nb: *x\n", // an anchor and its alias in two pieces
    "a: 1\n...\nb: 2\n", // a document end between pieces
    "a: 1\na: 2\n", // a key repeated in two pieces
    "a: \"x\nb: y\"\n", // a quoted scalar over a cut
    "a: [1,\nb: 2]\n", // a flow sequence over a cut
    "a: |\n  text\nb: 2\n", // a block scalar ended by the next key
    "a: plain\n  more\nb: 2\n", // a plain scalar over two lines
    "input:\n  schema:\n    x: string\n    x: number\n  default:\n    x: 1\n", // a repeated key one level down
    "input:\n  schema:\n    x: \"open\n    y: string\"\n", // a quoted scalar over a cut one level down
    "input:\n  schema:\n    x: string\n  # comment less indented\n    y: string\n",
    "input:\n    schema:\n      x: string\n  default: {}\n",
    "tools: [a,\n  b]\nmodel: m\n",
    "a: 1\r\nb: 2\r\n",
  ];
  for (const c of cases) same(pad(c));
  // The bench frontmatter is cut (the pieces are used at all).
  assert.equal(same(frontmatterOf(frontmatterBenchDocument())), true);
});

/** Frontmatters made of lines of keys at three depths, values of every kind and a few broken pieces. */
const LINES = [
  "model: demo", "config:", "  temperature: 0.5", "  stopSequences: [a, \"b\"]", "input:", "  schema:", "    name: string, the name",
  "    tags(array): string", "    kind(enum): [a, b]", "    nested(object):", "      x: integer", "  default:", "    name: Ada",
  "output:", "  format: json", "faro.fallbacks: [a, default]", "description: |", "  a block", "  scalar", "x.y: 1", "tools:", "- a",
  "  - b", "# comment", "", "  # indented comment", "key: \"quoted: value\"", "k2: 'single'", "k3: {a: 1, b: [2, 3]}",
];
const BROKEN = ["[", "]", "{", "\"", "'", ":", "- ", "&a", "*a", "!t", "|", ">", "? ", "\t", "---", "...", "%Y", "  ", "x"];
const frontmatter = fc
  .array(
    fc.tuple(
      fc.constantFrom(...LINES),
      fc.oneof({ weight: 12, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.constantFrom(...BROKEN) }, { weight: 1, arbitrary: fc.string({ maxLength: 4 }) }),
      fc.boolean(),
    ),
    { minLength: 8, maxLength: 40 },
  )
  .map((lines) => lines.map(([line, extra, before]) => (before ? extra + line : line + extra)).join("\n"));

test("3,000 generated frontmatters: pieces = whole", () => {
  let piecewise = 0;
  fc.assert(fc.property(frontmatter, (s) => void (same(s) && piecewise++)), { numRuns: 3_000 });
  assert.ok(piecewise > 300, `only ${piecewise} of 3000 generated frontmatters were parsed in pieces`);
  console.log(`generated frontmatters: ${piecewise} of 3000 parsed in pieces`);
});
