/**
 * package.json's contributions agree with the code: the `.prompt` language id is the one the
 * extension and the backend use, and no longer VS Code's own `prompt` (Copilot's `.prompt.md`);
 * every command the palette, menus and walkthrough name is contributed and activates Faro.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { PROMPT_LANGUAGE_ID } from "../../../extension/format";
import { PROMPT_LANGUAGE_ID as SERVER_LANGUAGE_ID } from "../../../server/lsp/features";

interface Manifest {
  activationEvents: string[];
  contributes: {
    languages: Array<{ id: string; aliases: string[]; extensions: string[] }>;
    grammars: Array<{ language: string; path: string }>;
    commands: Array<{ command: string; title: string; category?: string }>;
    menus: Record<string, Array<{ command: string; when?: string }>>;
    walkthroughs: Array<{ steps: Array<{ description: string; media: { markdown?: string }; completionEvents: string[] }> }>;
  };
}

const manifest = JSON.parse(readFileSync("package.json", "utf8")) as Manifest;
const c = manifest.contributes;

/** VS Code's rule for `extensions`: the file name ends with it, case-insensitively. */
const matches = (fileName: string, ext: string) => fileName.toLowerCase().endsWith(ext.toLowerCase());

test("the .prompt language id is the extension's and the backend's, and not VS Code's own 'prompt'", () => {
  assert.equal(PROMPT_LANGUAGE_ID, "dotprompt");
  assert.equal(SERVER_LANGUAGE_ID, PROMPT_LANGUAGE_ID);
  assert.deepEqual(c.languages.map((l) => l.id), [PROMPT_LANGUAGE_ID]);
  assert.equal(c.languages[0]!.aliases[0], "Dotprompt");
  // An alias is a name VS Code looks languages up by (Markdown code fences): 'prompt' is VS Code's.
  assert.ok(!c.languages[0]!.aliases.some((a) => a.toLowerCase() === "prompt"), "no 'prompt' alias");
  assert.deepEqual(c.grammars.map((g) => g.language), [PROMPT_LANGUAGE_ID]);
  assert.ok(manifest.activationEvents.includes(`onLanguage:${PROMPT_LANGUAGE_ID}`));
  assert.deepEqual(manifest.activationEvents.filter((e) => e.startsWith("onLanguage:")), [`onLanguage:${PROMPT_LANGUAGE_ID}`]);
});

test("every menu 'when' clause names the .prompt language by its id", () => {
  const whens = Object.values(c.menus).flat().map((m) => m.when ?? "");
  const langIds = whens.flatMap((w) => [...w.matchAll(/(?:resource|editor)LangId\s*==\s*(\S+)/g)].map((m) => m[1]));
  assert.ok(langIds.length >= 6, `found ${langIds.length}`);
  for (const id of langIds) assert.equal(id, PROMPT_LANGUAGE_ID);
});

test(".prompt files are Faro's; Copilot's .prompt.md files are not", () => {
  const exts = c.languages[0]!.extensions;
  assert.deepEqual(exts, [".prompt"]);
  assert.ok(matches("greet.prompt", ".prompt"));
  assert.ok(matches("GREET.PROMPT", ".prompt"));
  for (const name of ["review.prompt.md", "prompt", "a.prompts"]) assert.ok(!exts.some((e) => matches(name, e)), name);
});

test("commands: all in the Faro category, each activates Faro, and menus and the walkthrough name only contributed ones", () => {
  const ids = new Set(c.commands.map((x) => x.command));
  for (const cmd of c.commands) assert.equal(cmd.category, "Faro", cmd.command);
  for (const cmd of ids) assert.ok(manifest.activationEvents.includes(`onCommand:${cmd}`), `onCommand:${cmd}`);
  for (const m of Object.values(c.menus).flat()) assert.ok(ids.has(m.command), m.command);
  const steps = c.walkthroughs.flatMap((w) => w.steps);
  assert.equal(steps.length, 5);
  for (const step of steps) {
    const linked = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]!);
    assert.ok(linked.length > 0, step.description);
    for (const cmd of linked) assert.ok(ids.has(cmd), cmd);
    for (const event of step.completionEvents) {
      if (event.startsWith("onCommand:")) assert.ok(ids.has(event.slice("onCommand:".length)), event);
    }
    if (step.media.markdown) assert.ok(existsSync(step.media.markdown), step.media.markdown);
  }
});

test("the palette has every command issue 7 names, under 'Faro:'", () => {
  const titles = new Set(c.commands.map((x) => `${x.category}: ${x.title}`));
  const named = [
    "Select Model", "Start Local Endpoint", "Stop Local Endpoint", "Copy Endpoint URL", "Show Endpoint Snippets",
    "Run Prompt", "Compare Models", "Compare Prompt Versions", "Show Prompt History",
    "Add Provider / Set API Key", "Remove Provider API Key", "Download Model",
    "Show Queue", "Unload Model", "Open Logs Dashboard", "Show Output",
  ];
  for (const title of named) assert.ok(titles.has(`Faro: ${title}`), `Faro: ${title}`);
});

