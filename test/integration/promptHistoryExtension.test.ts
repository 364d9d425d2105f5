/**
 * The extension side of prompt history (extension/promptHistory.ts) against the real language
 * server over stdio (versions recorded in its SQLite store on save), with a minimal fake of the
 * `vscode` API subset the module uses in place of VS Code: choosing two versions runs
 * `vscode.diff` on two `faro-prompt:` URIs whose content provider serves exactly those
 * versions; Restore asks first (and says when unsaved text will be replaced), then replaces the
 * whole text with the version in one WorkspaceEdit and saves, which records a new version.
 * That VS Code's diff editor shows them and that the edit is undoable is driven in real VS Code
 * by the e2e (test/e2e, "History: two versions ...").
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Module from "node:module";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { PromptHistoryResult } from "../../server/protocol";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { writeTinyModel } from "../fixtures/models";
import { tempDir } from "../fixtures/serve";

const V1 = "---\nmodel: tiny\n---\nSay hi.\n";
const V2 = "---\nmodel: tiny\n---\nSay hi. Please.\n";

// ---- the fake `vscode`: only what promptHistory.ts touches ----

class FakeUri {
  constructor(readonly scheme: string, readonly path: string, readonly query: string) {}
  static from(c: { scheme: string; path?: string; query?: string }): FakeUri {
    return new FakeUri(c.scheme, c.path ?? "", c.query ?? "");
  }
  static file(path: string): FakeUri {
    return new FakeUri("file", path, "");
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return this.scheme === "file" ? pathToFileURL(this.path).href : `${this.scheme}:${this.path}${this.query ? `?${this.query}` : ""}`;
  }
}
class FakeRange {
  constructor(readonly start: { offset: number }, readonly end: { offset: number }) {}
}
class FakeWorkspaceEdit {
  readonly replaces: Array<{ uri: FakeUri; range: FakeRange; text: string }> = [];
  replace(uri: FakeUri, range: FakeRange, text: string): void {
    this.replaces.push({ uri, range, text });
  }
}

interface Item {
  label: string;
}
/** What the fake UI is asked and answers: each quick pick is answered by the next chooser. */
const ui = {
  choosers: [] as Array<(items: Item[]) => Item | undefined>,
  picks: [] as string[][],
  warnings: [] as string[],
  warningAnswer: undefined as string | undefined,
  infos: [] as string[],
  commands: [] as unknown[][],
  edits: [] as FakeWorkspaceEdit[],
  saves: 0,
};
/** The editor's document: its text, whether it has unsaved changes, and what saving does. */
const editor = { text: "", dirty: false, onSave: async (_text: string) => {} };
let provider: { provideTextDocumentContent(uri: FakeUri): Promise<string> } | null = null;

const fakeVscode = {
  Uri: FakeUri,
  Range: FakeRange,
  WorkspaceEdit: FakeWorkspaceEdit,
  workspace: {
    registerTextDocumentContentProvider(scheme: string, p: typeof provider) {
      assert.equal(scheme, "faro-prompt");
      provider = p;
      return { dispose() {} };
    },
    async openTextDocument(_uri: FakeUri) {
      return {
        get isDirty() {
          return editor.dirty;
        },
        getText: () => editor.text,
        positionAt: (offset: number) => ({ offset }),
        save: async () => {
          ui.saves++;
          editor.dirty = false;
          await editor.onSave(editor.text);
          return true;
        },
      };
    },
    async applyEdit(edit: FakeWorkspaceEdit) {
      ui.edits.push(edit);
      for (const r of edit.replaces) editor.text = editor.text.slice(0, r.range.start.offset) + r.text + editor.text.slice(r.range.end.offset);
      editor.dirty = true;
      return true;
    },
  },
  window: {
    async showQuickPick(items: Array<string | Item>) {
      const rows = items.map((i) => (typeof i === "string" ? { label: i } : i));
      ui.picks.push(rows.map((r) => r.label));
      const choose = ui.choosers.shift();
      assert.ok(choose, `an unexpected quick pick: ${rows.map((r) => r.label).join(", ")}`);
      const chosen = choose(rows);
      return chosen && items[rows.indexOf(chosen)];
    },
    async showWarningMessage(message: string) {
      ui.warnings.push(message);
      return ui.warningAnswer;
    },
    async showInformationMessage(message: string) {
      ui.infos.push(message);
      return undefined;
    },
    async showTextDocument() {
      throw new Error("not expected in these tests");
    },
    async showInputBox() {
      throw new Error("not expected in these tests");
    },
  },
  commands: {
    async executeCommand(...args: unknown[]) {
      ui.commands.push(args);
    },
  },
};

const pick = (label: string | RegExp) => (items: Item[]) => {
  const hit = items.find((i) => (typeof label === "string" ? i.label === label : label.test(i.label)));
  assert.ok(hit, `'${String(label)}' among ${items.map((i) => i.label).join(", ")}`);
  return hit;
};

// ---- the real language server as the backend ----

let lsp: LspClient;
let file: FakeUri;
let uri: string;
let history: { show(file: FakeUri): Promise<void> };
let restoreLoad: () => void;

async function saveToServer(text: string): Promise<void> {
  await lsp.change(uri, text);
  await lsp.conn.sendNotification("textDocument/didSave", { textDocument: { uri } });
}

async function versions(): Promise<PromptHistoryResult> {
  return lsp.conn.sendRequest("faro/prompt/history", { uri });
}

