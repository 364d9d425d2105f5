/**
 * Ctx owns the backend's LanguageClient, the "Faro" output channel, the status bar and every
 * disposable. It starts the backend lazily, restarts it within a budget when it dies, and is the
 * one place that tells the user the backend is down.
 */
import { homedir } from "node:os";
import vscode = require("vscode");
import type { LanguageClient, State as ClientState } from "vscode-languageclient/node";
import type {
  FaroNotificationMethod,
  FaroNotifications,
  FaroRequestMethod,
  ParamsOf,
  ResultOf,
} from "../server/protocol";
import { messageOf } from "./format";
import { PendingSaves } from "./pendingSaves";
import { ProviderKeys } from "./providerKeys";
import { RestartBudget } from "./restartPolicy";
import { endpointKey } from "./endpointKey";
import { chooseRuntime, localProbe } from "./runtime";
import { initializationOptions, serverRuntime } from "./settings";
import { StatusBar } from "./statusBar";

const DEFAULT_MODEL_KEY = "faro.defaultModel";

/**
 * vscode-languageclient's State values. The client library (most of the bundle) is only loaded
 * when the backend starts (createClient), so activation does not pay for it: it must not be
 * imported for its values here.
 */
const State = { Stopped: 1 as ClientState.Stopped, Running: 2 as ClientState.Running, Starting: 3 as ClientState.Starting, StartFailed: 4 as ClientState.StartFailed };

export class BackendNotRunningError extends Error {
  constructor() {
    super("Faro backend is not running");
    this.name = "BackendNotRunningError";
  }
}

