/**
 * End to end in real VS Code (code-server 4.139.1 in Debian's Chromium): the built VSIX in a
 * fresh profile, a workspace with the project's prompts/ and two tiny models. Each step looks
 * at the screen, asserts on what it sees and leaves a screenshot in test/e2e/screenshots/.
 * The backend runs on this test's Node (faro.server.runtime), because the VSIX's better-sqlite3
 * is built for the Node that ran `npm ci`, not for code-server's Node 24.
 * Run with `npm run e2e` (it packages the VSIX first).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import OpenAI from "openai";
import { writeTinyModel } from "../fixtures/models";
import { tempDir } from "../fixtures/serve";
import { checkPrerequisites, freePort, startCodeServer, type CodeServer } from "./codeServer";
import { Workbench } from "./workbench";

const BROKEN = "---\nmodel: default\ninput:\n  schema:\n    name: string\n---\n{{#if name}}Hello {{name}}\n";

let server: CodeServer | undefined;
let wb: Workbench;
let endpointPort: number;

before(async () => {
  checkPrerequisites();
  const { version } = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
  const vsix = resolve(`faro-${version}.vsix`);
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run e2e\` (it runs \`npm run package\` first)`);
  const ws = await tempDir("faro-e2e-ws-");
  await cp("prompts", join(ws, "prompts"), { recursive: true });
  await writeFile(join(ws, "prompts", "broken.prompt"), BROKEN);
  const models = await tempDir("faro-e2e-models-");
  await writeTinyModel(models, { name: "tiny-a" });
  await writeTinyModel(models, { name: "tiny-b", seed: 2 });
  endpointPort = await freePort();
  server = await startCodeServer({
    vsix,
    profile: await tempDir("faro-e2e-profile-"),
    folder: ws,
    settings: {
      "faro.server.runtime": process.execPath,
      "faro.modelsDirs": [models],
      "faro.engine.threads": 1,
      "faro.endpoint.port": endpointPort,
      "workbench.startupEditor": "none",
      "chat.disableAIFeatures": true,
      // One run line is one view line (Markdown wraps by default).
      "[markdown]": { "editor.wordWrap": "off" },
      "workbench.secondarySideBar.defaultVisibility": "hidden",
      "extensions.autoCheckUpdates": false,
      "extensions.autoUpdate": false,
    },
  });
  wb = await Workbench.open(server.url, ws);
});

/** A test step that, when it fails, leaves a picture of what was on the screen. */
function step(name: string, shot: string, fn: () => Promise<void>): void {
  test(name, async () => {
    try {
      await fn();
    } catch (err) {
      await wb?.screenshot(`failed-${shot}`).catch((e: unknown) => console.error(`no screenshot: ${String(e)}`));
      throw err;
    }
  });
}

after(async () => {
  if (server && process.exitCode) console.error(server.log().slice(-4000));
  await wb?.close();
  await server?.stop();
});

step("a .prompt opens with the language server's diagnostic on a broken one", "1-diagnostic.png", async () => {
  await wb.openFile("broken.prompt");
  // The backend starts when a .prompt opens; the unclosed block gets a red squiggle...
  await wb.page.locator(".monaco-editor .squiggly-error").first().waitFor();
  // ...and its message in the Problems panel.
  await wb.page.keyboard.press("Control+Shift+M");
  const problem = wb.page.locator(".markers-panel .monaco-list-row", { hasText: "is never closed" }).first();
  await problem.waitFor();
  assert.match(await problem.innerText(), /The block '\{\{#if\}\}' is never closed/);
  await wb.screenshot("1-diagnostic.png");
  await wb.page.keyboard.press("Control+Shift+M");
});

step("Select Model from the palette changes the status bar", "2-select-model.png", async () => {
  const before = await wb.waitForStatusBar(/tiny-a/);
  assert.doesNotMatch(before, /tiny-b/);
  await wb.command("Faro: Select Model");
  await wb.pickRow("tiny-b");
  const after = await wb.waitForStatusBar(/tiny-b/);
  assert.match(after, /tiny-b/);
  await wb.screenshot("2-select-model.png");
});

