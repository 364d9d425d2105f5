/**
 * Everyday backend commands: endpoint snippets, the local queue (cancel a request), unloading a
 * model, removing a provider API key (adding one: modelCommands.ts), and the Logs dashboard.
 */
import vscode = require("vscode");
import type { CommandFactory } from "./commands";
import type { Ctx } from "./ctx";
import type { LogsPanel } from "./logsPanel";
import { deferred } from "./lazy";
import { ProviderKeys } from "./providerKeys";
import { endpointSnippets } from "./snippets";

const withBackend = (create: CommandFactory["create"]): CommandFactory => ({ needsBackend: true, create });

const showEndpointSnippets = withBackend((ctx) => async () => {
  let status = await ctx.request("faro/endpoint/status", {});
  if (!status.running) {
    const choice = await vscode.window.showInformationMessage("The Faro endpoint is not running. Start it to get snippets with its URL?", "Start Endpoint");
    if (!choice) return;
    status = await ctx.request("faro/endpoint/start", {});
    ctx.status.update({ endpoint: status });
  }
  const { defaultModel } = await ctx.request("faro/models/list", {});
  // A key Faro made is filled in; one the backend took from its environment is named, not shown.
  const key = status.apiKeyRequired ? { value: ctx.endpointApiKey } : null;
  const content = endpointSnippets(status.url!, key, defaultModel ?? "default");
  const doc = await vscode.workspace.openTextDocument({ language: "markdown", content });
  await vscode.window.showTextDocument(doc, { preview: true });
});

const showQueue = withBackend((ctx) => async () => {
  const { requests, models } = await ctx.request("faro/queue/list", {});
  const items: Array<vscode.QuickPickItem & { id?: string }> = [
    ...requests.map((r) => ({
      id: r.id,
      label: `$(${r.state === "waiting" ? "clock" : r.state === "loading" ? "loading~spin" : "play"}) ${r.model}`,
      description: `${r.state}${r.position !== null ? ` #${r.position + 1}` : ""} · priority ${r.priority}${r.effective_priority !== r.priority ? `→${r.effective_priority}` : ""} · ${(r.wait_ms / 1000).toFixed(1)} s`,
      detail: r.id,
    })),
    ...models.map((m) => ({ label: `$(database) ${m.id}`, description: `${m.state} · ${m.mode ?? "loading"} · ${m.busy_slots}/${m.slots} slots busy` })),
  ];
  if (items.length === 0) {
    void vscode.window.showInformationMessage("The local queue is empty and no model is loaded.");
    return;
  }
  const picked = await vscode.window.showQuickPick(items, { title: "Faro: Queue — pick a request to cancel it", matchOnDetail: true });
  if (!picked?.id) return;
  const confirm = await vscode.window.showWarningMessage(`Cancel request ${picked.id}?`, { modal: true }, "Cancel Request");
  if (!confirm) return;
  const { cancelled } = await ctx.request("faro/queue/cancel", { id: picked.id });
  void vscode.window.showInformationMessage(cancelled ? `Cancelled ${picked.id}.` : `${picked.id} had already finished.`);
});

const unloadModel = withBackend((ctx) => async () => {
  const { models } = await ctx.request("faro/queue/list", {});
  if (models.length === 0) {
    void vscode.window.showInformationMessage("No model is loaded.");
    return;
  }
  const picked = await vscode.window.showQuickPick(
    models.map((m) => ({ label: m.id, description: `${m.mode ?? "loading"} · ${m.busy_slots}/${m.slots} slots busy` })),
    { title: "Faro: Unload Model" },
  );
  if (!picked) return;
  const { unloaded } = await ctx.request("faro/models/unload", { model: picked.label });
  void vscode.window.showInformationMessage(unloaded ? `Unloaded ${picked.label}.` : `${picked.label} is busy; it unloads once idle (keep-alive).`);
});

const removeProviderKey = withBackend((ctx) => async () => {
  const keys = new ProviderKeys(ctx.extension);
  const stored = keys.providers();
  if (stored.length === 0) {
    void vscode.window.showInformationMessage("No provider key is stored.");
    return;
  }
  const picked = await vscode.window.showQuickPick(stored, { title: "Faro: Remove Provider API Key" });
  if (!picked) return;
  await keys.remove(picked);
  await ctx.request("faro/providers/setKey", { provider: picked, key: null });
  void vscode.window.showInformationMessage(`Removed the key for ${picked}.`);
});

const logsPanels = new WeakMap<Ctx, LogsPanel>();

/** The Logs panel's owner for this Ctx (the serializer in panelSerializers.ts restores into it). */
export function logsPanelFor(ctx: Ctx): LogsPanel {
  let panel = logsPanels.get(ctx);
  if (!panel) logsPanels.set(ctx, (panel = new (deferred().LogsPanel)(ctx)));
  return panel;
}

const openLogs = withBackend((ctx) => async () => logsPanelFor(ctx).show());

export const opsCommands: Record<string, CommandFactory> = {
  "faro.showEndpointSnippets": showEndpointSnippets,
  "faro.showQueue": showQueue,
  "faro.unloadModel": unloadModel,
  "faro.removeProviderKey": removeProviderKey,
  "faro.openLogs": openLogs,
};
