/**
 * The Logs dashboard's host: one panel (strict CSP with a nonce; script and stylesheet only from
 * dist/webview), a json-rpc-2.0 bridge over postMessage that forwards faro/logs/query, get and
 * stats to the backend, a poller that pushes stats + the newest rows every few seconds while the
 * panel is visible (none while hidden), and CSV/JSONL export through a save dialog.
 */
import vscode = require("vscode");
import type { ParamsOf } from "../server/protocol";
import { toFilter } from "../webview/logs/filters";
import { LIVE_NOTIFICATION, type ForwardedMethod, type PanelRequests, type WatchParams } from "../webview/logs/panelProtocol";
import { pollOnce, type LogsApi } from "../webview/logs/poll";
import type { Ctx } from "./ctx";
import { LOGS_VIEW_TYPE } from "./lazy";
import { hostPanel, panelOptions, type PanelHost } from "./webviewPanel";

const FORWARDED: readonly ForwardedMethod[] = ["faro/logs/query", "faro/logs/get", "faro/logs/stats"];
export const POLL_MS = 4000;

export class LogsPanel {
  private panel: vscode.WebviewPanel | undefined;
  private host: PanelHost | undefined;
  private watching: WatchParams | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly ctx: Ctx) {}

  show(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(LOGS_VIEW_TYPE, "Faro: Logs", vscode.ViewColumn.Active, panelOptions(this.ctx));
    this.attach(panel);
  }

  /**
   * A panel VS Code brought back after a window reload (the serializer in panelSerializers.ts):
   * the webview reads its filters and selected request from its saved state and watches again.
   */
  restore(panel: vscode.WebviewPanel): void {
    if (this.panel) {
      panel.dispose(); // one Logs panel at a time
      return;
    }
    panel.webview.options = panelOptions(this.ctx);
    this.attach(panel);
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    const host = hostPanel(this.ctx, panel, { title: "Faro: Logs", css: "logs.css", js: "logs.js" }, "Logs view");
    this.bridge(host);
    this.host = host;
    // A hidden panel's webview is torn down; it calls panel/watch again with its saved filters when shown.
    const viewState = panel.onDidChangeViewState(() => {
      if (!panel.visible) this.stopPolling();
    });
    panel.onDidDispose(() => {
      viewState.dispose();
      this.stopPolling();
      host.dispose("The Logs panel was closed.");
      if (this.panel === panel) {
        this.panel = undefined;
        this.host = undefined;
        this.watching = undefined;
      }
    });
  }

  private readonly api: LogsApi = {
    query: (p) => this.ctx.request("faro/logs/query", p),
    stats: (p) => this.ctx.request("faro/logs/stats", p),
  };

  private bridge({ rpc, guard }: PanelHost): void {
    for (const method of FORWARDED) {
      rpc.addMethod(method, (params: ParamsOf<ForwardedMethod>) => guard(method, async () => {
        await this.backend();
        return this.ctx.request(method, params);
      }));
    }
    rpc.addMethod("panel/watch", (p: PanelRequests["panel/watch"]["params"]) => guard("panel/watch", async () => {
      await this.backend();
      this.watching = p;
      const first = await pollOnce(this.api, p, Date.now());
      this.schedule();
      return first;
    }));
    rpc.addMethod("panel/export", (p: PanelRequests["panel/export"]["params"]) => guard("panel/export", () => this.export(p)));
  }

  private async backend(): Promise<void> {
    if (!(await this.ctx.ensureStarted())) throw new Error("The Faro backend is not running.");
  }

  // ---- Live updates: one poll at a time, only while visible ----

  private schedule(): void {
    if (this.timer || !this.panel?.visible) return;
    this.timer = setInterval(() => void this.tick(), POLL_MS);
  }

  private stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    const w = this.watching;
    if (!this.panel?.visible || !w) return this.stopPolling();
    if (this.polling) return;
    this.polling = true;
    try {
      // A backend that went down shows as the update's error ("Not updating") until it is back.
      const update = await pollOnce(this.api, w, Date.now());
      if (update.error) this.ctx.log.warn(`Logs view: live update failed: ${update.error}`);
      this.host?.rpc.notify(LIVE_NOTIFICATION, update, undefined);
    } finally {
      this.polling = false;
    }
  }

  // ---- Export ----

  private async export(p: PanelRequests["panel/export"]["params"]): Promise<{ path: string | null; rows: number }> {
    const filter = toFilter(p.filter, Date.now());
    if (!filter.ok) throw new Error(filter.error);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `faro-logs-${new Date().toISOString().slice(0, 10)}.${p.format}`;
    const target = await vscode.window.showSaveDialog({
      title: "Faro: Export request log",
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: p.format === "csv" ? { CSV: ["csv"] } : { "JSON Lines": ["jsonl"] },
    });
    if (!target) return { path: null, rows: 0 };
    await this.backend();
    let result;
    if (target.scheme === "file") {
      // The backend streams the rows to the file itself: no size limit, nothing held in memory here.
      result = await this.ctx.request("faro/logs/export", { ...filter.value, format: p.format, includeBodies: p.includeBodies, path: target.fsPath });
    } else {
      // A remote or virtual workspace: the backend cannot write there, so the text comes back (capped) and VS Code writes it.
      result = await this.ctx.request("faro/logs/export", { ...filter.value, format: p.format, includeBodies: p.includeBodies });
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(result.data ?? ""));
    }
    this.ctx.log.info(`Exported ${result.rows} request log rows to ${target.fsPath}`);
    void vscode.window.showInformationMessage(`Exported ${result.rows} requests to ${target.fsPath}.`);
    return { path: target.fsPath, rows: result.rows };
  }
}
