/**
 * The language server VS Code starts (vscode-languageserver over IPC or stdio). It builds the
 * same Backend as `faro serve` from the `initializationOptions` and answers the typed
 * `faro/...` requests of protocol.ts.
 */
import { join } from "node:path";
import { homedir } from "node:os";
import {
  createConnection,
  ProposedFeatures,
  ResponseError,
  TextDocumentSyncKind,
  type Connection,
  type MessageReader,
} from "vscode-languageserver/node";
import { Backend, FARO_VERSION } from "./backend";
import { defaultConfig, type BackendConfig } from "./config";
import { FaroError, messageOf } from "./errors";
import { createLogger, type Logger } from "./logger";
import { registerPromptFeatures } from "./lsp/features";
import { consoleToClient, FramedMessageWriter } from "./lsp/stdioWriter";
import { logHandlers } from "./store/logQuery";
import { Downloads } from "./engine/downloads";
import { checkProviderKey } from "./providers/keyCheck";
import type { FaroNotifications, FaroRequestMethod, InitializationOptions, ParamsOf, ResultOf } from "./protocol";
import { checkParams } from "./lsp/params";

// Over stdio, write each message in one piece (lsp/stdioWriter.ts); IPC (VS Code) is unchanged.
// process.stdin stays a stream: the library wraps it in a reader itself and exits the server
// when it ends, which it does only for a stream (its typings pair streams or readers, not both).
const stdio = process.argv.includes("--stdio");
const connection = stdio
  ? createConnection(ProposedFeatures.all, process.stdin as unknown as MessageReader, new FramedMessageWriter(process.stdout))
  : createConnection(ProposedFeatures.all);
if (stdio) consoleToClient(connection);
const logger: Logger = createLogger((level, line) => connection.console[level === "debug" ? "log" : level](line), "debug");
let backend: Backend | null = null;

process.on("uncaughtException", (err) => logger.error(`uncaught exception (a bug, please report): ${err.stack ?? err.message}`));
process.on("unhandledRejection", (reason) => logger.error(`unhandled rejection (a bug, please report): ${reason instanceof Error ? reason.stack : String(reason)}`));

export function configFromInit(init: InitializationOptions | undefined): BackendConfig {
  const config = defaultConfig(init?.home ?? join(homedir(), ".faro"));
  if (init?.modelsDirs) config.modelsDirs = init.modelsDirs.filter((d) => d.trim() !== "");
  if (init?.defaultModel) config.defaultModel = init.defaultModel;
  const e = init?.endpoint;
  if (e?.host) config.host = e.host;
  if (e?.port !== undefined) config.port = e.port;
  if (e?.allowedOrigins) config.allowedOrigins = e.allowedOrigins;
  if (e?.apiKey) config.apiKey = e.apiKey;
  if (init?.engine?.threads !== undefined) config.threads = init.engine.threads;
  if (init?.engine?.gpu) config.gpu = init.engine.gpu;
  if (init?.aliases) config.aliases = init.aliases;
  return config;
}

function onRequest<M extends FaroRequestMethod>(method: M, handler: (params: ParamsOf<M>, b: Backend) => Promise<ResultOf<M>>): void {
  connection.onRequest(method, async (params: ParamsOf<M>) => {
    if (!backend) throw new ResponseError(-32002, "The Faro backend is still starting.");
    try {
      const p = params ?? ({} as ParamsOf<M>);
      checkParams(method, p);
      return await handler(p, backend);
    } catch (err) {
      // The one place backend errors become JSON-RPC errors; `data` keeps the OpenAI fields.
      if (err instanceof FaroError) throw new ResponseError(-32000 - err.status, err.message, { status: err.status, code: err.code, param: err.param });
      logger.error(`${method} failed: ${err instanceof Error ? err.stack : String(err)}`);
      throw new ResponseError(-32603, `${method} failed: ${messageOf(err)}`);
    }
  });
}

function notify<M extends keyof FaroNotifications>(method: M, params: FaroNotifications[M]): void {
  void connection.sendNotification(method, params);
}

