/**
 * Commands behind the "Get started with Faro" walkthrough (contributes.walkthroughs): opening an
 * example `.prompt` to run. The other steps link to the real commands, whose runs complete them.
 */
import vscode = require("vscode");
import type { CommandFactory } from "./commands";

/** Copies the shipped prompts/hello.prompt into the workspace (or Faro's storage) and opens it. */
const openExamplePrompt: CommandFactory = {
  needsBackend: false,
  create: (ctx) => async () => {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.joinPath(ctx.extension.globalStorageUri, "examples");
    const target = vscode.Uri.joinPath(folder, "prompts", "hello.prompt");
    const exists = await vscode.workspace.fs.stat(target).then(() => true, () => false);
    if (!exists) {
      await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(folder, "prompts"));
      await vscode.workspace.fs.copy(vscode.Uri.joinPath(ctx.extension.extensionUri, "prompts", "hello.prompt"), target);
      ctx.log.info(`Wrote the example prompt to ${target.fsPath}`);
    }
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(target));
  },
};

export const walkthroughCommands: Record<string, CommandFactory> = {
  "faro.openExamplePrompt": openExamplePrompt,
};
