/**
 * The body analyzed piece by piece (segments.ts, template.ts) gives exactly what the parse of the
 * whole body gives: the same diagnostics (code, message, range, severity, data) and the same
 * variables, helpers, partials and blocks with their offsets. Compared on the bench document and
 * each of its keystrokes, every .prompt under prompts/, the Dotprompt spec suite's templates
 * (when present), hand-written edge cases and their edits, and fast-check generated documents.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { parse } from "yaml";
import { analyzePrompt, type CheckContext } from "../../../server/prompts/check";
import { segmentStarts } from "../../../server/prompts/segments";
import { piecewiseCount, setTemplateSegmenting } from "../../../server/prompts/template";
import type { ModelInfo } from "../../../server/protocol";
import { toDiagnostic } from "../../../server/lsp/convert";
import { benchDocument, typing, typingTags } from "../../fixtures/benchPrompt";
import { promptDocument } from "../../fixtures/promptArbitrary";

const models = [{ id: "demo", faro: { context_length: 64, provider: "local" } }] as unknown as ModelInfo[];
const partials: Record<string, string> = { header: "Header {{name}}\n{{#if x}}\n{{y}}\n{{/if}}\n", policy: "Refunds within 30 days.\n", broken: "{{#if a}}\n" };
const ctx: CheckContext = { models, defaultModel: "demo", partial: (n) => partials[n] ?? null };

after(() => setTemplateSegmenting(true));

/** Without the AST's own locations (a piece's are relative to the piece; the offsets beside them are compared). */
const withoutLoc = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === "loc" ? undefined : x)));

/** Everything the editor gets from the template, as one comparable value. */
function observed(text: string): unknown {
  const a = analyzePrompt(text, ctx);
  const t = a.doc.template;
  return {
    diagnostics: a.problems.map((p) => ({ ...toDiagnostic(a.doc.lines, p), offsets: [p.start, p.end] })),
    parsed: t.parsed,
    variables: t.variables,
    helpers: t.helpers.map((h) => ({ ...h, node: withoutLoc(h.node) })),
    partials: t.partials,
    blocks: t.blocks,
    used: [...a.template.used].sort(),
    resolved: [...a.template.partials.keys()].sort(),
  };
}

let piecewiseErrors = 0;

/** Asserts both ways agree on `text`; returns whether the pieces were used. */
function same(text: string): boolean {
  setTemplateSegmenting(false);
  const whole = observed(text) as { parsed: boolean };
  setTemplateSegmenting(true);
  const before = piecewiseCount();
  const pieces = observed(text);
  assert.deepStrictEqual(pieces, whole, `pieces and whole body differ for ${JSON.stringify(text)}`);
  const used = piecewiseCount() > before;
  if (used && !whole.parsed) piecewiseErrors++;
  return used;
}

/** Checks every text, and that at least `minPiecewise` of them went through the pieces. */
function allSame(texts: Iterable<string>, minPiecewise: number): { count: number; piecewise: number } {
  let count = 0;
  let piecewise = 0;
  for (const t of texts) {
    count++;
    if (same(t)) piecewise++;
  }
  assert.ok(piecewise >= minPiecewise, `only ${piecewise} of ${count} texts were analyzed in pieces`);
  return { count, piecewise };
}

