/**
 * The Faro status bar item: backend state, the current default model and (in the tooltip) the
 * endpoint URL. Clicking it runs "Faro: Select Model".
 */
import vscode = require("vscode");
import { statusText, type StatusView } from "./format";

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("faro.status", vscode.StatusBarAlignment.Right, 100);
  private view: StatusView = { state: "idle", model: null, endpoint: null };

  constructor() {
    this.item.name = "Faro";
    this.item.command = "faro.selectModel";
    this.render();
    this.item.show();
  }

  get current(): Readonly<StatusView> {
    return this.view;
  }

  /** Merges a partial update; leaving the error state clears the error text. */
  update(change: Partial<StatusView>): void {
    this.view = { ...this.view, ...change };
    if (this.view.state !== "error") delete this.view.error;
    this.render();
  }

  dispose(): void {
    this.item.dispose();
  }

  private render(): void {
    const { text, tooltip } = statusText(this.view);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor =
      this.view.state === "error" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  }
}
