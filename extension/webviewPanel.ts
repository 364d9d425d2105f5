/**
 * What the Compare and Logs panel hosts share: the webview options (scripts on, files only from
 * dist/webview), the page (webviewHtml.ts), and a json-rpc-2.0 bridge over postMessage whose
 * handlers, run through `guard`, send any failure back as a JSON-RPC error with its message and code.
 */
import vscode = require("vscode");
import { JSONRPCClient, JSONRPCErrorException, JSONRPCServer, JSONRPCServerAndClient } from "json-rpc-2.0";
import type { Ctx } from "./ctx";
import { messageOf } from "./format";
import { webviewHtml, type WebviewPage } from "./webviewHtml";

const webviewRoot = (ctx: Ctx): vscode.Uri => vscode.Uri.joinPath(ctx.extension.extensionUri, "dist", "webview");

export function panelOptions(ctx: Ctx): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [webviewRoot(ctx)] };
}

export interface PanelHost {
  /** Add the panel's methods here; notify the webview through it. */
  rpc: JSONRPCServerAndClient;
  /** Runs a handler; a failure is logged and goes back to the webview as a JSON-RPC error with the backend's message and code. */
  guard: <T>(method: string, f: () => Promise<T>) => Promise<T>;
  /** Stops taking the webview's messages and rejects the requests still waiting on it with `reason`. */
  dispose(reason: string): void;
}

/** Loads `page` into the panel and bridges its webview; `view` ("Compare view") names it in the log. */
export function hostPanel(ctx: Ctx, panel: vscode.WebviewPanel, page: WebviewPage, view: string): PanelHost {
  panel.webview.html = webviewHtml(panel.webview, webviewRoot(ctx), page);
  const rpc = new JSONRPCServerAndClient(new JSONRPCServer(), new JSONRPCClient((payload) => {
    void panel.webview.postMessage(payload);
  }));
  const received = panel.webview.onDidReceiveMessage((m: unknown) => {
    rpc.receiveAndSend(m, undefined, undefined).catch((err: unknown) => ctx.log.warn(`${view} message failed: ${messageOf(err)}`));
  });
  return {
    rpc,
    guard: async (method, f) => {
      try {
        return await f();
      } catch (err) {
        const e = err as { code?: number; data?: unknown };
        ctx.log.warn(`${view}: ${method} failed: ${messageOf(err)}`);
        throw new JSONRPCErrorException(messageOf(err), typeof e.code === "number" ? e.code : -32603, e.data);
      }
    },
    dispose(reason) {
      received.dispose();
      rpc.rejectAllPendingRequests(reason);
    },
  };
}
