/**
 * Builds the LanguageClient that forks the backend (dist/server/main.js) over IPC. The client
 * shows no notifications of its own: Ctx decides what the user sees, so nothing appears twice.
 */
import type * as vscode from "vscode";
import {
  LanguageClient,
  TransportKind,
  RevealOutputChannelOn,
  type ErrorHandler,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import type { InitializationOptions } from "../server/protocol";
import { PROMPT_LANGUAGE_ID } from "./format";

export interface ClientConfig {
  /** Absolute path of the bundled backend entry. */
  serverModule: string;
  /** Node executable from `faro.server.runtime`; undefined runs on VS Code's own runtime. */
  runtime: string | undefined;
  initializationOptions: InitializationOptions;
  log: vscode.LogOutputChannel;
  errorHandler: ErrorHandler;
  /** An error the client considers worth a notification (it would have forced one). */
  onUserVisibleError: (message: string, data: unknown) => void;
}

/** Routes the client's own error popups to Ctx, which adds "Show Output" and "Restart". */
class FaroLanguageClient extends LanguageClient {
  private readonly onUserVisibleError: ClientConfig["onUserVisibleError"];

  constructor(serverOptions: ServerOptions, clientOptions: LanguageClientOptions, config: ClientConfig) {
    super("faro", "Faro", serverOptions, clientOptions);
    this.onUserVisibleError = config.onUserVisibleError;
  }

  override error(message: string, data?: unknown, showNotification?: boolean | "force"): void {
    super.error(message, data, false);
    // The base constructor may log before our field is assigned.
    if (showNotification === "force") this.onUserVisibleError?.(message, data);
  }
}

export function createClient(config: ClientConfig): LanguageClient {
  const run = {
    module: config.serverModule,
    transport: TransportKind.ipc,
    ...(config.runtime === undefined ? {} : { runtime: config.runtime }),
  };
  const serverOptions: ServerOptions = {
    run,
    // Used when the extension host runs under a debugger, so the backend can be attached to too.
    debug: { ...run, options: { execArgv: ["--nolazy", "--inspect=6010"] } },
  };
  const clientOptions: LanguageClientOptions = {
    // Files and unsaved editors; recorded versions (faro-prompt:) and run views are read-only copies.
    documentSelector: [{ scheme: "file", language: PROMPT_LANGUAGE_ID }, { scheme: "untitled", language: PROMPT_LANGUAGE_ID }],
    initializationOptions: config.initializationOptions,
    outputChannel: config.log,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    errorHandler: config.errorHandler,
    // Retrying an initialize the backend rejected would fail the same way; the client logs the
    // error itself and Ctx reports it.
    initializationFailedHandler: () => false,
  };
  return new FaroLanguageClient(serverOptions, clientOptions, config);
}
