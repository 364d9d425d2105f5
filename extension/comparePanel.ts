/**
 * The Compare webview's host: one panel (strict CSP with a nonce, scripts and styles only from
 * dist/webview), a json-rpc-2.0 bridge over postMessage that forwards a fixed set of faro/...
 * methods to the backend (the webview never sees a key), the comparison events, a copy of each
 * running comparison for a panel that was hidden, Markdown/CSV export through a save dialog,
 * and a winner written into the prompt's frontmatter as an undoable edit.
 */
import vscode = require("vscode");
import type { CompareStarted, Comparison, ParamsOf } from "../server/protocol";
import { applyEvent, fromStarted, type ComparisonView } from "../webview/compare/model";
import { savedContext, type ForwardedMethod, type PanelContext, type PanelRequests } from "../webview/compare/panelProtocol";
import type { Ctx } from "./ctx";
import { modelEdit } from "./frontmatterModel";
import { COMPARE_VIEW_TYPE } from "./lazy";
import { hostPanel, panelOptions, type PanelHost } from "./webviewPanel";

const FORWARDED: readonly ForwardedMethod[] = ["faro/models/list", "faro/prompt/inputs", "faro/prompt/history", "faro/compare/start", "faro/compare/cancel", "faro/compare/list", "faro/compare/get"];
/** Running comparisons kept for a hidden panel; finished ones are read back from SQLite. */
const LIVE_LIMIT = 20;

export class ComparePanels {
  private panel: vscode.WebviewPanel | undefined;
  private host: PanelHost | undefined;
  private context: PanelContext = { uri: null, fileName: null, mode: "models" };
  private readonly live = new Map<string, ComparisonView>();

  constructor(private readonly ctx: Ctx) {
    ctx.listen("faro/compare/event", (e) => {
      const view = this.live.get(e.comparisonId);
      if (view) {
        applyEvent(view, e);
        if (e.type === "finished") this.live.delete(e.comparisonId);
      }
      this.host?.rpc.notify("faro/compare/event", e, undefined);
    });
  }

  /** Opens (or retargets) the Compare panel for a prompt, or for a typed message when `uri` is null. */
  show(uri: vscode.Uri | null, mode: PanelContext["mode"]): void {
    this.context = { uri: uri?.toString() ?? null, fileName: uri ? uri.path.split("/").pop() ?? null : null, mode };
    const title = `Faro: Compare${mode === "versions" ? " Versions" : ""}${this.context.fileName ? ` — ${this.context.fileName}` : ""}`;
    if (this.panel) {
      this.panel.title = title;
      this.panel.reveal(vscode.ViewColumn.Beside);
      this.host?.rpc.notify("panel/context", this.context, undefined);
      return;
    }
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, title, vscode.ViewColumn.Beside, panelOptions(this.ctx));
    this.attach(panel);
  }

  /**
   * A panel VS Code brought back after a window reload (the serializer in panelSerializers.ts):
   * the webview's saved state names the prompt and mode it was comparing, and the webview
   * restores its choices and results from that same state.
   */
  restore(panel: vscode.WebviewPanel, state: unknown): void {
    const context = savedContext(state);
    if (context) this.context = context;
    if (this.panel) {
      // Only one Compare panel is driven at a time: a second restored one is closed.
      panel.dispose();
      return;
    }
    panel.webview.options = panelOptions(this.ctx);
    this.attach(panel);
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    const host = hostPanel(this.ctx, panel, { title: "Faro: Compare", css: "index.css", js: "webview.js" }, "Compare view");
    this.bridge(host);
    this.host = host;
    panel.onDidDispose(() => {
      host.dispose("The Compare panel was closed.");
      if (this.panel === panel) {
        this.panel = undefined;
        this.host = undefined;
      }
    });
  }

  private bridge({ rpc, guard }: PanelHost): void {
    const handle = <M extends keyof PanelRequests>(method: M, f: (p: PanelRequests[M]["params"]) => Promise<PanelRequests[M]["result"]>) =>
      rpc.addMethod(method, (p: PanelRequests[M]["params"]) => guard(method, () => f(p)));
    for (const method of FORWARDED) {
      rpc.addMethod(method, (params: ParamsOf<ForwardedMethod>) => guard(method, async () => {
        if (!(await this.ctx.ensureStarted())) throw new Error("The Faro backend is not running.");
        const result = await this.ctx.request(method, params);
        if (method === "faro/compare/start") this.remember(result as CompareStarted);
        return result;
      }));
    }
    handle("panel/context", async () => this.context);
    handle("panel/live", async ({ comparisonId }) => this.live.get(comparisonId) ?? null);
    handle("panel/export", (p) => this.export(p));
    handle("panel/markWinner", (p) => this.markWinner(p.comparisonId, p.column));
  }

  private remember(started: CompareStarted): void {
    this.live.set(started.comparisonId, fromStarted(started, Date.now()));
    for (const id of [...this.live.keys()].slice(0, Math.max(0, this.live.size - LIVE_LIMIT))) this.live.delete(id);
  }

  private async export(p: PanelRequests["panel/export"]["params"]): Promise<{ path: string | null }> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: "Faro: Export comparison",
      defaultUri: folder ? vscode.Uri.joinPath(folder, p.name) : undefined,
      filters: p.format === "csv" ? { CSV: ["csv"] } : { Markdown: ["md"] },
    });
    if (!target) return { path: null };
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(p.content));
    this.ctx.log.info(`Exported a comparison to ${target.fsPath}`);
    return { path: target.fsPath };
  }

  /** Records the winner; for models compared on a prompt, makes it the prompt's `model:` (Ctrl+Z undoes it). */
  private async markWinner(comparisonId: string, column: number | null): Promise<{ comparison: Comparison; note: string | null }> {
    const comparison = await this.ctx.request("faro/compare/setWinner", { comparisonId, column });
    const col = column === null ? undefined : comparison.columns[column];
    const uri = comparison.spec.uri;
    if (!col || !uri || comparison.spec.versions?.length || !col.model) return { comparison, note: null };
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    const name = doc.uri.path.split("/").pop();
    const edit = modelEdit(doc.getText(), col.model);
    if (!edit) return { comparison, note: `${name} already uses ${col.model}.` };
    const we = new vscode.WorkspaceEdit();
    we.replace(doc.uri, new vscode.Range(doc.positionAt(edit.start), doc.positionAt(edit.end)), edit.text);
    if (!(await vscode.workspace.applyEdit(we))) throw new Error(`Could not edit ${name}.`);
    this.ctx.log.info(`Set model: ${col.model} in ${doc.uri.fsPath} (compare winner)`);
    return { comparison, note: `${name} now uses model: ${col.model} (unsaved; Undo reverts it).` };
  }
}
