/**
 * The `.prompt` language over LSP: registers document sync, diagnostics, quick fixes and the
 * other editor features on the connection. main.ts calls registerPromptFeatures once and
 * merges `capabilities` into its initialize result.
 */
import { dirname, resolve } from "node:path";
import { familyOf } from "../gateway/targets";
import {
  CodeActionKind,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type ServerCapabilities,
} from "vscode-languageserver/node";
import type { Backend } from "../backend";
import type { Logger } from "../logger";
import type { FaroNotifications, FaroRequestMethod, ParamsOf, ResultOf } from "../protocol";
import type { CheckContext, PromptAnalysis } from "../prompts/check";
import { Tokenizers } from "../prompts/tokenizers";
import { clearPartialFiles } from "../prompts/workspace";
import { codeActions } from "./codeActions";
import { complete } from "./completion";
import { hover } from "./hover";
import { codeLenses } from "./codeLens";
import { documentSymbols, foldingRanges } from "./outline";
import { PromptRequests } from "./promptRequests";
import { CompareRequests } from "./compareRequests";
import { DiagnosticsPublisher } from "./diagnostics";
import { PromptDocuments } from "./documents";
import { ModelSnapshot } from "./models";
import { FileStats } from "./fileStats";
import { LspWorkspace, pathOf } from "./workspace";

export const PROMPT_LANGUAGE_ID = "dotprompt";
/** How long a completion in the frontmatter waits for the first model list. */
const FIRST_MODELS_WAIT_MS = 2_000;

export interface PromptFeatures {
  capabilities: ServerCapabilities;
  /** Call from onInitialize, once the backend exists. */
  initialize(params: InitializeParams): void;
  /** Cancels runs and comparisons; resolves once the comparisons are saved. */
  dispose(): Promise<void>;
}

/** main.ts's typed registration helpers: the one place backend errors become JSON-RPC errors. */
export interface Rpc {
  onRequest<M extends FaroRequestMethod>(method: M, handler: (params: ParamsOf<M>, b: Backend) => Promise<ResultOf<M>>): void;
  notify<M extends keyof FaroNotifications>(method: M, params: FaroNotifications[M]): void;
}

