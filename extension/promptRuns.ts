/**
 * Run for `.prompt` files: asks for inputs (defaults, a dataset row, or typed values), starts
 * faro/prompt/run with a run id chosen here, and streams the answer with latency, tokens and
 * cost into a read-only document beside the prompt. (Compare is the Compare view's.)
 * Cancelling the progress notification cancels the runs.
 */
import { randomUUID } from "node:crypto";
import vscode = require("vscode");
import type { PromptRunEvent } from "../server/protocol";
import type { Ctx } from "./ctx";
import { messageOf } from "./format";
import { parseInputValue, RUN_SCHEME, runDocument, type RunEntry } from "./promptFormat";

/** The read-only documents runs are shown in, keyed by URI. */
class RunViews implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private count = 0;

  create(name: string): vscode.Uri {
    return vscode.Uri.from({ scheme: RUN_SCHEME, path: `/${name} run ${++this.count}.md` });
  }

  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "This run is no longer available.";
  }
}

export class PromptRuns {
  private readonly views = new RunViews();
  private readonly handlers = new Map<string, (e: PromptRunEvent) => void>();

  constructor(private readonly ctx: Ctx) {
    ctx.pushDisposable(vscode.workspace.registerTextDocumentContentProvider(RUN_SCHEME, this.views));
    ctx.listen("faro/prompt/runEvent", (e) => this.handlers.get(e.runId)?.(e));
  }

  async run(uri: vscode.Uri): Promise<void> {
    const variables = await this.askInputs(uri);
    if (variables) await this.start(uri, [null], variables);
  }

  /** The variables to run with; undefined when the user backs out. */
  private async askInputs(uri: vscode.Uri): Promise<Record<string, unknown> | undefined> {
    const { variables, rows, datasetFile } = await this.ctx.request("faro/prompt/inputs", { uri: uri.toString() });
    const missing = variables.filter((v) => !v.optional && v.default === undefined);
    type Choice = vscode.QuickPickItem & { values?: Record<string, unknown>; type?: boolean };
    const choices: Choice[] = [];
    if (missing.length === 0) choices.push({ label: "Default inputs", description: variables.length ? "input.default" : "the prompt has no variables", values: {} });
    rows.forEach((row, i) => choices.push({ label: `Dataset row ${i + 1}`, description: JSON.stringify(row).slice(0, 80), detail: i === 0 ? datasetFile ?? undefined : undefined, values: row }));
    if (variables.length > 0) choices.push({ label: "Enter values…", type: true });
    if (choices.length === 1 && choices[0]!.values) return choices[0]!.values;
    const choice = await vscode.window.showQuickPick(choices, { title: "Faro: Run with" });
    if (!choice) return undefined;
    if (choice.values) return choice.values;
    const values: Record<string, unknown> = {};
    for (const v of [...variables].sort((a, b) => Number(a.optional) - Number(b.optional))) {
      const typed = await vscode.window.showInputBox({
        title: `${v.name} (${v.type}${v.optional ? ", optional" : ""})`,
        prompt: v.description ?? undefined,
        value: v.default === undefined ? "" : typeof v.default === "string" ? v.default : JSON.stringify(v.default),
        ignoreFocusOut: true,
      });
      if (typed === undefined) return undefined;
      if (typed !== "" || !v.optional) values[v.name] = parseInputValue(typed, v.type);
    }
    return values;
  }

  private async start(uri: vscode.Uri, models: Array<string | null>, variables: Record<string, unknown>): Promise<void> {
    const name = uri.path.split("/").pop()!.replace(/\.prompt$/, "");
    const view = this.views.create(name);
    const entries: RunEntry[] = models.map((m) => ({ title: m ?? "the prompt's model", text: "", end: null }));
    const heading = models.length > 1 ? `${name}: compare` : name;
    const show = () => this.views.set(view, runDocument(heading, entries));
    show();
    await vscode.window.showTextDocument(view, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: false });
    const runIds = models.map(() => randomUUID());
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Faro: running ${name}`, cancellable: true }, async (_progress, token) => {
      const ended = runIds.map((runId, i) => new Promise<void>((resolve) => {
        this.handlers.set(runId, (e) => {
          const entry = entries[i]!;
          if (e.type === "text") entry.text += e.text;
          else {
            entry.end = e;
            if (e.type === "done" && e.model) entry.title = e.model;
            resolve();
          }
          show();
        });
      }));
      const cancel = token.onCancellationRequested(() => {
        for (const runId of runIds) this.ctx.request("faro/prompt/cancel", { runId }).catch((err: unknown) => this.ctx.log.warn(`Cancelling run ${runId} failed: ${messageOf(err)}`));
      });
      try {
        await Promise.all(runIds.map(async (runId, i) => {
          const model = models[i];
          try {
            const started = await this.ctx.request("faro/prompt/run", { uri: uri.toString(), runId, variables, ...(model ? { model } : {}) });
            this.ctx.log.info(`Run ${runId}: ${started.promptId} ${started.version === null ? "(unsaved)" : `v${started.version}`} on ${started.model}`);
          } catch (err) {
            // Refused before it started (missing variable, unknown model...): show why in its entry.
            const data = (err as { data?: { status?: number; code?: string } }).data;
            this.handlers.get(runId)?.({ runId, type: "error", message: messageOf(err), code: data?.code ?? null, status: data?.status ?? 500 });
          }
        }));
        await Promise.all(ended);
      } finally {
        cancel.dispose();
        for (const runId of runIds) this.handlers.delete(runId);
      }
    });
  }
}