export class Ctx implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel("Faro", { log: true });
  readonly status = new StatusBar();
  private readonly disposables: vscode.Disposable[] = [this.log, this.status];
  private client: LanguageClient | undefined;
  /** .prompt saves made while no client ran, recorded once one does. */
  readonly pendingSaves = new PendingSaves((message) => this.log.warn(message));
  private clientDisposables: vscode.Disposable[] = [];
  private starting: Promise<LanguageClient | undefined> | undefined;
  private readonly budget = new RestartBudget();
  /** Set while the client restarts a crashed backend, so its brief "stopped" is not a failure. */
  private restarting = false;
  /** The user started the endpoint and has not stopped it: a restarted backend serves it again. */
  private endpointWanted = false;
  /** The endpoint's own key when the settings want one (endpointKey.ts); null otherwise. */
  endpointApiKey: string | null = null;
  /** One notification per outage; cleared when the backend is running again. */
  private failureShown = false;
  /** Backend notifications other modules listen to; attached to every client, restarts included. */
  private readonly listeners: Array<(client: LanguageClient) => vscode.Disposable> = [];

  constructor(readonly extension: vscode.ExtensionContext) {}

  pushDisposable(d: vscode.Disposable): void {
    this.disposables.push(d);
  }

  /** Calls `handler` for each `method` notification from the backend, now and after restarts. */
  listen<M extends FaroNotificationMethod>(method: M, handler: (params: FaroNotifications[M]) => void): void {
    const attach = (client: LanguageClient) => this.onNotification(client, method, handler);
    this.listeners.push(attach);
    if (this.client) this.clientDisposables.push(attach(this.client));
  }

  get defaultModel(): string | null {
    return this.extension.globalState.get<string>(DEFAULT_MODEL_KEY) ?? null;
  }

  async rememberDefaultModel(model: string): Promise<void> {
    await this.extension.globalState.update(DEFAULT_MODEL_KEY, model);
    this.status.update({ model });
  }

  /** The running client. A backend that was never started is started; a failed one is not. */
  async ensureStarted(): Promise<LanguageClient | undefined> {
    if (this.client?.isRunning()) return this.client;
    if (this.starting) return this.starting;
    if (this.client?.state === State.Starting) return this.waitForRestart(this.client);
    if (this.status.current.state === "idle") return this.start();
    return undefined;
  }

  /** A crashed backend the client is restarting on its own. */
  private async waitForRestart(client: LanguageClient): Promise<LanguageClient | undefined> {
    try {
      await client.start(); // returns the restart already in progress
      return client;
    } catch (err) {
      this.log.warn(`Waiting for the Faro backend to restart failed: ${messageOf(err)}`);
      return undefined;
    }
  }

  /** Whether the language client runs (and so sends didSave itself). */
  get clientRunning(): boolean {
    return this.client?.isRunning() === true;
  }

  /** Whether a start is under way or has not been tried: then a failure is reported by the start. */
  get startPending(): boolean {
    return this.starting !== undefined || this.status.current.state === "idle";
  }

  start(): Promise<LanguageClient | undefined> {
    this.starting ??= this.startFresh().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** A restart the user asked for: a full restart budget and fresh settings. */
  async restart(): Promise<void> {
    if (this.starting) await this.starting;
    this.budget.reset();
    this.failureShown = false;
    await this.start();
  }

  async request<M extends FaroRequestMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    const client = this.client;
    if (!client?.isRunning()) throw new BackendNotRunningError();
    return client.sendRequest<ResultOf<M>>(method, params);
  }

  /** Logs a backend failure, shows the error state and notifies the user once per outage. */
  fail(message: string, err?: unknown): void {
    const text = err === undefined ? message : `${message}: ${messageOf(err)}`;
    this.log.error(text);
    this.restarting = false;
    this.status.update({ state: "error", error: text });
    if (this.failureShown) return;
    this.failureShown = true;
    void this.offerRecovery(text);
  }

  async offerRecovery(text: string): Promise<void> {
    try {
      const choice = await vscode.window.showErrorMessage(text, "Show Output", "Restart");
      if (choice === "Show Output") this.log.show();
      if (choice === "Restart") await this.restart();
    } catch (err) {
      this.log.error(`Recovering the Faro backend failed: ${messageOf(err)}`);
    }
  }

  async dispose(): Promise<void> {
    await this.stopClient();
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }

  private async startFresh(): Promise<LanguageClient | undefined> {
    this.status.update({ state: "starting" });
    try {
      await this.stopClient();
      const client = await this.createClient();
      this.client = client;
      await client.start();
      this.log.info(`Faro backend started (${this.extension.extension.packageJSON.version ?? "dev"})`);
      return client;
    } catch (err) {
      // A crash during start may already be handled by a client-side restart.
      if (this.client?.state === State.Starting || this.client?.isRunning()) {
        this.log.warn(`Faro backend start attempt failed; retrying: ${messageOf(err)}`);
        return this.client;
      }
      this.fail("Faro backend failed to start", err);
      return undefined;
    }
  }

  private async createClient(): Promise<LanguageClient> {
    // A separate bundle (see esbuild.mjs), so activation does not even parse the client library;
    // a plain require keeps it in the CommonJS loader VS Code hooks to provide `vscode`.
    const { createClient, crashHandler } = require("./languageClient.js") as typeof import("./languageClient");
    const home = this.extension.globalStorageUri.fsPath;
    await vscode.workspace.fs.createDirectory(this.extension.globalStorageUri);
    const config = vscode.workspace.getConfiguration("faro");
    const get = (key: string) => config.get<unknown>(key);
    const { options, problems, endpointKeyWanted } = initializationOptions(get, {
      home,
      defaultModel: this.defaultModel,
      userHome: homedir(),
    });
    this.endpointApiKey = endpointKeyWanted ? await endpointKey(this.extension.secrets) : null;
    if (this.endpointApiKey) options.endpoint = { ...options.endpoint, apiKey: this.endpointApiKey };
    for (const problem of problems) {
      this.log.warn(problem);
      void vscode.window.showWarningMessage(problem);
    }
    const { runtime, note } = chooseRuntime(serverRuntime(get, homedir()), localProbe(this.extension.extensionPath));
    if (note) this.log.info(note);
    const client: LanguageClient = createClient({
      serverModule: this.extension.asAbsolutePath("dist/server/main.js"),
      runtime,
      initializationOptions: options,
      log: this.log,
      errorHandler: crashHandler({
        budget: this.budget,
        log: this.log,
        canRestart: () => client.state !== State.StartFailed,
        onRestart: () => {
          this.restarting = true;
          this.status.update({ state: "starting" });
        },
        onGiveUp: (crashes) =>
          this.fail(`Faro backend crashed ${crashes} times in ${this.budget.windowMs / 60_000} minutes and was not restarted`),
      }),
      onUserVisibleError: (message, data) => {
        // During our own start, startFresh reports the failure in its own words.
        if (this.client === client && this.starting === undefined) this.fail(message, data);
      },
    });
    this.clientDisposables.push(
      client.onDidChangeState(({ newState }) => {
        if (this.client === client) this.onStateChange(client, newState);
      }),
      this.onNotification(client, "faro/endpoint/changed", (endpoint) => {
        this.endpointWanted = endpoint.running;
        this.status.update({ endpoint });
      }),
      this.onNotification(client, "faro/models/changed", (models) => this.status.update({ model: models.defaultModel })),
      ...this.listeners.map((attach) => attach(client)),
    );
    this.log.info(`Starting Faro backend with ${JSON.stringify(options)}`);
    return client;
  }

  private onStateChange(client: LanguageClient, state: ClientState): void {
    if (state === State.Starting) {
      this.status.update({ state: "starting" });
    } else if (state === State.Running) {
      this.restarting = false;
      this.failureShown = false;
      this.status.update({ state: "ready" });
      void this.refresh(client);
      void this.handOverKeys(client);
      void this.pendingSaves.flush((uri, text) => this.request("faro/prompt/recordSave", { uri, text }));
    } else if (state === State.Stopped && !this.restarting && this.status.current.state !== "error") {
      this.fail("Faro backend stopped unexpectedly");
    }
  }

  /** Reads the model and endpoint shown in the status bar; a failure only costs the display. */
  /** Provider keys from SecretStorage, given to every (re)started backend; it keeps them in memory only. */
  private async handOverKeys(client: LanguageClient): Promise<void> {
    for (const { provider, key } of await new ProviderKeys(this.extension).all()) {
      try {
        if (this.client === client) await this.request("faro/providers/setKey", { provider, key });
      } catch (err) {
        this.log.warn(`Could not hand the ${provider} key to the backend: ${messageOf(err)}`);
      }
    }
  }

  private async refresh(client: LanguageClient): Promise<void> {
    try {
      const [endpoint, models] = await Promise.all([
        this.request("faro/endpoint/status", {}),
        this.request("faro/models/list", {}),
      ]);
      if (this.client !== client) return;
      this.status.update({ endpoint, model: models.defaultModel });
      if (this.endpointWanted && !endpoint.running) {
        const restarted = await this.request("faro/endpoint/start", {});
        this.status.update({ endpoint: restarted });
        this.log.info(`Endpoint running again at ${restarted.url} after the backend restarted`);
      }
    } catch (err) {
      this.log.warn(`Could not read the Faro backend's status: ${messageOf(err)}`);
    }
  }

  private onNotification<M extends FaroNotificationMethod>(
    client: LanguageClient,
    method: M,
    handler: (params: FaroNotifications[M]) => void,
  ): vscode.Disposable {
    return client.onNotification(method, handler);
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    if (!client) return;
    // Forget it first so its last state changes are not mistaken for a crash.
    this.client = undefined;
    this.restarting = false;
    for (const d of this.clientDisposables.splice(0)) d.dispose();
    const wasRunning = client.isRunning();
    try {
      await client.dispose(3000);
    } catch (err) {
      // dispose() still ends the process of a client that never got running; it only complains.
      if (wasRunning) this.log.warn(`Stopping the Faro backend failed: ${messageOf(err)}`);
      else this.log.debug(`Stopped a Faro backend that was not running: ${messageOf(err)}`);
    }
  }
}
