/**
 * The TextMate grammar (syntaxes/prompt.tmLanguage.json) tokenized by vscode-textmate, the
 * engine VS Code itself uses: frontmatter, comments, blocks, helpers, markers, variables.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as oniguruma from "vscode-oniguruma";
import { INITIAL, parseRawGrammar, Registry, type IGrammar } from "vscode-textmate";

let grammar: IGrammar;

before(async () => {
  const wasm = readFileSync(createRequire(import.meta.url).resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new Registry({
    onigLib: Promise.resolve({ createOnigScanner: (s) => new oniguruma.OnigScanner(s), createOnigString: (s) => new oniguruma.OnigString(s) }),
    // source.yaml comes from VS Code's own YAML extension; here it is absent, which VS Code tolerates too.
    loadGrammar: async (scope) => (scope === "source.prompt" ? parseRawGrammar(readFileSync("syntaxes/prompt.tmLanguage.json", "utf8"), "prompt.tmLanguage.json") : null),
  });
  grammar = (await registry.loadGrammar("source.prompt"))!;
});

/** [text, innermost scope] for each token of each line. */
function tokenize(text: string): Array<[string, string]> {
  let state = INITIAL;
  const out: Array<[string, string]> = [];
  for (const line of text.split("\n")) {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) {
      const piece = line.slice(t.startIndex, t.endIndex);
      if (piece.trim()) out.push([piece, t.scopes.at(-1)!]);
    }
    state = r.ruleStack;
  }
  return out;
}

const scopeOf = (tokens: Array<[string, string]>, text: string) => tokens.find(([t]) => t === text)?.[1];

test("the frontmatter is embedded YAML between the --- lines", () => {
  const t = tokenize("---\nmodel: demo # the model\n---\nHello {{name}}");
  assert.equal(scopeOf(t, "---"), "punctuation.definition.frontmatter.begin.prompt");
  // Without VS Code's YAML grammar (absent here) the fallback rules still mark keys and comments.
  assert.equal(scopeOf(t, "model"), "entity.name.tag.yaml");
  assert.equal(scopeOf(t, "# the model"), "comment.line.number-sign.yaml");
  assert.equal(t.filter(([x]) => x === "---")[1]?.[1], "punctuation.definition.frontmatter.end.prompt");
  assert.equal(scopeOf(t, "Hello "), "source.prompt");
  assert.equal(scopeOf(t, "name"), "variable.other.handlebars");
});

test("a --- later in the body is text, not frontmatter", () => {
  const t = tokenize("Intro\n---\ntext");
  assert.equal(scopeOf(t, "---"), "source.prompt");
});

test("Handlebars: comments, blocks, else, partials, helpers, markers, literals, hash arguments", () => {
  const t = tokenize('{{!-- note\nmore --}}\n{{#each items as |it|}}{{it.name}}{{else}}none{{/each}}\n{{> header}}\n{{role "system"}}{{json data indent=2}}{{@root.x}}{{shout name}}');
  for (const piece of ["{{!--", " note", "more ", "--}}"]) assert.equal(scopeOf(t, piece), "comment.block.handlebars", piece);
  assert.equal(scopeOf(t, "#"), "keyword.control.block.handlebars");
  assert.equal(scopeOf(t, "each"), "keyword.control.helper.handlebars");
  assert.equal(scopeOf(t, "it"), "variable.parameter.handlebars");
  assert.equal(scopeOf(t, "it.name"), "variable.other.handlebars");
  assert.equal(scopeOf(t, "else"), "keyword.control.else.handlebars");
  assert.equal(scopeOf(t, "header"), "entity.name.function.partial.handlebars");
  assert.equal(scopeOf(t, "role"), "keyword.other.marker.prompt");
  assert.equal(scopeOf(t, '"system"'), "string.quoted.double.handlebars");
  assert.equal(scopeOf(t, "json"), "support.function.builtin.prompt");
  assert.equal(scopeOf(t, "indent"), "entity.other.attribute-name.handlebars");
  assert.equal(scopeOf(t, "2"), "constant.numeric.handlebars");
  assert.equal(scopeOf(t, "@root.x"), "variable.language.handlebars");
  assert.equal(scopeOf(t, "shout"), "variable.other.handlebars", "an unknown helper is not highlighted as one");
});
