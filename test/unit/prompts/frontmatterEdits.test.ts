/**
 * Typing in the frontmatter with every cache on (the YAML in pieces, the frontmatter's checks,
 * the body's analysis moved rather than redone, partial files kept while their stat holds) gives
 * exactly what an analysis from scratch gives: the same diagnostics (code, message, range,
 * severity, data), facts, declared variables, defaults, template facts, symbols and folding.
 * Keystroke sequences: the bench's new keys and values typed over, and pseudo-random keystrokes
 * (YAML punctuation, line breaks, deletions) in the frontmatter of every prompt under prompts/.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { analyzePrompt, type CheckContext } from "../../../server/prompts/check";
import { diskPartials } from "../../../server/prompts/workspace";
import { clearYamlPieces, yamlPiecewiseCount } from "../../../server/prompts/yamlPieces";
import { setParseCaches } from "../../../server/prompts/parseCaches";
import type { ModelInfo } from "../../../server/protocol";
import { toDiagnostic } from "../../../server/lsp/convert";
import { documentSymbols, foldingRanges } from "../../../server/lsp/outline";
import { editingFrontmatterValues, frontmatterBenchDocument, typingFrontmatterKeys, type Keystroke } from "../../fixtures/benchPrompt";

const ws = mkdtempSync(join(tmpdir(), "faro-fm-edits-"));
after(() => {
  setParseCaches(true);
  rmSync(ws, { recursive: true, force: true });
});

const models = [
  { id: "bench-model", faro: { context_length: 400, provider: "local" } },
  { id: "demo", faro: { context_length: 2048, provider: "local" } },
] as unknown as ModelInfo[];

/** What every editor feature gets from an analysis, as one comparable value. */
function observed(text: string, ctx: CheckContext): unknown {
  const a = analyzePrompt(text, ctx);
  return {
    diagnostics: a.problems.map((p) => ({ ...toDiagnostic(a.doc.lines, p), offsets: [p.start, p.end] })),
    facts: { ...a.frontmatter, resolvedModel: a.frontmatter.resolvedModel?.id ?? null },
    declared: a.declared,
    defaults: a.defaults,
    used: [...a.template.used].sort(),
    partials: [...a.template.partials.entries()].sort(),
    symbols: documentSymbols(a),
    folding: foldingRanges(a),
  };
}

/** From scratch: no parse cache of any kind, partial files read every time. */
function uncached(text: string, ctx: CheckContext): unknown {
  setParseCaches(false);
  try {
    return observed(text, ctx);
  } finally {
    setParseCaches(true);
  }
}

/** Compares every keystroke's cached analysis (in order, caches carried along) with one from scratch. */
function sameWhileTyping(base: string, keys: Keystroke[], file: string): number {
  const path = join(ws, file);
  writeFileSync(path, base);
  const ctx: CheckContext = { models, defaultModel: "demo", partial: diskPartials(path, [ws]) };
  const texts = [base, ...keys.map((k) => k.text)];
  const expected = texts.map((t) => uncached(t, ctx));
  clearYamlPieces();
  const before = yamlPiecewiseCount();
  texts.forEach((t, i) => assert.deepStrictEqual(observed(t, ctx), expected[i], `keystroke ${i} of ${file} differs from scratch: ${JSON.stringify(t.slice(0, t.indexOf("\n---\n", 4)))}`));
  return yamlPiecewiseCount() - before;
}

writeFileSync(join(ws, "_policy.prompt"), "Follow the refund policy: {{plan}} plans get refunds within 30 days.\n");

test("the bench's frontmatter keystrokes (new keys and values, values typed over): cached = from scratch", () => {
  const base = frontmatterBenchDocument();
  const keys = typingFrontmatterKeys(base, 500);
  const values = editingFrontmatterValues(base, 500);
  const a = sameWhileTyping(base, keys, "support.prompt");
  const b = sameWhileTyping(base, values, "support2.prompt");
  assert.ok(a + b > 800, `the YAML pieces served ${a + b} of 1002 analyses`);
  console.log(`bench frontmatter keystrokes: 1002 compared, ${a + b} with the YAML in pieces`);
});

