/**
 * Model and provider management: Select Model (local and cloud, grouped, with context, price and
 * whether it is loaded), Download Model (URL or hf: URI, a cancellable progress notification
 * with size, speed and ETA) and Add Provider / Set API Key (the key is checked by the backend
 * with a cheap call before it is kept, and never shown again).
 */
import vscode = require("vscode");
import type { DownloadProgress } from "../server/engine/downloads";
import { bytesText, percentDone, progressText } from "../server/engine/downloadText";
import type { PriceTable } from "../server/gateway/pricing/priceTable";
import type { ProviderCheckResult } from "../server/protocol";
import type { CommandFactory } from "./commands";
import type { Ctx } from "./ctx";
import { messageOf } from "./format";
import { deferred } from "./lazy";
import { modelPickRows } from "./modelPick";
import { ProviderKeys } from "./providerKeys";

const withBackend = (create: CommandFactory["create"]): CommandFactory => ({ needsBackend: true, create });

let prices: PriceTable | undefined;

const selectModel = withBackend((ctx) => async () => {
  const [{ models, defaultModel }, { providers }] = await Promise.all([ctx.request("faro/models/list", {}), ctx.request("faro/providers/list", {})]);
  prices ??= new (deferred().PriceTable)();
  const rows = modelPickRows(models, defaultModel, providers, (p, m) => prices!.find(p, m), (p, m) => prices!.limits(p, m));
  if (!rows.some((r) => r.kind === "model")) {
    const choice = await vscode.window.showInformationMessage(
      "Faro has no models yet: add folders with *.gguf files (faro.modelsDirs), download one, or add a cloud provider's key.",
      "Download Model",
      "Add Provider",
      "Open Settings",
    );
    if (choice === "Download Model") await vscode.commands.executeCommand("faro.downloadModel");
    if (choice === "Add Provider") await vscode.commands.executeCommand("faro.setProviderKey");
    if (choice === "Open Settings") await vscode.commands.executeCommand("workbench.action.openSettings", "faro.modelsDirs");
    return;
  }
  type Item = vscode.QuickPickItem & { model?: string };
  const items: Item[] = rows.map((r) =>
    r.kind === "separator"
      ? { label: r.label, kind: vscode.QuickPickItemKind.Separator }
      : { label: r.label, description: r.description, ...(r.detail ? { detail: r.detail } : {}), model: r.model, ...(r.current ? { iconPath: new vscode.ThemeIcon("check") } : {}) },
  );
  const picked = await vscode.window.showQuickPick(items, {
    title: "Faro: Select Model",
    placeHolder: defaultModel ? `Current: ${defaultModel} — the model "default" stands for` : "Choose the model \"default\" stands for",
    matchOnDescription: true,
  });
  if (!picked?.model) return;
  const { defaultModel: chosen } = await ctx.request("faro/models/select", { model: picked.model });
  await ctx.rememberDefaultModel(chosen);
  ctx.log.info(`Default model is now ${chosen}`);
});

/** Download progress arrives as notifications; each running download registers its handler here. */
const progressHandlers = new Map<string, (p: DownloadProgress) => void>();
let downloadSeq = 0;

