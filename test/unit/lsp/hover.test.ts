/**
 * Hover where it used to give nothing or the wrong thing: an inline partial's name (where it is
 * defined and where it is used), `{{> @partial-block}}`, a missing partial called with a
 * fallback, a YAML alias (what it stands for, then that value's own hover) as a value or inside
 * a list, a tool listed in `tools:` (its definition), an enum variable (its values) and a
 * variable's default under input.default (the variable), a field of output.schema (its type
 * and description, as input.schema's).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { MarkupContent } from "vscode-languageserver/node";
import { analyzePrompt } from "../../../server/prompts/check";
import { hover } from "../../../server/lsp/hover";
import type { ModelInfo } from "../../../server/protocol";

const models = [{ id: "tiny", faro: { provider: "local", context_length: 64, size_bytes: 1 << 20, loaded: false, path: "/m/tiny.gguf" } }] as unknown as ModelInfo[];
const TINY = "**tiny** — local model\n\nContext window: 64 tokens · Size: 1.0 MiB · Loaded: no (loads on first run)\n\nPrice: free, runs on this machine\n\n`/m/tiny.gguf`";

/** The hover at `§` and the text its range covers. */
function hoverAt(marked: string): { text: string; over: string } | null {
  const offset = marked.indexOf("§");
  const text = marked.replace("§", "");
  const a = analyzePrompt(text, { models, defaultModel: "tiny", partial: (n) => (n === "frame" ? "[{{> @partial-block}}]" : null) });
  const h = hover(a, offset, { models, defaultModel: "tiny" });
  if (!h) return null;
  const r = h.range!;
  const start = a.doc.lines.offsetAt(r.start);
  return { text: (h.contents as MarkupContent).value, over: text.slice(start, a.doc.lines.offsetAt(r.end)) };
}

test("an inline partial's name, where it is defined and where it is used, shows its body", () => {
  const body = '{{#*inline "greet"}}Hello {{name}}{{/inline}}\n{{> greet}} {{> greet}}\n';
  assert.deepEqual(hoverAt(body.replace('"greet"', '"gr§eet"')), { text: "Inline partial **greet** (defined here, used 2 times)\n\n```handlebars\nHello {{name}}\n```", over: '"greet"' });
  assert.deepEqual(hoverAt(body.replace("{{> greet}}", "{{> gre§et}}")), { text: "Inline partial **greet** (defined on line 1)\n\n```handlebars\nHello {{name}}\n```", over: "greet" });
});

test("@partial-block says what it inserts; a missing partial called with a fallback says the fallback renders", () => {
  assert.match(hoverAt("[{{> @partial-bl§ock}}]\n")!.text, /^\*\*@partial-block\*\*: the content this partial is called with as a block, `\{\{#> name\}\}…\{\{\/name\}\}`, goes here\./);
  assert.equal(hoverAt("{{#> miss§ing}}fallback{{/missing}}\n")!.text, "Partial **missing**: not found (no _missing.prompt next to this file or in its parent folders), so the block's own content renders instead.");
  assert.match(hoverAt("{{#> fra§me}}in{{/frame}}\n")!.text, /^Partial \*\*frame\*\* \(_frame\.prompt\)\n\n```handlebars\n\[\{\{> @partial-block\}\}\]\n```$/);
});

test("a YAML alias shows what it stands for and that value's hover: a model, a fallback, in flow and block lists", () => {
  assert.deepEqual(hoverAt("---\nx.m: &m tiny\nmodel: *§m\n---\nHi\n"), { text: `\`*m\` stands for \`tiny\`\n\n${TINY}`, over: "*m" });
  assert.deepEqual(hoverAt("---\nx.m: &m tiny\nmodel: tiny\nfaro.fallbacks: [default, *§m]\n---\nHi\n"), { text: `\`*m\` stands for \`tiny\`\n\n${TINY}`, over: "*m" });
  assert.deepEqual(hoverAt("---\nx.m: &m tiny\nmodel: tiny\nfaro.fallbacks:\n  - *m§\n---\nHi\n"), { text: `\`*m\` stands for \`tiny\`\n\n${TINY}`, over: "*m" });
  assert.deepEqual(hoverAt("---\nx.c: &c\n  temperature: 0.2\nconfig: *§c\n---\nHi\n"), { text: "`*c` stands for:\n\n```yaml\ntemperature: 0.2\n```", over: "*c" });
});

test("a tool in tools: shows its definition, through an alias too", () => {
  const defs = "faro.tools:\n  get_weather:\n    description: The weather now in a city\n    parameters:\n      city: string\n---\nHi\n";
  const tool = "Tool **get_weather** (faro.tools)\n\nThe weather now in a city\n\nParameters:\n\n```yaml\ncity: string\n```";
  assert.deepEqual(hoverAt(`---\ntools: [get_§weather]\n${defs}`), { text: tool, over: "get_weather" });
  assert.deepEqual(hoverAt(`---\nx.t: &t get_weather\ntools: [*§t]\n${defs}`), { text: `\`*t\` stands for \`get_weather\`\n\n${tool}`, over: "*t" });
  assert.equal(hoverAt("---\ntools: [look§up]\n---\nHi\n")!.text, "Tool **lookup**: no definition in faro.tools, so Faro cannot send it to the model.");
});

test("an enum variable's hover lists its values; a key under input.default gets its variable's hover", () => {
  const head = "---\ninput:\n  schema:\n    text: string, the text\n    to(enum, the language): [Spanish, English]\n  default:\n";
  const to = "**to**: `enum`, one of `Spanish`, `English`\n\nthe language";
  assert.deepEqual(hoverAt(`${head}    to: Spanish\n---\n{{text}} {{t§o}}\n`), { text: to, over: "to" });
  assert.deepEqual(hoverAt(`${head}    t§o: Spanish\n---\n{{text}} {{to}}\n`), { text: to, over: "to" });
  assert.deepEqual(hoverAt(`${head}    te§xt: Hi\n---\n{{text}} {{to}}\n`), { text: "**text**: `string`\n\nthe text", over: "text" });
  assert.deepEqual(hoverAt(`${head}    oth§er: 1\n---\n{{text}} {{to}}\n`), { text: "**other**: not declared in input.schema", over: "other" });
  assert.equal(hoverAt("---\ninput:\n  schema:\n    n(enum): [1, 2]\n---\n{{§n}}\n")!.text, "**n**: `enum`, one of `1`, `2`");
});

test("a field of output.schema shows its type and description, as a field of input.schema does", () => {
  const text = "---\noutput:\n  format: json\n  schema:\n    name: string, the person's full name\n    email?: string\n---\nHi\n";
  assert.deepEqual(hoverAt(text.replace("name:", "na§me:")), { text: "**name**: `string`\n\nthe person's full name", over: "name" });
  assert.deepEqual(hoverAt(text.replace("email?:", "em§ail?:")), { text: "**email**: `string` (optional)", over: "email?" });
  const json = "---\noutput:\n  schema:\n    type: object\n    properties:\n      ci§ty: {type: string, description: where}\n---\nHi\n";
  assert.deepEqual(hoverAt(json), { text: "**city**: `string` (optional)\n\nwhere", over: "city" });
});
