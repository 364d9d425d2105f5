/**
 * What activation does not load: a second bundle (dist/extension/deferred.js, see esbuild.mjs)
 * that `deferred()` requires the first time a panel, the price table or a model URI is needed.
 * It holds the Compare and Logs panels with their json-rpc-2.0 bridge (40% of what extension.js
 * was), Select Model's price table and Download Model's URI parser.
 */
export { ComparePanels } from "./comparePanel";
export { LogsPanel } from "./logsPanel";
export { PriceTable } from "../server/gateway/pricing/priceTable";
export { parseModelSource } from "../server/engine/modelUri";