/** Waits until the server has recorded `n` versions (didSave is a notification: no reply to wait on). */
async function untilVersions(n: number): Promise<PromptHistoryResult> {
  for (let i = 0; i < 200; i++) {
    const h = await versions();
    if (h.versions.length >= n) return h;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the server never recorded ${n} versions`);
}

before(async () => {
  const models = await tempDir("faro-models-");
  await writeTinyModel(models, { name: "tiny" });
  const ws = await tempDir("faro-ws-");
  await mkdir(join(ws, "prompts"));
  const path = join(ws, "prompts", "p.prompt");
  await writeFile(path, V1);
  lsp = await startLsp({ home: await tempDir(), modelsDirs: [models], endpoint: { port: 0 } }, ws);
  uri = await lsp.open(path, V1);
  await lsp.conn.sendNotification("textDocument/didSave", { textDocument: { uri } });
  await untilVersions(1);
  await saveToServer(V2);
  await untilVersions(2);
  file = FakeUri.file(path);
  editor.text = V2;
  editor.onSave = saveToServer;

  const loader = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const load = loader._load;
  loader._load = function (request, parent, isMain) {
    return request === "vscode" ? fakeVscode : load.call(this, request, parent, isMain);
  };
  restoreLoad = () => (loader._load = load);
  const { PromptHistory } = await import("../../extension/promptHistory");
  const ctx = {
    pushDisposable() {},
    request: (method: string, params: unknown) => lsp.conn.sendRequest(method, params),
  };
  history = new PromptHistory(ctx as never) as unknown as typeof history;
});

after(async () => {
  restoreLoad?.();
  assert.equal(await lsp.stop(), 0, lsp.stderr());
});

test("choosing two versions opens VS Code's diff on two faro-prompt: URIs whose provider serves exactly those versions", async () => {
  ui.commands.length = 0;
  ui.choosers.push(pick("v2"), pick("Compare with v1"));
  await history.show(file);
  assert.deepEqual(ui.picks.at(-2), ["v2", "v1"], "History lists the versions newest first");
  assert.ok(ui.picks.at(-1)!.includes("Restore this version"), ui.picks.at(-1)!.join(", "));
  assert.equal(ui.commands.length, 1);
  const [command, left, right, title] = ui.commands[0] as [string, FakeUri, FakeUri, string];
  assert.equal(command, "vscode.diff");
  assert.equal(title, "prompts/p: v1 ↔ v2");
  assert.equal(left.toString(), "faro-prompt:/prompts/p.prompt?version=1");
  assert.equal(right.toString(), "faro-prompt:/prompts/p.prompt?version=2");
  assert.equal(await provider!.provideTextDocumentContent(left), V1);
  assert.equal(await provider!.provideTextDocumentContent(right), V2);

  // Against the editor: the version on the left, the file itself on the right.
  ui.commands.length = 0;
  ui.choosers.push(pick("v1"), pick("Compare with the editor"));
  await history.show(file);
  const [, l2, r2, t2] = ui.commands[0] as [string, FakeUri, FakeUri, string];
  assert.equal(l2.toString(), "faro-prompt:/prompts/p.prompt?version=1");
  assert.equal(r2, file);
  assert.equal(t2, "prompts/p: v1 ↔ editor");
  // v1 has no previous version to compare with.
  assert.ok(!ui.picks.at(-1)!.some((l) => /^Compare with v\d/.test(l)), ui.picks.at(-1)!.join(", "));
});

test("Restore asks first; declined, nothing changes; accepted, one edit replaces the whole (unsaved) text with the version and saves, recording a new version", async () => {
  editor.text = `${V2}unsaved words\n`;
  editor.dirty = true;
  ui.edits.length = 0;
  ui.warningAnswer = undefined;
  ui.choosers.push(pick("v1"), pick("Restore this version"));
  await history.show(file);
  assert.equal(ui.warnings.at(-1), "Replace the editor's text with v1 of prompts/p and save it? The editor's unsaved changes are replaced too (Undo brings them back).");
  assert.equal(ui.edits.length, 0, "declined: no edit");
  assert.equal(editor.text, `${V2}unsaved words\n`);

  const savesBefore = ui.saves;
  ui.warningAnswer = "Restore";
  ui.choosers.push(pick("v1"), pick("Restore this version"));
  await history.show(file);
  assert.equal(ui.edits.length, 1, "one WorkspaceEdit");
  assert.deepEqual(
    ui.edits[0]!.replaces.map((r) => [r.uri, r.range.start.offset, r.range.end.offset, r.text]),
    [[file, 0, `${V2}unsaved words\n`.length, V1]],
    "the whole text, unsaved part included, replaced by v1",
  );
  assert.equal(editor.text, V1);
  assert.equal(ui.saves, savesBefore + 1);
  assert.equal(editor.dirty, false);
  const h = await untilVersions(3);
  assert.equal(h.versions[0]!.version, 3);
  assert.equal((await lsp.conn.sendRequest("faro/prompt/version", { promptId: "prompts/p", version: 3 }) as { source: string }).source, V1);

  // A clean editor: the question does not mention unsaved changes.
  ui.choosers.push(pick("v2"), pick("Restore this version"));
  ui.warningAnswer = undefined;
  await history.show(file);
  assert.equal(ui.warnings.at(-1), "Replace the editor's text with v2 of prompts/p and save it?");
});
