/**
 * The LanguageClient's ErrorHandler: a backend that exits is restarted while the restart budget
 * lasts; after that it stays down and Ctx tells the user.
 */
import type * as vscode from "vscode";
import { CloseAction, ErrorAction, type ErrorHandler } from "vscode-languageclient/node";
import type { RestartBudget } from "./restartPolicy";

export interface CrashHandlerOptions {
  budget: RestartBudget;
  log: vscode.LogOutputChannel;
  /** False when the backend never got running: a failed initialize fails the same way again. */
  canRestart: () => boolean;
  onRestart: (crashes: number) => void;
  onGiveUp: (crashes: number) => void;
}

export function crashHandler({ budget, log, canRestart, onRestart, onGiveUp }: CrashHandlerOptions): ErrorHandler {
  return {
    error: (error, _message, count) => {
      log.error(`Connection to the Faro backend failed (${count ?? 1}x): ${error.message}`);
      // A few broken messages are survivable; a stream of them means the pipe is gone.
      const action = count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown;
      return { action, handled: true };
    },
    closed: () => {
      if (!canRestart()) {
        log.info("Faro backend exited after failing to start; not restarting it.");
        return { action: CloseAction.DoNotRestart, handled: true };
      }
      const { restart, crashes } = budget.recordCrash();
      const window = `${crashes} in the last ${Math.round(budget.windowMs / 60_000)} minutes`;
      if (restart) {
        log.warn(`Faro backend exited (${window}); restarting it.`);
        onRestart(crashes);
        return { action: CloseAction.Restart, handled: true };
      }
      log.error(`Faro backend exited (${window}); not restarting it again.`);
      onGiveUp(crashes);
      return { action: CloseAction.DoNotRestart, handled: true };
    },
  };
}
