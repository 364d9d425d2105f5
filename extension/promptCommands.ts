/**
 * The `.prompt` commands behind the CodeLens (▶ Run · Compare · History), the editor title and
 * the Compare view (Compare Models, Compare Prompt Versions):
 * factories for commands.ts, each taking the prompt's URI (or the active editor's).
 */
import vscode = require("vscode");
import type { CommandFactory } from "./commands";
import type { Ctx } from "./ctx";
import type { ComparePanels } from "./comparePanel";
import { PROMPT_LANGUAGE_ID } from "./format";
import { deferred } from "./lazy";
import { PromptHistory } from "./promptHistory";
import { PromptRuns } from "./promptRuns";

/** One set of providers per Ctx, made when the commands are registered (at activation). */
const ui = new WeakMap<Ctx, { runs: PromptRuns; history: PromptHistory }>();
function uiFor(ctx: Ctx) {
  let u = ui.get(ctx);
  if (!u) ui.set(ctx, (u = { runs: new PromptRuns(ctx), history: new PromptHistory(ctx) }));
  return u;
}

/** Made on first use: the panel's code is in the deferred bundle, which activation does not load. */
const comparePanels = new WeakMap<Ctx, ComparePanels>();

/** The Compare panel's owner for this Ctx (the serializer in panelSerializers.ts restores into it). */
export function comparePanelsFor(ctx: Ctx): ComparePanels {
  let panels = comparePanels.get(ctx);
  if (!panels) comparePanels.set(ctx, (panels = new (deferred().ComparePanels)(ctx)));
  return panels;
}

/** The CodeLens passes the URI as a string; the editor title passes a Uri; a key binding nothing. */
function promptUri(arg: unknown): vscode.Uri {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === "string") return vscode.Uri.parse(arg);
  const doc = vscode.window.activeTextEditor?.document;
  if (doc?.languageId === PROMPT_LANGUAGE_ID) return doc.uri;
  throw new Error("open a .prompt file first");
}

function activePrompt(arg: unknown): vscode.Uri | null {
  try {
    return promptUri(arg);
  } catch {
    return null; // No prompt: compare models on a message typed in the view.
  }
}

export const promptCommands: Record<string, CommandFactory> = {
  "faro.prompt.run": { needsBackend: true, create: (ctx) => { const u = uiFor(ctx); return (arg) => u.runs.run(promptUri(arg)); } },
  "faro.prompt.compare": { needsBackend: true, create: (ctx) => async (arg) => comparePanelsFor(ctx).show(promptUri(arg), "models") },
  /** The active prompt's models, or models on a typed message when no prompt is open. */
  "faro.compareModels": { needsBackend: true, create: (ctx) => async (arg) => comparePanelsFor(ctx).show(activePrompt(arg), "models") },
  "faro.comparePromptVersions": { needsBackend: true, create: (ctx) => async (arg) => comparePanelsFor(ctx).show(promptUri(arg), "versions") },
  "faro.prompt.history": { needsBackend: true, create: (ctx) => { const u = uiFor(ctx); return (arg) => u.history.show(promptUri(arg)); } },
};