const EDGE_BODIES = [
  "Hello {{name}}\nBye {{other}}\n",
  "{{#if a}}\n{{b}}\n{{else}}\n{{c}}\n{{/if}}\nafter {{d}}\n",
  "{{#each items as |item i|}}\n- {{item.name}} {{i}} {{outer}}\n{{/each}}\n{{item}}\n",
  "{{foo\n  bar=baz}}\nnext {{x}}\n",
  "{{json \"}}\n{{#if\" x}}\nline {{y}}\n",
  "{{lookup a 'x}}\ny'}}\n{{z}}\n",
  "{{[odd}}\nname]}}\n{{w}}\n",
  "{{!-- a comment\n{{#if}}\nspanning lines --}}\n{{v}}\n",
  "{{!-- short --}}{{! one\nline }}\n{{u}}\n",
  "{{!--}}\n{{t}}\n",
  "{{!-- never closed\n{{s}}\n",
  "{{#if a}}\nopen forever\n{{r}}\n",
  "{{#if a}}\n{{/each}}\n{{q}}\n",
  "{{/if}}\n{{p}}\n",
  "{{else}}\n{{o}}\n",
  "{{^}}\n{{n}}\n",
  "{{^missing}}\nnone {{m}}\n{{/missing}}\n{{l}}\n",
  "{{#> layout}}\ninside {{k}}\n{{/layout}}\n{{j}}\n",
  "{{#*inline \"part\"}}\n{{i}}\n{{/inline}}\n{{> part}}\n",
  "{{{{raw}}}}\n{{not}}\n{{{{/raw}}}}\n{{h}}\n",
  "\\{{escaped}}\n{{g}}\n",
  "\\\\{{double}}\n{{f}}\n",
  "line one\u2028still one {{e}}\n{{d2}}\n",
  "nul \u0000 here\n{{c2}}\n",
  "{{~#if a~}}\n{{b2~}}\n{{~/if~}}\n{{a2}}\n",
  "{{{triple}}}\n{{&amp}}\n{{x}}}\n{{y}}\n",
  "{{a {{b}}\n{{c}}\n",
  "{{role \"system\"}}\nYou are {{who}}.\n{{role \"user\"}}\n{{history}}\n{{history}}\n{{media}}\n{{shout name}}\n",
  "{{> header}}\n{{> missing}}\n{{#each xs}}{{> header}}{{/each}}\n{{> broken}}\n",
  "{{this.x}}\n{{../up}}\n{{@root.deep.path}}\n{{@index}}\n",
  "a\r\nb {{crlf}}\r\n{{#if x}}\r\n{{y}}\r\n{{/if}}\r\n",
  "a\rb {{cr}}\r{{#if x}}\r{{y}}\r{{/if}}\r",
  "{{#if a}}{{/if}}\n{{unclosed\n{{zz}}\n",
  "{{x}}\n{{y",
  "{{x}}\n}}\n{{y}}\n",
  "{{#if (eq a b)}}\n{{lookup . \"k\"}}\n{{/if}}\n{{num 1.5 true null undefined}}\n",
  // The open block of an unclosed-block error is looked for in the whole body, strings and all.
  "{{json \"{{#each x}}\"}}\nlater\n{{#if a}}\n{{json \"{{/each}}\"}}\n",
  "{{#if a}}\n{{/each}}\n{{x}}\n",
  "a\n{{#if a}}{{else}}{{else}}{{/if}}\n",
  "a\n{{a/../b}}\n",
];

function frontmatterFor(body: string): string[] {
  return [body, `---\nmodel: demo\ninput:\n  schema:\n    name: string\n    a: boolean\n---\n${body}`, `---\r\nmodel: demo\r\n---\r\n${body}`, `---\rmodel: nope\r---\r${body}`];
}

/** Edits a user makes while typing: each line removed, a tag cut in half, a brace typed at each line start. */
function edits(text: string): string[] {
  const lines = text.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    out.push([...lines.slice(0, i), ...lines.slice(i + 1)].join("\n"));
    for (const insert of ["{", "{{", "}}", "{{#if x}}", "{{/if}}", "{{!--", "\"", "\r"]) {
      out.push([...lines.slice(0, i), insert + lines[i], ...lines.slice(i + 1)].join("\n"));
    }
  }
  const open = text.indexOf("{{");
  if (open >= 0) out.push(text.slice(0, open + 3) + text.slice(open + 5));
  return out;
}

test("the scan cuts at top-level line breaks only, and gives up where it is not sure", () => {
  const cuts = (body: string) => segmentStarts(body)?.map((s) => body.slice(s));
  assert.deepEqual(cuts("a {{x}}\nb\r\nc\rd"), ["a {{x}}\nb\r\nc\rd", "b\r\nc\rd", "c\rd", "d"]);
  assert.deepEqual(cuts("{{#if a}}\nx\n{{/if}}\ny\n"), ["{{#if a}}\nx\n{{/if}}\ny\n", "y\n"]);
  assert.deepEqual(cuts("{{f \"}}\n\"}}\n{{!-- \n --}}\nz"), ["{{f \"}}\n\"}}\n{{!-- \n --}}\nz", "{{!-- \n --}}\nz", "z"]);
  // Broken text keeps its cuts: the piece with the stray close or the `{{` inside a mustache fails alone, as the whole body does there.
  assert.deepEqual(cuts("{{/if}}\nx\n"), ["{{/if}}\nx\n", "x\n"]);
  assert.deepEqual(cuts("{{a\n{{b}}\nc"), ["{{a\n{{b}}\nc", "c"]);
  // Nothing is cut after a block, comment or mustache left open: the last piece holds it.
  assert.deepEqual(cuts("a\n{{#if a}}\nb\n"), ["a\n{{#if a}}\nb\n", "{{#if a}}\nb\n"]);
  assert.deepEqual(cuts("a\n{{!-- open\nb\n"), ["a\n{{!-- open\nb\n", "{{!-- open\nb\n"]);
  assert.deepEqual(cuts("a\n{{b\nc\n"), ["a\n{{b\nc\n", "{{b\nc\n"]);
  for (const unsure of ["{{{{raw}}}}\n{{{{/raw}}}}", "\\{{x}}\n", "a\u2028b\n"]) {
    assert.equal(segmentStarts(unsure), null, JSON.stringify(unsure));
  }
});

test("the bench document and each of its 600 keystrokes, and 600 typing tags: pieces = whole body", () => {
  const base = benchDocument();
  const texts = [base, ...typing(base, 600).map((k) => k.text)];
  allSame(texts, texts.length);
  const tags = typingTags(base, 600).map((k) => k.text);
  const r = allSame(tags, tags.length);
  console.log(`typing tags: ${r.piecewise} of ${r.count} keystrokes analyzed in pieces`);
});

