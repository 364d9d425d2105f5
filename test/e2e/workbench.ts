/**
 * Driving VS Code's workbench (code-server in Chromium through playwright-core): the command
 * palette, quick picks, the status bar, notifications, a webview's inner frame, screenshots.
 * Every helper waits on a selector, never on a fixed delay.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type FrameLocator, type Page } from "playwright-core";
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
    await this.page.locator(".tabs-container .tab.active", { hasText: name }).waitFor();
  }

  statusBar(): Promise<string> {
    return this.page.locator(".statusbar").innerText();
  }

  async waitForStatusBar(pattern: RegExp): Promise<string> {
    const item = this.page.locator(".statusbar .statusbar-item", { hasText: pattern }).first();
    await item.waitFor();
    return item.innerText();
  }

  /** Waits for a notification toast matching `pattern`; returns its text. */
  async waitForToast(pattern: RegExp): Promise<string> {
    const toast = this.page.locator(".notifications-toasts .notification-toast", { hasText: pattern }).first();
    await toast.waitFor();
    return toast.innerText();
  }

  /** The content frame of the (only) webview: code-server nests it in two iframes. */
  webview(): FrameLocator {
    return this.page.frameLocator("iframe.webview.ready").frameLocator("#active-frame");
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
