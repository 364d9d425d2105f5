/**
 * History of a `.prompt` file: its recorded versions (served read-only under faro-prompt:),
 * diffs in VS Code's diff editor (against the editor or the previous version), labels, and
 * restoring a version: one undoable edit of the editor's text, then saved, so it becomes the
 * newest version (test/e2e drives the diff and the restore in real VS Code).
 */
import vscode = require("vscode");
import type { PromptHistoryResult } from "../server/protocol";
import type { Ctx } from "./ctx";
import { parseVersionUri, VERSION_SCHEME, versionRow, versionUriParts } from "./promptFormat";

export class PromptHistory implements vscode.TextDocumentContentProvider {
  constructor(private readonly ctx: Ctx) {
    ctx.pushDisposable(vscode.workspace.registerTextDocumentContentProvider(VERSION_SCHEME, this));
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { promptId, version } = parseVersionUri(uri.path, uri.query);
    return (await this.ctx.request("faro/prompt/version", { promptId, version })).source;
  }

  async show(file: vscode.Uri): Promise<void> {
    const history = await this.ctx.request("faro/prompt/history", { uri: file.toString() });
    if (history.versions.length === 0) {
      void vscode.window.showInformationMessage("No versions of this prompt are recorded yet: saving it records one.");
      return;
    }
    const now = Date.now();
    const picked = await vscode.window.showQuickPick(
      history.versions.map((v) => ({ ...versionRow(v, now), version: v.version })),
      { title: `Faro: History of ${history.promptId}`, matchOnDescription: true },
    );
    if (picked) await this.act(file, history, picked.version);
  }

  private async act(file: vscode.Uri, history: PromptHistoryResult, version: number): Promise<void> {
    const uri = (v: number) => vscode.Uri.from({ scheme: VERSION_SCHEME, ...versionUriParts(history.promptId, v) });
    const previous = history.versions.find((v) => v.version < version)?.version;
    const labels = history.versions.find((v) => v.version === version)?.labels ?? [];
    const actions = [
      { label: "Compare with the editor", run: () => diff(uri(version), file, `${history.promptId}: v${version} ↔ editor`) },
      ...(previous ? [{ label: `Compare with v${previous}`, run: () => diff(uri(previous), uri(version), `${history.promptId}: v${previous} ↔ v${version}`) }] : []),
      ...(history.versions.length > 2 ? [{ label: "Compare with another version…", run: () => this.diffWithOther(history, version, uri) }] : []),
      { label: "Open", run: async () => void (await vscode.window.showTextDocument(uri(version), { preview: true })) },
      { label: "Set a label…", run: () => this.setLabel(history.promptId, version) },
      ...labels.map((l) => ({ label: `Remove label '${l}'`, run: async () => void (await this.ctx.request("faro/prompt/label", { promptId: history.promptId, label: l, version: null })) })),
      { label: "Restore this version", run: () => this.restore(file, history.promptId, version) },
    ];
    const action = await vscode.window.showQuickPick(actions, { title: `Faro: v${version} of ${history.promptId}` });
    await action?.run();
  }

  private async diffWithOther(history: PromptHistoryResult, version: number, uri: (v: number) => vscode.Uri): Promise<void> {
    const now = Date.now();
    const other = await vscode.window.showQuickPick(
      history.versions.filter((v) => v.version !== version).map((v) => ({ ...versionRow(v, now), version: v.version })),
      { title: `Compare v${version} with` },
    );
    if (!other) return;
    const [a, b] = [Math.min(version, other.version), Math.max(version, other.version)];
    await diff(uri(a), uri(b), `${history.promptId}: v${a} ↔ v${b}`);
  }

  private async setLabel(promptId: string, version: number): Promise<void> {
    const choice = await vscode.window.showQuickPick(["production", "staging", "Other…"], { title: `Label v${version} as` });
    if (!choice) return;
    const label = choice === "Other…" ? await vscode.window.showInputBox({ title: "Label name", validateInput: (t) => (/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(t) ? null : "Letters, digits, '_', '-' and '.'") }) : choice;
    if (!label) return;
    await this.ctx.request("faro/prompt/label", { promptId, label, version });
    void vscode.window.showInformationMessage(`'${label}' now points at v${version} of ${promptId}.`);
  }

  private async restore(file: vscode.Uri, promptId: string, version: number): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(file);
    // The edit replaces unsaved text too; it is one undoable edit, so Undo brings that text back.
    const unsaved = doc.isDirty ? " The editor's unsaved changes are replaced too (Undo brings them back)." : "";
    const ok = await vscode.window.showWarningMessage(`Replace the editor's text with v${version} of ${promptId} and save it?${unsaved}`, { modal: true }, "Restore");
    if (ok !== "Restore") return;
    const { source } = await this.ctx.request("faro/prompt/version", { promptId, version });
    const edit = new vscode.WorkspaceEdit();
    edit.replace(file, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), source);
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`could not edit ${file.fsPath}`);
    await doc.save();
  }
}

async function diff(left: vscode.Uri, right: vscode.Uri, title: string): Promise<void> {
  await vscode.commands.executeCommand("vscode.diff", left, right, title);
}