step("Run Prompt streams the answer with latency, tokens and cost beside the prompt", "3-run-prompt.png", async () => {
  await wb.openFile("hello.prompt");
  await wb.command("Faro: Run Prompt");
  await wb.pickRow("Default inputs");
  // The run document: the model that answered, latency, first token, tokens and cost.
  // Monaco renders spaces as no-break spaces: \s matches both.
  const status = wb.page.locator(".monaco-editor .view-line", { hasText: /first\stoken/ }).first();
  await status.waitFor();
  const line = (await status.innerText()).replace(/\s+/g, " ");
  assert.match(line, /^tiny-b · \d+\.\d\d s · first token \d+ ms · \d+ → \d+ tokens · \$0 \(local\)/);
  const heading = wb.page.locator(".monaco-editor .view-line", { hasText: /^##\stiny-b/ }).first();
  await heading.waitFor();
  await wb.screenshot("3-run-prompt.png");
});

step("Compare shows two models side by side with latency and cost", "4-compare.png", async () => {
  await wb.openFile("hello.prompt");
  await wb.command("Faro: Compare Models");
  const view = wb.webview();
  await view.locator("h1", { hasText: "Compare models — hello.prompt" }).waitFor();
  // Both models are offered and (the last two) preselected.
  for (const model of ["tiny-a", "tiny-b"]) assert.equal(await view.locator(`vscode-checkbox[data-value="${model}"]`).evaluate((el) => (el as HTMLInputElement).checked), true, model);
  await view.locator("#repeats").locator("input").fill("2");
  await view.locator("vscode-button#run").click();
  const columns = view.locator("article.column");
  await view.locator(".status-done").waitFor();
  assert.equal(await columns.count(), 2);
  for (const [i, model] of ["tiny-a", "tiny-b"].entries()) {
    const col = columns.nth(i);
    assert.equal(await col.locator("h3").innerText(), model);
    assert.equal(await col.locator(".run-done").count(), 2, `${model}: both runs finished`);
    assert.match(await col.locator(".metric-latency td").innerText(), /^\d+(\.\d+)? m?s( \(.+\))?$/);
    assert.match(await col.locator(".metric-ttft td").innerText(), /\d+ ms/);
    assert.match(await col.locator(".metric-tokens-out td").innerText(), /^\d+/);
    assert.equal(await col.locator(".metric-cost td").innerText(), "$0");
    assert.ok((await col.locator("pre.answer").first().innerText()).length > 0);
  }
  // The view runs under its strict CSP (nonce scripts, styles from dist/webview). The one report
  // seen is an empty inline style attribute (the hash below is SHA-256 of ""), blocked with
  // nothing lost; anything else is a failure.
  const EMPTY_STYLE = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  assert.deepEqual(wb.cspViolations.filter((m) => !m.includes(EMPTY_STYLE)), []);
  await wb.screenshot("4-compare.png");
  // Past comparisons come from SQLite.
  await view.locator(".history button.past", { hasText: "hello: tiny-a vs tiny-b" }).first().waitFor();
});

step("Compare keeps its state when hidden; a winner becomes the prompt's model, undoably", "4b-winner.png", async () => {
  const view = wb.webview();
  // Hide the panel behind another editor of its group, then show it again: a new webview
  // document restores the columns from its saved state.
  await wb.page.locator(".tabs-container .tab", { hasText: "hello run 1.md" }).click();
  await view.locator("article.column").first().waitFor({ state: "detached" });
  await wb.page.locator(".tabs-container .tab", { hasText: "Faro: Compare" }).click();
  await view.locator("article.column").nth(1).locator(".metric-cost td", { hasText: "$0" }).waitFor();
  assert.equal(await view.locator("article.column").count(), 2);

  await view.locator('article.column[data-label="tiny-a"] vscode-button.mark-winner').click();
  await view.locator('article.column.winner[data-label="tiny-a"] .winner-badge').waitFor();
  await view.locator(".winner-note", { hasText: "hello.prompt now uses model: tiny-a" }).waitFor();
  const modelLine = (model: string) => wb.page.locator(".monaco-editor .view-line", { hasText: new RegExp(`^model:\\s${model}$`) }).first();
  await modelLine("tiny-a").waitFor();
  await wb.screenshot("4b-winner.png");
  // The edit is an ordinary one: Undo in the prompt's editor puts the old model back.
  await wb.page.locator(".monaco-editor .view-line", { hasText: /^Say\shello/ }).first().click();
  await wb.page.keyboard.press("Control+Z");
  await modelLine("default").waitFor();
});

step("Start Local Endpoint, then the openai SDK calls it", "5-endpoint.png", async () => {
  await wb.command("Faro: Start Local Endpoint");
  const toast = await wb.waitForToast(/endpoint running at/);
  const url = /http:\/\/127\.0\.0\.1:\d+\/v1/.exec(toast)?.[0];
  assert.equal(url, `http://127.0.0.1:${endpointPort}/v1`);
  const client = new OpenAI({ baseURL: url, apiKey: "unused", maxRetries: 0 });
  const models = await client.models.list();
  assert.deepEqual(models.data.map((m) => m.id).sort(), ["tiny-a", "tiny-b"]);
  const reply = await client.chat.completions.create({ model: "tiny-a", messages: [{ role: "user", content: "Hello" }], max_tokens: 5, temperature: 0 });
  assert.equal(reply.object, "chat.completion");
  assert.equal(reply.model, "tiny-a");
  assert.equal(reply.usage?.completion_tokens, 5);
  assert.equal(typeof reply.choices[0]?.message.content, "string");
  await wb.screenshot("5-endpoint.png");
});