// The .prompt language (diagnostics, completion, runs, versions): lsp/features.ts.
const promptFeatures = registerPromptFeatures(connection, () => backend, logger, { onRequest, notify });

connection.onInitialize(async (params) => {
  const config = configFromInit(params.initializationOptions as InitializationOptions | undefined);
  backend = await Backend.create(config, logger);
  watchQueue(backend);
  promptFeatures.initialize(params);
  logger.info(`Faro ${FARO_VERSION} backend ready (home ${config.home})`);
  return {
    capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental, ...promptFeatures.capabilities },
    serverInfo: { name: "faro", version: FARO_VERSION },
  };
});

onRequest("faro/models/list", (_p, b) => b.listModels());
onRequest("faro/models/select", async ({ model }, b) => {
  const chosen = await b.gateway.selectDefaultId(model);
  notify("faro/models/changed", await b.listModels());
  return { defaultModel: chosen };
});
onRequest("faro/endpoint/start", async (p, b) => {
  const status = await b.startEndpoint(p);
  notify("faro/endpoint/changed", status);
  return status;
});
onRequest("faro/endpoint/stop", async (_p, b) => {
  const status = await b.endpoint.stop();
  notify("faro/endpoint/changed", status);
  return status;
});
onRequest("faro/endpoint/status", async (_p, b) => b.endpoint.status());
onRequest("faro/queue/list", async (_p, b) => ({ requests: b.engine.queue(), models: b.engine.residents() }));
onRequest("faro/queue/cancel", async ({ id }, b) => ({ cancelled: b.engine.cancel(id) }));
onRequest("faro/models/unload", async ({ model }, b) => ({ unloaded: b.engine.unload(model) }));
// The request log (store/logQuery.ts validates the params).
onRequest("faro/logs/query", async (p, b) => logHandlers.query(b.db, p));
onRequest("faro/logs/get", async (p, b) => logHandlers.get(b.db, p));
onRequest("faro/logs/stats", async (p, b) => logHandlers.stats(b.db, p));
onRequest("faro/logs/export", async (p, b) => logHandlers.export(b.db, p));
onRequest("faro/providers/list", async (_p, b) => b.gateway.providers());
onRequest("faro/providers/setKey", async ({ provider, key }, b) => b.gateway.setKey(provider, key));
onRequest("faro/keys/create", async (p, b) => b.virtualKeys.create(p));
onRequest("faro/keys/list", async (_p, b) => ({ keys: b.virtualKeys.list() }));
onRequest("faro/keys/revoke", async ({ name }, b) => ({ key: b.virtualKeys.revoke(name) }));
onRequest("faro/keys/usage", async ({ name }, b) => b.virtualKeys.usage(name));
onRequest("faro/providers/check", async ({ provider, key, baseUrl }, b) =>
  checkProviderKey({ provider, key: key ?? b.gateway.keys.get(provider), baseUrl: baseUrl ?? null }, { allowedHosts: b.gateway.routing.allowedHosts }),
);

// Downloads go to the first models folder (the demo's folder when none is configured).
let downloads: Downloads | null = null;
onRequest("faro/models/download", async ({ source, id }, b) => {
  downloads ??= new Downloads(() => b.engine.catalog.folders[0]!, logger);
  const result = await downloads.download(source, { ...(id ? { id } : {}), onProgress: (p) => notify("faro/models/downloadProgress", p) });
  notify("faro/models/changed", await b.listModels());
  return result;
});
onRequest("faro/models/downloadCancel", async ({ id }) => ({ cancelled: downloads?.cancel(id) ?? false }));

/** Queue changes come in bursts (every token start/stop); tell the extension at most every 100 ms. */
function watchQueue(b: Backend): void {
  let timer: NodeJS.Timeout | null = null;
  b.engine.onChange(() => {
    timer ??= setTimeout(() => {
      timer = null;
      notify("faro/queue/changed", { requests: b.engine.queue(), models: b.engine.residents() });
    }, 100);
  });
}

connection.onShutdown(async () => {
  await promptFeatures.dispose();
  await backend?.close();
  backend = null;
});
connection.onExit(() => process.exit(0));

connection.listen();
