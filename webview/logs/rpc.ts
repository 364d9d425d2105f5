/** The Logs webview's requests: faro/logs/* forwarded to the backend, and the panel's own. */
import type { FaroRequests } from "../../server/protocol";
import { Bridge as SharedBridge } from "../bridge";
import { LIVE_NOTIFICATION, type ForwardedMethod, type LiveUpdate, type PanelRequests } from "./panelProtocol";

type Methods = Pick<FaroRequests, ForwardedMethod> & PanelRequests;

export class Bridge extends SharedBridge<Methods> {
  constructor(onLive: (u: LiveUpdate) => void) {
    super({ [LIVE_NOTIFICATION]: onLive });
  }
}
