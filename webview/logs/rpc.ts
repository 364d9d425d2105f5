/**
 * The Logs webview's end of json-rpc-2.0 over postMessage: typed requests to the extension
 * (which forwards faro/logs/* to the backend), its live-update notification, and the webview
 * state API (what survives hiding the panel).
 */
import { JSONRPCClient, JSONRPCServer, JSONRPCServerAndClient } from "json-rpc-2.0";
import type { FaroRequests } from "../../server/protocol";
import { LIVE_NOTIFICATION, type ForwardedMethod, type LiveUpdate, type PanelRequests } from "./panelProtocol";

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type Methods = Pick<FaroRequests, ForwardedMethod> & PanelRequests;

export class Bridge {
  readonly api = acquireVsCodeApi();
  private readonly rpc = new JSONRPCServerAndClient(
    new JSONRPCServer(),
    new JSONRPCClient((payload) => {
      this.api.postMessage(payload);
    }),
  );

  constructor(onLive: (u: LiveUpdate) => void) {
    this.rpc.addMethod(LIVE_NOTIFICATION, (u: LiveUpdate) => onLive(u));
    window.addEventListener("message", (e: MessageEvent) => {
      void this.rpc.receiveAndSend(e.data, undefined, undefined);
    });
  }

  request<M extends keyof Methods>(method: M, params: Methods[M]["params"]): Promise<Methods[M]["result"]> {
    return this.rpc.request(method, params, undefined) as Promise<Methods[M]["result"]>;
  }
}
