/**
 * Entry point: builds the Ctx and commands on activation and starts the backend lazily, when a
 * `.prompt` file is open or a Faro command runs. Compare and Logs panels open before a window
 * reload are restored (panelSerializers.ts).
 */
import vscode = require("vscode");
import { registerCommands } from "./commands";
import { Ctx } from "./ctx";
import { messageOf, PROMPT_LANGUAGE_ID } from "./format";
import { registerPanelSerializers } from "./panelSerializers";
import { restartSettings } from "./settings";

let ctx: Ctx | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const began = performance.now();
  // Where activate()'s time goes, for the log line below (what `npm run e2e` prints).
  const phases: string[] = [];
  let last = began;
  const phase = (name: string) => {
    const now = performance.now();
    phases.push(`${name} ${(now - last).toFixed(1)}`);
    last = now;
  };
  try {
    ctx = new Ctx(context);
    phase("output channel and status bar");
    registerCommands(ctx);
    phase("commands");
    registerPanelSerializers(ctx);
    watchPromptFiles(ctx);
    watchSettings(ctx);
    phase("serializers and watchers");
    // VS Code's own figure (Developer: Show Running Extensions) adds the time to load this bundle.
    ctx.log.info(`Activated in ${(performance.now() - began).toFixed(1)} ms (activate() only: ${phases.join(", ")} ms)`);
  } catch (err) {
    // VS Code does not tell the user when an extension fails to activate.
    ctx?.log.error(`Faro failed to activate: ${messageOf(err)}`);
    void vscode.window.showErrorMessage(`Faro failed to activate: ${messageOf(err)}`);
    throw err;
  }
}

export async function deactivate(): Promise<void> {
  await ctx?.dispose();
  ctx = undefined;
}

/** The language features need the backend as soon as a .prompt file is open. */
function watchPromptFiles(ctx: Ctx): void {
  const startFor = (doc: vscode.TextDocument) => {
    if (doc.languageId === PROMPT_LANGUAGE_ID && ctx.status.current.state === "idle") void ctx.start();
  };
  // The .prompt that activated Faro starts the backend on the event loop's next turn: started
  // here, loading the language client (~70 ms) would run in a microtask right after activate(),
  // inside VS Code's "Finish Activate" and ahead of the extensions activating alongside Faro.
  const open = setImmediate(() => vscode.workspace.textDocuments.forEach(startFor));
  ctx.pushDisposable({ dispose: () => clearImmediate(open) });
  ctx.pushDisposable(vscode.workspace.onDidOpenTextDocument(startFor));
  // The client sends didSave only while it runs: a save before that is kept and recorded once it does.
  ctx.pushDisposable(
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (doc.languageId === PROMPT_LANGUAGE_ID && doc.uri.scheme === "file" && !ctx.clientRunning) ctx.pendingSaves.add(doc.uri.toString(), doc.getText());
    }),
  );
}

/** The backend reads its settings once at start, so a change asks for a restart. */
function watchSettings(ctx: Ctx): void {
  ctx.pushDisposable(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (!restartSettings.some((key) => event.affectsConfiguration(key))) return;
      if (ctx.status.current.state === "idle") return; // the next start reads them anyway
      try {
        const choice = await vscode.window.showInformationMessage(
          "Faro settings changed.",
          "Restart backend to apply",
        );
        if (choice) await ctx.restart();
      } catch (err) {
        ctx.log.error(`Applying Faro settings failed: ${messageOf(err)}`);
      }
    }),
  );
}
