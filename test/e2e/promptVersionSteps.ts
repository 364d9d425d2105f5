/**
 * Prompt versions in the editor: two saves record two versions (Show Prompt History, Compare
 * Prompt Versions), the Compare view follows the color theme, and History opens versions in
 * VS Code's diff editor and restores an older one as one undoable edit.
 */
import assert from "node:assert/strict";
import type { Frame, Locator } from "playwright-core";
import type { Step, Workbench } from "./workbench";

export function promptVersionSteps(step: Step, wb: () => Workbench): void {
  step("Two saves record two versions: Show Prompt History lists them, Compare Prompt Versions runs them side by side", "11-versions.png", async () => {
    await wb().openFile("versions.prompt");
    const body = wb().page.locator(".monaco-editor .view-line", { hasText: /^Say\shi\./ }).first();
    /**
     * Show Prompt History's rows (each row's label; its detail line is a label too), newest first,
     * once the newest is `expected[0]`: the version is recorded when the save reaches the backend,
     * so until then the command says there is none yet, or lists one fewer.
     */
    const history = async (expected: string[]) => {
      const rows = wb().page.locator(".quick-input-widget .quick-input-list .monaco-list-row");
      for (let attempt = 1; ; attempt++) {
        await wb().command("Faro: Show Prompt History");
        const newest = rows.locator(".label-name", { hasText: new RegExp(`^${expected[0]}$`) }).first();
        if (await newest.waitFor({ timeout: 3000 }).then(() => true, () => attempt === 10)) break;
        await wb().page.keyboard.press("Escape"); // the older list (or nothing) is shown: ask again
      }
      assert.deepEqual((await rows.locator(".label-name").allInnerTexts()).map((t) => t.trim()).filter((t) => /^v\d+$/.test(t)), expected);
    };
    for (const [i, words] of [" Please.", " Thanks."].entries()) {
      await body.click();
      await wb().page.keyboard.press("End");
      await wb().page.keyboard.type(words);
      await wb().page.keyboard.press("Control+S");
      // The next edit waits for this save's version, as a person would.
      await history(i === 0 ? ["v1"] : ["v2", "v1"]);
      if (i === 1) await wb().screenshot("11-history.png");
      await wb().page.keyboard.press("Escape");
    }
    await body.click();
    await wb().command("Faro: Compare Prompt Versions");
    const view = await wb().webviewTitled("Faro: Compare");
    await view.locator("h1", { hasText: "Compare prompt versions — versions.prompt" }).waitFor();
    for (const v of ["1", "2"]) {
      await view.locator(`vscode-checkbox[data-value="${v}"]`).waitFor();
      assert.equal(await view.locator(`vscode-checkbox[data-value="${v}"]`).evaluate((el) => (el as HTMLInputElement).checked), true, `v${v}`);
    }
    await view.locator("#repeats").locator("input").fill("1");
    await view.locator("vscode-button#run").click();
    // The versions are offered newest first, and the columns follow.
    await view.locator(".results-head h2", { hasText: /: v2 vs v1$/ }).waitFor();
    await view.locator(".results-head .status-done").waitFor();
    const columns = view.locator("article.column");
    assert.deepEqual(await columns.locator("h3").allInnerTexts(), ["v2", "v1"]);
    for (let i = 0; i < 2; i++) {
      assert.equal(await columns.nth(i).locator(".run-done").count(), 1);
      assert.equal(await columns.nth(i).locator(".metric-cost td").innerText(), "$0");
    }
    // Each column ran its own text: v2 ("Say hi. Please. Thanks.") is the longer prompt.
    const tokensIn = async (i: number) => Number(await columns.nth(i).locator(".metric-tokens-in td").innerText());
    assert.ok((await tokensIn(0)) > (await tokensIn(1)), `tokens in: v2 ${await tokensIn(0)}, v1 ${await tokensIn(1)}`);
    await wb().screenshot("11-versions.png");
  });

  step("The Compare view follows VS Code's color theme", "12-light-theme.png", async () => {
    /** The webview body's background and text colors, which come from the theme's variables. */
    const colorsOf = (view: Frame) => view.locator("body").evaluate((b) => `${getComputedStyle(b).backgroundColor} / ${getComputedStyle(b).color}`);
    const dark = await colorsOf(await wb().webviewTitled("Faro: Compare"));
    // The key focus back in a text editor (after Run it is in the webview's frame).
    await wb().page.locator(".monaco-editor .view-line", { hasText: /^Say\shi\./ }).first().click();
    await wb().command("Preferences: Color Theme");
    await wb().pickRow(/^Light Modern$/);
    await wb().page.locator(".monaco-workbench.vs").waitFor();
    // VS Code hands the webview the new theme: its class and variables, so its colors change.
    const view = await wb().webviewTitled("Faro: Compare");
    await view.locator("body.vscode-light").waitFor();
    const light = await colorsOf(view);
    assert.notEqual(light, dark);
    await wb().screenshot("12-light-theme.png");
  });

  step("History: two versions open in VS Code's diff editor from the version provider; Restore writes an older version as one undoable edit, unsaved text included", "13-diff-restore.png", async () => {
    const body = () => wb().page.locator(".monaco-editor .view-line", { hasText: /^Say\shi\./ }).first();
    const text = (l: Locator) => l.allInnerTexts().then((ts) => ts.map((s) => s.replace(/\u00a0/g, " ").trim()));
    await body().click();
    // v2 → Compare with v1: both sides come from Faro's faro-prompt: content provider (v1's text is nowhere on disk now).
    await wb().command("Faro: Show Prompt History");
    await wb().pickRow(/^v2$/);
    await wb().pickRow("Compare with v1");
    await wb().page.locator(".tabs-container .tab.active", { hasText: "prompts/versions: v1 ↔ v2" }).waitFor();
    const diff = wb().page.locator(".monaco-diff-editor").first();
    await diff.locator(".editor.modified .view-line", { hasText: "Thanks." }).first().waitFor();
    assert.deepEqual((await text(diff.locator(".editor.original .view-line"))).filter((l) => l.startsWith("Say")), ["Say hi. Please."]);
    assert.deepEqual((await text(diff.locator(".editor.modified .view-line"))).filter((l) => l.startsWith("Say")), ["Say hi. Please. Thanks."]);
    assert.ok((await text(diff.locator(".editor.original .view-line"))).includes("model: tiny-a"), "the whole version, frontmatter too");
    await wb().screenshot("13-diff.png");
    await wb().page.keyboard.press("Control+W");

    // Unsaved text in the editor, then Restore v1: the dialog says the unsaved text goes too.
    await wb().openFile("versions.prompt");
    await body().click();
    await wb().page.keyboard.press("End");
    await wb().page.keyboard.type(" Unsaved.");
    await wb().page.locator('.tabs-container .tab.active.dirty[data-resource-name="versions.prompt"]').first().waitFor();
    await wb().command("Faro: Show Prompt History");
    await wb().pickRow(/^v1$/);
    await wb().pickRow("Restore this version");
    const dialog = wb().page.locator(".monaco-dialog-box").first();
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /Replace the editor's text with v1 of prompts\/versions and save it\? The editor's unsaved changes are replaced too \(Undo brings them back\)\./);
    await dialog.locator(".dialog-buttons a.monaco-button, .dialog-buttons .monaco-button", { hasText: "Restore" }).first().click();
    // v1's text, saved (the tab is no longer dirty).
    await wb().page.locator(".monaco-editor .view-line", { hasText: /^Say\shi\.\sPlease\.$/ }).first().waitFor();
    await wb().page.locator('.tabs-container .tab.active[data-resource-name="versions.prompt"]:not(.dirty)').first().waitFor();
    await wb().screenshot("13-restore.png");
    // One Undo takes the whole restore back, unsaved text and all.
    await body().click();
    await wb().page.keyboard.press("Control+Z");
    await wb().page.locator(".monaco-editor .view-line", { hasText: /^Say\shi\.\sPlease\.\sThanks\.\sUnsaved\.$/ }).first().waitFor();
    await wb().page.locator('.tabs-container .tab.active.dirty[data-resource-name="versions.prompt"]').first().waitFor();
    await wb().screenshot("13-diff-restore.png");
  });
}