/** Keystrokes at pseudo-random places of the frontmatter: characters, YAML punctuation, line breaks, deletions. */
function randomKeys(base: string, n: number, seed: number): Keystroke[] {
  const alphabet = ["a", "e", "z", "1", " ", " ", ":", "\n", "\n  ", "-", "[", "]", "\"", "'", "#", ",", "{", "}", "|", "&", "*"];
  let s = seed;
  const next = (m: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % m;
  };
  const out: Keystroke[] = [];
  let text = base;
  let at = 4 + next(Math.max(1, text.indexOf("\n---\n", 4) - 4));
  for (let i = 0; i < n; i++) {
    const end = text.indexOf("\n---\n", 4);
    if (end < 4) break;
    if (next(8) === 0) at = 4 + next(end - 4); // jump elsewhere in the frontmatter
    at = Math.min(at, end);
    if (next(6) === 0 && at > 4) {
      text = text.slice(0, at - 1) + text.slice(at); // backspace
      at--;
      out.push({ text, offset: at, char: "", removed: 1 });
      continue;
    }
    const char = alphabet[next(alphabet.length)]!;
    text = text.slice(0, at) + char + text.slice(at);
    out.push({ text, offset: at, char });
    at += char.length;
  }
  return out;
}

test("pseudo-random keystrokes in the frontmatter of every prompt under prompts/ and the bench's: cached = from scratch", () => {
  const dir = resolve("prompts");
  const files = readdirSync(dir).filter((f) => f.endsWith(".prompt") && !f.startsWith("_"));
  const sources: Array<[string, string]> = [...files.map((f): [string, string] => [f, readFileSync(join(dir, f), "utf8")]), ["bench.prompt", frontmatterBenchDocument()]];
  let count = 0;
  for (const [name, source] of sources) {
    if (!source.startsWith("---\n")) continue;
    for (const seed of [1, 2, 3]) {
      const keys = randomKeys(source, 150, seed * 7919 + name.length);
      sameWhileTyping(source, keys, name);
      count += keys.length + 1;
    }
  }
  assert.ok(count > 1500, `${count} analyses compared`);
  console.log(`pseudo-random frontmatter keystrokes: ${count} analyses compared`);
});

test("a partial file is read again when it changes on disk, and its lookup sees the new text", () => {
  const path = join(ws, "user.prompt");
  const partial = join(ws, "_greeting.prompt");
  writeFileSync(partial, "Hello {{name}}\n");
  const text = "---\nmodel: demo\ninput:\n  schema:\n    name: string\n    extra: string\n---\n{{> greeting}}\n";
  const ctx: CheckContext = { models, defaultModel: "demo", partial: diskPartials(path, [ws]) };
  const unused = () => analyzePrompt(text, ctx).problems.filter((p) => p.code === "variable-unused").map((p) => text.slice(p.start, p.end));
  assert.deepEqual(unused(), ["extra"]);
  // Same size and a new mtime: read again.
  writeFileSync(partial, "Hello {{extra}}\n");
  const later = new Date(Date.now() + 5_000);
  utimesSync(partial, later, later);
  assert.deepEqual(unused(), ["name"]);
  rmSync(partial);
  assert.deepEqual(analyzePrompt(text, ctx).problems.map((p) => p.code), ["partial-unresolved", "variable-unused", "variable-unused"]);
});

test("while the frontmatter does not parse, the body's variables get no verdict (no flash of 'not declared' per keystroke)", () => {
  const ctx: CheckContext = { models, defaultModel: "demo", partial: (n) => (n === "policy" ? "Refunds within 30 days.\n" : null) };
  const codes = (text: string) => analyzePrompt(text, ctx).problems.map((p) => [p.code, text.slice(p.start, p.end)]);
  const body = "Hello {{name}}, about {{topic}}\n";
  // Half a key typed in input.schema: only the YAML error.
  assert.deepEqual(codes(`---\nmodel: demo\ninput:\n  schema:\n    name: string\n    to\n---\n${body}`).map(([c]) => c), ["yaml-syntax"]);
  // Once it parses, the verdicts are back.
  assert.deepEqual(codes(`---\nmodel: demo\ninput:\n  schema:\n    name: string\n    topic: string\n---\n${body}`), []);
  assert.deepEqual(codes(`---\nmodel: demo\ninput:\n  schema:\n    name: string\n---\n${body}`), [["variable-undeclared", "topic"]]);
  // No frontmatter at all: the hint to declare them stays.
  assert.deepEqual(codes(body), [["variable-undeclared", "name"], ["variable-undeclared", "topic"]]);
  // The bench's broken keystrokes publish one diagnostic, not one per variable of the body.
  const broken = typingFrontmatterKeys(frontmatterBenchDocument(), 120).map((k) => analyzePrompt(k.text, ctx)).filter((a) => a.doc.frontmatter?.hasErrors);
  assert.ok(broken.length > 10);
  for (const a of broken) assert.deepEqual(a.problems.map((p) => p.code), ["yaml-syntax"]);
});
