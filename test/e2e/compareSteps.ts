/**
 * The Compare view's steps: two models side by side with latency and cost, its state kept while
 * hidden, a winner written into the prompt (undoably), and all of it from the keyboard alone.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Step, Workbench } from "./workbench";

export function compareSteps(step: Step, wb: () => Workbench, workspace: () => string): void {
  step("Compare shows two models side by side with latency and cost", "4-compare.png", async () => {
    await wb().openFile("hello.prompt");
    await wb().command("Faro: Compare Models");
    const view = wb().webview();
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
    assert.deepEqual(wb().cspViolations.filter((m) => !m.includes(EMPTY_STYLE)), []);
    await wb().screenshot("4-compare.png");
    // Past comparisons come from SQLite.
    await view.locator(".history button.past", { hasText: "hello: tiny-a vs tiny-b" }).first().waitFor();
  });

  step("Compare keeps its state when hidden; a winner becomes the prompt's model, undoably", "4b-winner.png", async () => {
    const view = wb().webview();
    // Hide the panel behind another editor of its group, then show it again: a new webview
    // document restores the columns from its saved state.
    await wb().page.locator(".tabs-container .tab", { hasText: "hello run 1.md" }).click();
    await view.locator("article.column").first().waitFor({ state: "detached" });
    await wb().page.locator(".tabs-container .tab", { hasText: "Faro: Compare" }).click();
    await view.locator("article.column").nth(1).locator(".metric-cost td", { hasText: "$0" }).waitFor();
    assert.equal(await view.locator("article.column").count(), 2);

    await view.locator('article.column[data-label="tiny-a"] vscode-button.mark-winner').click();
    await view.locator('article.column.winner[data-label="tiny-a"] .winner-badge').waitFor();
    await view.locator(".winner-note", { hasText: "hello.prompt now uses model: tiny-a" }).waitFor();
    const modelLine = (model: string) => wb().page.locator(".monaco-editor .view-line", { hasText: new RegExp(`^model:\\s${model}$`) }).first();
    await modelLine("tiny-a").waitFor();
    await wb().screenshot("4b-winner.png");
    // The edit is an ordinary one: Undo in the prompt's editor puts the old model back.
    await wb().page.locator(".monaco-editor .view-line", { hasText: /^Say\shello/ }).first().click();
    await wb().page.keyboard.press("Control+Z");
    await modelLine("default").waitFor();
  });

  step("Compare works from the keyboard: choose, Run, Mark winner, Export", "4c-keyboard.png", async () => {
    await wb().openFile("hello.prompt");
    // The palette by keys only: it reveals the Compare panel and gives it the focus.
    await wb().page.keyboard.press("Control+Shift+P");
    await wb().page.keyboard.type(">Faro: Compare Models");
    await wb().page.locator(".quick-input-widget .monaco-list-row.focused", { hasText: "Faro: Compare Models" }).waitFor();
    await wb().page.keyboard.press("Enter");
    const view = await wb().webviewTitled("Faro: Compare");
    await view.locator("article.column").nth(1).waitFor();
    const pastBefore = await view.locator(".history button.past").count();
    // Tab reaches a model's checkbox; Space turns it off and on again.
    const checked = () => view.locator('vscode-checkbox[data-value="tiny-a"]').evaluate((el) => (el as HTMLInputElement).checked);
    await wb().tabTo(view, "choice-tiny-a");
    await wb().page.keyboard.press("Space");
    assert.equal(await checked(), false);
    await wb().page.keyboard.press("Space");
    assert.equal(await checked(), true);
    // Tab reaches Run; Enter runs (two runs per column, kept from the earlier step).
    await wb().tabTo(view, "run");
    await wb().page.keyboard.press("Enter");
    await view.locator(".history button.past").nth(pastBefore).waitFor();
    await view.locator(".status-done").waitFor();
    assert.equal(await view.locator("article.column .run-done").count(), 4);
    // Tab reaches tiny-b's Mark winner; Space marks it, and the focus stays on it through the re-render.
    await wb().tabTo(view, "winner-1");
    await wb().page.keyboard.press("Space");
    await view.locator('article.column.winner[data-label="tiny-b"] .winner-badge').waitFor();
    await view.locator(".winner-note", { hasText: "hello.prompt now uses model: tiny-b" }).waitFor();
    assert.equal(await wb().focusIn(view), "winner-1");
    // Shift+Tab back to Export Markdown; Enter opens VS Code's save dialog, Enter saves.
    await wb().tabTo(view, "export-md", { back: true });
    await wb().page.keyboard.press("Enter");
    const input = wb().page.locator(".quick-input-widget .quick-input-box input");
    await input.waitFor();
    // VS Code's simple file dialog fills in the folder first, then the suggested name.
    await wb().page.waitForFunction(() => /\/faro-e2e-ws-[^/]+\/[^/]+\.md$/.test(document.querySelector<HTMLInputElement>(".quick-input-widget .quick-input-box input")?.value ?? ""));
    await wb().page.keyboard.press("Enter");
    const note = await view.locator(".winner-note", { hasText: /^Saved / }).innerText();
    const saved = join(workspace(), note.replace(/^Saved .*\//, ""));
    const md = await readFile(saved, "utf8");
    assert.match(md, /tiny-a/);
    assert.match(md, /tiny-b/);
    await wb().screenshot("4c-keyboard.png");
    // The winner edit is an ordinary one: Ctrl+Z in the prompt's editor takes it back.
    await wb().openFile("hello.prompt");
    // Focus the text first (as the earlier undo does): once, under load, the key went nowhere.
    await wb().page.locator(".monaco-editor .view-line", { hasText: /^Say\shello/ }).first().click();
    await wb().page.keyboard.press("Control+Z");
    await wb().page.locator(".monaco-editor .view-line", { hasText: /^model:\sdefault$/ }).first().waitFor();
  });
}
