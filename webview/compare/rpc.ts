/**
 * The webview's end of json-rpc-2.0 over postMessage: typed requests to the extension (which
 * forwards faro/... methods to the backend) and its notifications. Also the webview state API.
 */
import { JSONRPCClient, JSONRPCServer, JSONRPCServerAndClient } from "json-rpc-2.0";
import type { CompareEvent, FaroRequests } from "../../server/protocol";
import type { ForwardedMethod, PanelContext, PanelRequests } from "./panelProtocol";

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type Methods = Pick<FaroRequests, ForwardedMethod> & PanelRequests;
export type Method = keyof Methods;

export class Bridge {
  readonly api = acquireVsCodeApi();
  private readonly rpc = new JSONRPCServerAndClient(
    new JSONRPCServer(),
    new JSONRPCClient((payload) => {
      this.api.postMessage(payload);
    }),
  );

  constructor(handlers: { context: (c: PanelContext) => void; event: (e: CompareEvent) => void }) {
    this.rpc.addMethod("panel/context", (c: PanelContext) => handlers.context(c));
    this.rpc.addMethod("faro/compare/event", (e: CompareEvent) => handlers.event(e));
    window.addEventListener("message", (e: MessageEvent) => {
      void this.rpc.receiveAndSend(e.data, undefined, undefined);
    });
  }

  request<M extends Method>(method: M, params: Methods[M]["params"]): Promise<Methods[M]["result"]> {
    return this.rpc.request(method, params, undefined) as Promise<Methods[M]["result"]>;
  }
}

/** The message of a JSON-RPC error (the extension puts the backend's message there). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
