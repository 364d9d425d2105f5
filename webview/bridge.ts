/**
 * A webview's end of json-rpc-2.0 over postMessage, shared by the Compare and Logs panels: typed
 * requests to the extension (`Methods`: method -> { params, result }), handlers for the
 * notifications it sends, and the webview state API (what survives hiding the panel).
 */
import { JSONRPCClient, JSONRPCServer, JSONRPCServerAndClient } from "json-rpc-2.0";

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;


export class Bridge<Methods extends { [M in keyof Methods]: { params: unknown; result: unknown } }> {
  readonly api = acquireVsCodeApi();
  private readonly rpc = new JSONRPCServerAndClient(
    new JSONRPCServer(),
    new JSONRPCClient((payload) => {
      this.api.postMessage(payload);
    }),
  );

  /** `notifications`: method name -> handler for what the extension sends. */
  constructor(notifications: Record<string, (params: never) => void>) {
    for (const [method, handle] of Object.entries(notifications)) this.rpc.addMethod(method, (p: unknown) => handle(p as never));
    window.addEventListener("message", (e: MessageEvent) => {
      void this.rpc.receiveAndSend(e.data, undefined, undefined);
    });
  }

  request<M extends keyof Methods & string>(method: M, params: Methods[M]["params"]): Promise<Methods[M]["result"]> {
    return this.rpc.request(method, params, undefined) as Promise<Methods[M]["result"]>;
  }
}