export function registerPromptFeatures(connection: Connection, backend: () => Backend | null, logger: Logger, rpc: Rpc): PromptFeatures {
  // The closures below run only after registration, when models and ws exist.
  const documents: PromptDocuments = new PromptDocuments((uri): CheckContext => ({
    models: models.models,
    defaultModel: models.defaultModel,
    aliases: models.aliases,
    cloud: backend()?.gateway.prices ?? null,
    partial: ws.partials(uri),
    partialNames: () => ws.partialNames(uri),
    partialFile: isPartialUri(uri),
    files: fileLookup(uri),
  }));
  const ws: LspWorkspace = new LspWorkspace(documents);
  // Tokenizers load on the engine's Llama instance, so they exist once the backend does.
  let tokenizers: Tokenizers | null = null;
  const tokenizersNow = (): Tokenizers | null => {
    const b = backend();
    if (!b) return null;
    tokenizers ??= new Tokenizers(() => b.engine.loader.llama(), logger, () => diagnostics.recount());
    return tokenizers;
  };
  const diagnostics: DiagnosticsPublisher = new DiagnosticsPublisher(connection, documents, logger, tokenizersNow);
  const revalidateAll = () => {
    documents.invalidate();
    for (const d of documents.all()) diagnostics.update(d);
  };
  const models = new ModelSnapshot(() => backend()?.listModels() ?? null, revalidateAll, logger);
  const files = new FileStats(revalidateAll, logger);
  const fileLookup = (uri: string) => {
    const path = pathOf(uri);
    if (!path) return undefined;
    return (rel: string) => {
      const abs = resolve(dirname(path), rel);
      const kind = files.kind(abs);
      return kind && { path: abs, kind };
    };
  };
  const isPrompt = (uri: string, languageId?: string) => languageId === PROMPT_LANGUAGE_ID || uri.endsWith(".prompt");
  const requests = new PromptRequests(rpc, documents, ws, logger, (m) => void connection.window.showWarningMessage(m));
  const compare = new CompareRequests(rpc, ws, logger, (uri) => requests.source(uri));

  connection.onDidOpenTextDocument(({ textDocument: t }) => {
    if (!isPrompt(t.uri, t.languageId)) return;
    diagnostics.update(documents.open(t.uri, t.version, t.text));
    // A partial's text feeds the checks of the prompts that include it.
    if (isPartialUri(t.uri)) revalidateAll();
  });
  connection.onDidChangeTextDocument(({ textDocument: t, contentChanges }) => {
    const doc = documents.change(t.uri, t.version, contentChanges);
    if (!doc) return;
    if (isPartialUri(t.uri)) revalidateAll();
    else diagnostics.update(doc);
  });
  connection.onDidCloseTextDocument(({ textDocument: t }) => {
    if (!documents.get(t.uri)) return;
    documents.close(t.uri);
    diagnostics.clear(t.uri);
  });
  connection.onDidSaveTextDocument(({ textDocument: t }) => requests.saved(t.uri, backend()));
  connection.onDidChangeWatchedFiles(() => {
    // Partial files are kept while their stat holds (prompts/workspace.ts); a client's word that files changed drops them.
    clearPartialFiles();
    files.clear();
    revalidateAll();
  });

  const withAnalysis = <T>(uri: string, none: T, f: (a: PromptAnalysis) => T): T => {
    const doc = documents.get(uri);
    return doc ? f(documents.analysis(doc)) : none;
  };
  connection.onCodeAction(({ textDocument, range }) => withAnalysis(textDocument.uri, [], (a) => codeActions(textDocument.uri, a, range)));
  /** Cloud models for completion: the price table's, saying whether their provider can be asked. */
  const cloudModels = () => {
    const gateway = backend()?.gateway;
    if (!gateway) return [];
    return gateway.prices.cloudModels().flatMap(({ id, price, limits }) => {
      const provider = id.slice(0, id.indexOf("/"));
      if (!familyOf(provider)) return []; // a price for a provider Faro cannot route to
      const ready = gateway.canAsk(provider) ? "" : ` · no ${provider} key yet`;
      const window = limits ? ` · ${limits.context} ctx` : "";
      return [{ id, detail: `${provider} (cloud)${window} · $${price.input} in / $${price.output} out per million tokens${ready}` }];
    });
  };
  const inFrontmatter = (a: PromptAnalysis, offset: number) => a.doc.frontmatter !== null && offset <= a.doc.frontmatter.span.end;
  connection.onCompletion(async ({ textDocument, position }) => {
    // Right after start the model list is still on its way: a model completion without it would offer no local model.
    if (models.models === null && withAnalysis(textDocument.uri, false, (a) => inFrontmatter(a, a.doc.lines.offsetAt(position)))) {
      await models.known(FIRST_MODELS_WAIT_MS);
    }
    return withAnalysis(textDocument.uri, [], (a) =>
      complete(a, a.doc.lines.offsetAt(position), { models: models.models, defaultModel: models.defaultModel, partials: () => ws.partialNames(textDocument.uri), aliases: models.aliases, cloud: cloudModels }),
    );
  });
  const price = (provider: string, model: string) => backend()?.gateway.prices.find(provider, model) ?? null;
  const limits = (provider: string, model: string) => backend()?.gateway.prices.limits(provider, model) ?? null;
  connection.onHover(({ textDocument, position }) =>
    withAnalysis(textDocument.uri, null, (a) => hover(a, a.doc.lines.offsetAt(position), { models: models.models, defaultModel: models.defaultModel, price, limits })),
  );
  connection.onDocumentSymbol(({ textDocument }) => withAnalysis(textDocument.uri, [], documentSymbols));
  connection.onFoldingRanges(({ textDocument }) => withAnalysis(textDocument.uri, [], foldingRanges));
  connection.onCodeLens(({ textDocument }) => withAnalysis(textDocument.uri, [], (a) => codeLenses(textDocument.uri, a)));

  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      completionProvider: { triggerCharacters: ["{", "#", "/", ">", " ", ":", "\"", "'", "-", "["] },
      hoverProvider: true,
      documentSymbolProvider: true,
      foldingRangeProvider: true,
      codeLensProvider: { resolveProvider: false },
    },
    initialize(params) {
      ws.initialize(params);
      models.start();
      files.start();
    },
    async dispose() {
      requests.dispose();
      await compare.dispose();
      models.dispose();
      files.dispose();
      diagnostics.dispose();
      await tokenizers?.dispose();
    },
  };
}

function isPartialUri(uri: string): boolean {
  return /\/_[^/]*\.prompt$/.test(uri);
}