const downloadModel: CommandFactory = {
  needsBackend: true,
  create: (ctx) => {
    ctx.listen("faro/models/downloadProgress", (p) => progressHandlers.get(p.id)?.(p));
    return async (arg?: unknown) => {
      const source = typeof arg === "string" && arg.trim() ? arg.trim() : await askSource();
      if (!source) return;
      const id = `vscode-${Date.now()}-${++downloadSeq}`;
      let cancelled = false;
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Faro: downloading ${source}`, cancellable: true },
        async (progress, token) => {
          let shownPct = 0;
          progressHandlers.set(id, (p) => {
            const pct = percentDone(p) ?? 0;
            progress.report({ message: progressText(p), increment: Math.max(0, pct - shownPct) });
            shownPct = Math.max(shownPct, pct);
          });
          const onCancel = token.onCancellationRequested(() => {
            cancelled = true;
            ctx.request("faro/models/downloadCancel", { id }).catch((err: unknown) => ctx.log.warn(`Cancelling download ${id} failed: ${messageOf(err)}`));
          });
          try {
            return await ctx.request("faro/models/download", { source, id });
          } catch (err) {
            if (cancelled) return null;
            throw err;
          } finally {
            onCancel.dispose();
            progressHandlers.delete(id);
          }
        },
      );
      if (!result) {
        void vscode.window.showInformationMessage(`Download of ${source} cancelled. The partial file is kept: download it again to resume.`);
        return;
      }
      ctx.log.info(`Downloaded ${result.model} (${result.bytes} bytes) to ${result.path}`);
      const choice = await vscode.window.showInformationMessage(`Downloaded ${result.model} (${bytesText(result.bytes)}).`, "Use as Default Model");
      if (choice) {
        const { defaultModel } = await ctx.request("faro/models/select", { model: result.model });
        await ctx.rememberDefaultModel(defaultModel);
      }
    };
  },
};

async function askSource(): Promise<string | undefined> {
  const value = await vscode.window.showInputBox({
    title: "Faro: Download Model",
    prompt: "A URL of a .gguf file, or a Hugging Face URI: hf:owner/repo/file.gguf or hf:owner/repo:Q4_K_M",
    placeHolder: "hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M",
    ignoreFocusOut: true,
    validateInput: (text) => {
      if (text.trim() === "") return null;
      try {
        deferred().parseModelSource(text);
        return null;
      } catch (err) {
        return messageOf(err);
      }
    },
  });
  return value?.trim() || undefined;
}

const setProviderKey = withBackend((ctx) => async () => {
  const { providers } = await ctx.request("faro/providers/list", {});
  const picked = await vscode.window.showQuickPick(
    providers.filter((p) => p.id !== "local").map((p) => ({ label: p.id, description: `${p.family}${p.hasKey ? " · key set" : ""}`, detail: p.baseUrl ?? "address given per request (custom_host)", baseUrl: p.baseUrl })),
    { title: "Faro: Add Provider / Set API Key" },
  );
  if (!picked) return;
  for (;;) {
    const key = (await vscode.window.showInputBox({ title: `API key for ${picked.label}`, password: true, ignoreFocusOut: true, prompt: "Checked with the provider, then stored in VS Code's secret storage; Faro keeps it in memory only and never shows it again." }))?.trim();
    if (!key) return;
    const verdict = picked.baseUrl ? await checkKey(ctx, picked.label, key) : null;
    const keep = verdict === null || verdict.status === "ok" ? true : verdict.status === "refused" ? await refused(verdict) : await uncheckable(verdict);
    if (keep === "retry") continue;
    if (!keep) return;
    await new ProviderKeys(ctx.extension).store(picked.label, key);
    await ctx.request("faro/providers/setKey", { provider: picked.label, key });
    const note = verdict?.status === "ok" ? ` ${verdict.message}` : verdict === null ? " (not checked: this provider has no fixed address)" : " (kept without a check)";
    void vscode.window.showInformationMessage(`Faro will use the key for ${picked.label}.${note}`);
    return;
  }
});

async function checkKey(ctx: Ctx, provider: string, key: string): Promise<ProviderCheckResult> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Faro: checking the ${provider} key…` }, () => ctx.request("faro/providers/check", { provider, key }));
}

async function refused(verdict: ProviderCheckResult): Promise<"retry" | false> {
  const choice = await vscode.window.showErrorMessage(`${verdict.message} The key was not saved.`, "Enter Another Key");
  return choice ? "retry" : false;
}

async function uncheckable(verdict: ProviderCheckResult): Promise<boolean> {
  const choice = await vscode.window.showWarningMessage(`${verdict.message} Keep the key anyway?`, "Keep Anyway", "Discard");
  return choice === "Keep Anyway";
}

export const modelCommands: Record<string, CommandFactory> = {
  "faro.selectModel": selectModel,
  "faro.downloadModel": downloadModel,
  "faro.setProviderKey": setProviderKey,
};