test("every .prompt under prompts/ and the edge cases, with frontmatter variants and edits: pieces = whole body", () => {
  const dir = resolve("prompts");
  const files = readdirSync(dir).filter((f) => f.endsWith(".prompt"));
  assert.ok(files.length >= 5, "the example prompts are there");
  const sources = [...files.map((f) => readFileSync(join(dir, f), "utf8")), ...EDGE_BODIES.flatMap(frontmatterFor)];
  const texts = sources.flatMap((s) => [s, ...edits(s)]);
  const r = allSame(texts, texts.length / 4);
  assert.ok(r.count > 1000, `${r.count} texts`);
  console.log(`prompts/ and edge cases: ${r.piecewise} of ${r.count} texts analyzed in pieces`);
});

const SPEC_DIR = resolve(process.env.FARO_DOTPROMPT_SPEC ?? "../shared/conformance/dotprompt-spec");

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return yamlFiles(full);
    return name.endsWith(".yaml") ? [full] : [];
  });
}

test("the Dotprompt spec suite's templates and partials, with edits: pieces = whole body", (t) => {
  if (!existsSync(SPEC_DIR)) {
    t.skip(`the Dotprompt spec suite is not at ${SPEC_DIR}`);
    return;
  }
  const templates: string[] = [];
  for (const file of yamlFiles(SPEC_DIR)) {
    for (const suite of parse(readFileSync(file, "utf8")) as Array<{ template: string; partials?: Record<string, string>; resolverPartials?: Record<string, string> }>) {
      templates.push(suite.template, ...Object.values(suite.partials ?? {}), ...Object.values(suite.resolverPartials ?? {}));
    }
  }
  assert.ok(templates.length > 50, `${templates.length} templates`);
  const r = allSame(templates.flatMap((s) => [s, ...edits(s)]), 100);
  console.log(`Dotprompt spec templates: ${r.piecewise} of ${r.count} texts analyzed in pieces`);
});

/** Bodies made of lines of well-formed tags and text (blocks spanning lines too), with a few broken pieces. */
const GOOD = [
  "{{name}}", "{{user.name}}", "{{> header}}", "{{> missing}}", "{{role \"system\"}}", "{{history}}", "{{json data indent=2}}",
  "{{media url=img}}", "{{media}}", "{{shout name}}", "{{!-- c --}}", "{{!-- two\nlines --}}", "{{! note }}", "{{@root.x}}", "{{../up}}",
  "{{this}}", "{{lookup a b}}", "{{f \"}}\"}}", "{{g '\n'}}", "{{[x\ny]}}", "{{{x}}}", "{{~y~}}", "{{v.w}}", "text ", "more text",
  "\t", "ü😀", "\r", "\r\n", "{{#if a}}in{{/if}}", "{{#if a}}\n{{b}}\n{{else}}\n{{c}}\n{{/if}}", "{{#each items}}\n- {{title}}\n{{/each}}",
  "{{#with u as |v|}}\n{{v.w}} {{outer}}\n{{/with}}", "{{#role}}\nx\n{{/role}}", "{{^none}}\nnothing\n{{/none}}", "{{#> layout}}\nin\n{{/layout}}",
];
const BROKEN = ["{{", "}}", "{", "\"", "{{#if a}}", "{{/if}}", "{{else}}", "{{!--", "--}}", "{{{{raw}}}}", "\\{{x}}", "\u2028", "\u0000"];
const lineBody = fc
  .array(
    fc.array(fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...GOOD) }, { weight: 1, arbitrary: fc.constantFrom(...BROKEN) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) }), { maxLength: 5 }),
    { maxLength: 30 },
  )
  .map((lines) => lines.map((l) => l.join("")).join("\n"));

test("10,000 generated documents (the fuzz suite's) and 5,000 line-structured bodies: pieces = whole body", () => {
  let piecewise = 0;
  let runs = 0;
  fc.assert(fc.property(promptDocument, (text) => void same(text)), { numRuns: 10_000 });
  fc.assert(
    fc.property(lineBody, fc.boolean(), (body, withFrontmatter) => {
      runs++;
      if (same(withFrontmatter ? `---\nmodel: demo\ninput:\n  schema:\n    name: string\n---\n${body}` : body)) piecewise++;
    }),
    { numRuns: 5_000 },
  );
  assert.ok(piecewise > runs / 3, `only ${piecewise} of ${runs} line-structured bodies were analyzed in pieces`);
  // Syntax errors found in one piece (a stray close, a `{{` inside a mustache), not by a parse of the whole body.
  assert.ok(piecewiseErrors > 300, `only ${piecewiseErrors} syntax errors came from a piece`);
  console.log(`generated bodies: ${piecewise} of ${runs} line-structured ones in pieces; ${piecewiseErrors} syntax errors from a piece in all tests so far`);
});
