/**
 * Faro's commands, built from factories over Ctx. `registerCommands` starts the backend before a
 * command that needs it and, when the backend is down, says so instead of throwing.
 */
import vscode = require("vscode");
import type { EndpointStatus } from "../server/protocol";
import { BackendNotRunningError, type Ctx } from "./ctx";
import { messageOf } from "./format";
import { modelCommands } from "./modelCommands";
import { walkthroughCommands } from "./walkthrough";
import { opsCommands } from "./opsCommands";
import { promptCommands } from "./promptCommands";

type Cmd = (...args: unknown[]) => Promise<void>;

export interface CommandFactory {
  /** Whether the backend must be running: it is started first when it never was. */
  needsBackend: boolean;
  create: (ctx: Ctx) => Cmd;
}

const withBackend = (create: (ctx: Ctx) => Cmd): CommandFactory => ({ needsBackend: true, create });
const anyState = (create: (ctx: Ctx) => Cmd): CommandFactory => ({ needsBackend: false, create });

/** Starts the endpoint and says where it listens; shared by Start and Copy. */
async function startEndpoint(ctx: Ctx): Promise<void> {
  const status = await ctx.request("faro/endpoint/start", {});
  ctx.status.update({ endpoint: status });
  if (!status.running || !status.url) throw new Error("the backend did not report a running endpoint");
  ctx.log.info(`Endpoint running at ${status.url}`);
  await announce(ctx, status, `Faro endpoint running at ${status.url}`);
}

async function announce(ctx: Ctx, status: EndpointStatus, text: string): Promise<void> {
  const suffix = status.apiKeyRequired ? " (requires an API key)" : "";
  const choice = await vscode.window.showInformationMessage(text + suffix, "Copy URL");
  if (choice && status.url) await copy(ctx, status.url);
}

async function copy(ctx: Ctx, url: string): Promise<void> {
  await vscode.env.clipboard.writeText(url);
  ctx.log.info(`Copied ${url} to the clipboard`);
}

const commands: Record<string, CommandFactory> = {
  "faro.startEndpoint": withBackend((ctx) => () => startEndpoint(ctx)),
  "faro.stopEndpoint": withBackend((ctx) => async () => {
    const status = await ctx.request("faro/endpoint/stop", {});
    ctx.status.update({ endpoint: status });
    ctx.log.info("Endpoint stopped");
    void vscode.window.showInformationMessage("Faro endpoint stopped.");
  }),
  "faro.copyEndpointUrl": withBackend((ctx) => async () => {
    const status = await ctx.request("faro/endpoint/status", {});
    ctx.status.update({ endpoint: status });
    if (status.running && status.url) {
      await copy(ctx, status.url);
      void vscode.window.showInformationMessage(`Copied ${status.url}`);
      return;
    }
    const choice = await vscode.window.showInformationMessage("The Faro endpoint is not running.", "Start Endpoint");
    if (choice) await startEndpoint(ctx);
  }),
  "faro.restartServer": anyState((ctx) => () => ctx.restart()),
  "faro.showOutput": anyState((ctx) => async () => ctx.log.show()),
  ...promptCommands,
  ...opsCommands,
  ...modelCommands,
  ...walkthroughCommands,
};

export function registerCommands(ctx: Ctx): void {
  for (const [id, factory] of Object.entries(commands)) {
    const cmd = factory.create(ctx);
    ctx.pushDisposable(vscode.commands.registerCommand(id, (...args: unknown[]) => run(ctx, id, factory, () => cmd(...args))));
  }
}

async function run(ctx: Ctx, id: string, factory: CommandFactory, cmd: Cmd): Promise<void> {
  try {
    if (factory.needsBackend) {
      // A start attempted here reports its own failure; only say "not running" otherwise.
      const startAttempted = ctx.startPending;
      const client = await ctx.ensureStarted();
      if (!client) {
        if (!startAttempted) void ctx.offerRecovery("Faro backend is not running");
        return;
      }
    }
    await cmd();
  } catch (err) {
    if (err instanceof BackendNotRunningError) {
      void ctx.offerRecovery(err.message);
      return;
    }
    ctx.log.error(`Command ${id} failed: ${messageOf(err)}`);
    const choice = await vscode.window.showErrorMessage(`Faro: ${messageOf(err)}`, "Show Output");
    if (choice) ctx.log.show();
  }
}
