/**
 * Driving VS Code's workbench (code-server in Chromium through playwright-core): the command
 * palette, quick picks, the status bar, notifications, a webview's inner frame, screenshots.
 * Every helper waits on a selector, never on a fixed delay.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Frame, type FrameLocator, type Page } from "playwright-core";

/** A webview's content, as a frame or a frame locator: both have locator(). */
export type View = Frame | FrameLocator;

/** Registers one step of the end-to-end run (vscode.test.ts: a screenshot when it fails). */
export type Step = (name: string, shot: string, fn: () => Promise<void>) => void;
import { CHROMIUM } from "./codeServer";

export const SCREENSHOTS = resolve("test/e2e/screenshots");
const TIMEOUT = 60_000;

export class Workbench {
  /** Console messages of the page and its frames (webviews included) that report a CSP violation. */
  readonly cspViolations: string[] = [];

  private constructor(readonly browser: Browser, readonly page: Page) {
    page.on("console", (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) this.cspViolations.push(m.text());
    });
  }

  static async open(url: string, folder: string): Promise<Workbench> {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    });
    const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    page.setDefaultTimeout(TIMEOUT);
    await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
    await page.locator(".monaco-workbench").waitFor();
    // The explorer shows the folder once the workbench has restored it.
    await page.locator(".explorer-folders-view .monaco-list-row").first().waitFor();
    return new Workbench(browser, page);
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const path = join(SCREENSHOTS, name);
    await this.page.screenshot({ path });
    return path;
  }

  /** Opens the quick pick with `key`, types `text` and picks the row whose label contains `row`. */
  async quickPick(key: string, text: string, row: string | RegExp = text): Promise<void> {
    await this.page.keyboard.press(key);
    const input = this.page.locator(".quick-input-widget .quick-input-box input");
    await input.waitFor();
    await input.fill(key === "Control+Shift+P" ? `>${text}` : text);
    await this.pickRow(row);
  }

  /** Picks a row of the open quick pick by its label. */
  async pickRow(row: string | RegExp): Promise<void> {
    const match = this.page.locator(".quick-input-widget .quick-input-list .monaco-list-row", { has: this.page.locator(".label-name", { hasText: row }) }).first();
    await match.waitFor();
    await match.click();
  }

  command(title: string): Promise<void> {
    return this.quickPick("Control+Shift+P", title, title);
  }

  async openFile(name: string): Promise<void> {
    await this.quickPick("Control+P", name, name);
    // The file may be open in more than one editor group: any group showing it will do.
    await this.page.locator(`.tabs-container .tab.active[data-resource-name="${name}"]`).first().waitFor();
  }

  statusBar(): Promise<string> {
    return this.page.locator(".statusbar").innerText();
  }

  async waitForStatusBar(pattern: RegExp): Promise<string> {
    const item = this.page.locator(".statusbar .statusbar-item", { hasText: pattern }).first();
    await item.waitFor();
    return item.innerText();
  }

  /** The active editor's language as the status bar's language picker names it ("Dotprompt", "Prompt"). */
  async languageMode(): Promise<string> {
    return (await this.page.locator('.statusbar [id="status.editor.mode"]').innerText()).trim();
  }

  /** Waits for a notification toast matching `pattern`; returns its text. */
  async waitForToast(pattern: RegExp): Promise<string> {
    const toast = this.page.locator(".notifications-toasts .notification-toast", { hasText: pattern }).first();
    await toast.waitFor();
    return toast.innerText();
  }

  /**
   * The webview panels in the editor layout VS Code has saved (viewType without its
   * "mainThreadWebview-" prefix, and the state the webview last gave setState), which is what a
   * reload brings back.
   */
  async savedWebviews(): Promise<{ viewType: string; state: unknown }[]> {
    const found: { viewType: string; state: unknown }[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        const n = node as { id?: unknown; value?: unknown };
        if (n.id === "workbench.editors.webviewInput" && typeof n.value === "string") {
          const input = JSON.parse(n.value) as { viewType: string; state?: string };
          found.push({ viewType: input.viewType.replace(/^mainThreadWebview-/, ""), state: input.state ? JSON.parse(input.state) : undefined });
        } else Object.values(node).forEach(walk);
      }
    };
    for (const value of (await this.savedState()).split("\n")) {
      if (value.includes("editorpart.state")) {
        const table = JSON.parse(value) as Record<string, unknown>;
        const part = table["editorpart.state"];
        walk(typeof part === "string" ? JSON.parse(part) : part);
      }
    }
    return found;
  }

  /**
   * Makes VS Code write its state now, the way it does when the user switches to another window
   * (the workbench flushes its storage when the window loses focus), and waits until the saved
   * state satisfies `ready`. A reload only waits for nothing: in the browser, VS Code cannot
   * finish writing IndexedDB while the page unloads, so what comes back is the last state written.
   */
  async persistState(ready: (webviews: { viewType: string; state: unknown }[]) => boolean): Promise<void> {
    const end = Date.now() + TIMEOUT;
    for (;;) {
      await this.page.evaluate(async () => {
        const doc = document;
        const hasFocus = doc.hasFocus.bind(doc);
        doc.hasFocus = () => false;
        doc.dispatchEvent(new Event("visibilitychange"));
        await new Promise((r) => setTimeout(r, 50));
        doc.hasFocus = hasFocus;
        doc.dispatchEvent(new Event("visibilitychange"));
      });
      if (ready(await this.savedWebviews())) return;
      if (Date.now() > end) throw new Error(`VS Code's saved state never had what the reload needs: ${JSON.stringify(await this.savedWebviews())}`);
      await this.page.waitForTimeout(250); // the write to IndexedDB is asynchronous: nothing to wait on
    }
  }

  /**
   * The workbench state VS Code for the web has written to IndexedDB (every value of its
   * vscode-web-state-db-* stores, one per line), which is what a reload restores from.
   */
  savedState(): Promise<string> {
    return this.page.evaluate(async () => {
      const values: string[] = [];
      for (const { name } of await indexedDB.databases()) {
        if (!name?.startsWith("vscode-web-state-db")) continue;
        const db = await new Promise<IDBDatabase>((ok, fail) => {
          const r = indexedDB.open(name);
          r.onsuccess = () => ok(r.result);
          r.onerror = () => fail(r.error);
        });
        for (const store of Array.from(db.objectStoreNames)) {
          const all = await new Promise<unknown[]>((ok, fail) => {
            const r = db.transaction(store).objectStore(store).getAll();
            r.onsuccess = () => ok(r.result);
            r.onerror = () => fail(r.error);
          });
          for (const v of all) values.push(typeof v === "string" ? v : JSON.stringify(v));
        }
        db.close();
      }
      return values.join("\n");
    });
  }

  /**
   * The lines of the text editors on screen that match `pattern` (not global). Monaco renders only
   * the lines in view, so the page is made `height` pixels tall while they are read, which shows
   * every line of a long document. Unless `optional`, waits until a line matches.
   */
  async editorLines(pattern: RegExp, opts: { optional?: boolean; height?: number } = {}): Promise<string[]> {
    const size = this.page.viewportSize()!;
    await this.page.setViewportSize({ width: size.width, height: opts.height ?? 20_000 });
    try {
      const lines = this.page.locator(".monaco-editor .view-lines .view-line");
      if (!opts.optional) await lines.filter({ hasText: pattern }).first().waitFor();
      const texts = (await lines.allInnerTexts()).map((t) => t.replace(/\u00a0/g, " ").trim());
      return texts.filter((line) => pattern.test(line));
    } finally {
      await this.page.setViewportSize(size);
      // The workbench lays itself out again on the window's resize event: wait until it has, and rendered.
      await this.page.waitForFunction((h) => window.innerHeight === h, size.height);
      await this.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    }
  }

  /** The content frame of the (only) webview: code-server nests it in two iframes. */
  webview(): FrameLocator {
    return this.page.frameLocator("iframe.webview.ready").frameLocator("#active-frame");
  }

  /**
   * The content frame of the shown webview whose document title is `title` ("Faro: Compare",
   * "Faro: Logs") among those on screen, for when more than one webview is in the page. Re-resolve it after the panel
   * was hidden: a hidden webview's frames are torn down (the Frame is then detached).
   */
  async webviewTitled(title: string): Promise<Frame> {
    const outer = this.page.locator("iframe.webview.ready");
    const end = Date.now() + TIMEOUT;
    while (Date.now() < end) {
      const n = await outer.count();
      for (let i = 0; i < n; i++) {
        // A hidden panel's webview may linger in the page, out of sight: only a shown one counts.
        if (!(await outer.nth(i).isVisible())) continue;
        const frame = await (await outer.nth(i).elementHandle().catch(() => null))?.contentFrame();
        const inner = await (await frame?.locator("#active-frame").elementHandle().catch(() => null))?.contentFrame();
        if (inner && !inner.isDetached() && (await inner.title().catch(() => "")) === title) return inner;
      }
      await this.page.waitForTimeout(200); // polling for a frame that is being created: no selector to wait on
    }
    throw new Error(`no webview titled ${title} within ${TIMEOUT / 1000} s`);
  }

  /** Presses Tab (at most `max` times) until the element with this id has the focus in `view`; the count. */
  async tabTo(view: View, id: string, opts: { max?: number; back?: boolean } = {}): Promise<number> {
    const seen: string[] = [];
    for (let i = 1; i <= (opts.max ?? 40); i++) {
      await this.page.keyboard.press(opts.back ? "Shift+Tab" : "Tab");
      const now = await view.locator("body").evaluate(() => document.activeElement?.id || document.activeElement?.tagName || "");
      seen.push(now);
      if (now === id) return i;
    }
    throw new Error(`Tab never reached #${id}; the focus went through: ${seen.join(", ")}`);
  }

  /** The id (or tag) of what has the focus inside `view`. */
  focusIn(view: View): Promise<string> {
    return view.locator("body").evaluate(() => document.activeElement?.id || document.activeElement?.tagName || "");
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
