/** The Compare webview's requests (faro/... forwarded to the backend, and the panel's own) and notifications. */
import type { CompareEvent, FaroRequests } from "../../server/protocol";
import { Bridge as SharedBridge } from "../bridge";
import type { ForwardedMethod, PanelContext, PanelRequests } from "./panelProtocol";

type Methods = Pick<FaroRequests, ForwardedMethod> & PanelRequests;
export type Method = keyof Methods;

export class Bridge extends SharedBridge<Methods> {
  constructor(handlers: { context: (c: PanelContext) => void; event: (e: CompareEvent) => void }) {
    super({ "panel/context": handlers.context, "faro/compare/event": handlers.event });
  }
}

/** The message of a JSON-RPC error (the extension puts the backend's message there). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
