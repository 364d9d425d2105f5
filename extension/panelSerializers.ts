/**
 * Webview panels that survive a window reload: VS Code keeps each open Compare or Logs panel
 * (its place and its webview state) and, after "Developer: Reload Window", activates Faro with
 * `onWebviewPanel:<viewType>` and hands the panel to these serializers, which give it its HTML
 * and json-rpc bridge again; the webview restores itself from its saved state (getState).
 */
import vscode = require("vscode");
import type { Ctx } from "./ctx";
import { COMPARE_VIEW_TYPE, LOGS_VIEW_TYPE } from "./lazy";
import { logsPanelFor } from "./opsCommands";
import { comparePanelsFor } from "./promptCommands";

export function registerPanelSerializers(ctx: Ctx): void {
  ctx.pushDisposable(vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, {
    deserializeWebviewPanel: async (panel, state: unknown) => {
      ctx.log.info("Restoring the Compare panel after a reload");
      comparePanelsFor(ctx).restore(panel, state);
    },
  }));
  ctx.pushDisposable(vscode.window.registerWebviewPanelSerializer(LOGS_VIEW_TYPE, {
    deserializeWebviewPanel: async (panel) => {
      ctx.log.info("Restoring the Logs panel after a reload");
      logsPanelFor(ctx).restore(panel);
    },
  }));
}
