/**
 * The `faro/prompt/*` requests: runs streamed as notifications keyed by a run id (and
 * cancellable), history, versions, labels, datasets; and a version recorded on every save
 * that changed the prompt.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { badRequest, FaroError, messageOf } from "../errors";
import type { Logger } from "../logger";
import { loadDataset } from "../prompts/dataset";
import { isMap } from "yaml";
import { findPair, parsePromptDocument, topPair } from "../prompts/document";
import { checkSchema } from "../prompts/schemaCheck";
import { preparePromptRun } from "../prompts/prepare";
import { executePromptRun } from "../prompts/runner";
import { sourceHash } from "../store/promptVersions";
import type { Backend } from "../backend";
import type { PromptInputsResult, PromptRunParams, PromptRunStarted } from "../protocol";
import type { PromptDocuments } from "./documents";
import type { Rpc } from "./features";
import { pathOf, type LspWorkspace } from "./workspace";

export class PromptRequests {
  private readonly runs = new Map<string, AbortController>();

  constructor(
    private readonly rpc: Rpc,
    private readonly documents: PromptDocuments,
    private readonly ws: LspWorkspace,
    private readonly logger: Logger,
    private readonly showWarning: (message: string) => void,
  ) {
    rpc.onRequest("faro/prompt/run", (p, b) => this.run(p, b));
    rpc.onRequest("faro/prompt/cancel", async ({ runId }) => {
      const c = this.runs.get(runId);
      c?.abort();
      return { cancelled: Boolean(c) };
    });
    rpc.onRequest("faro/prompt/history", async (p, b) => b.prompts.history(p.promptId ?? this.ws.promptId(required(p.uri, "uri"))));
    rpc.onRequest("faro/prompt/version", async ({ promptId, version }, b) => {
      const v = b.prompts.resolve(promptId, { version });
      return { promptId: v.promptId, version: v.version, hash: v.hash, createdAt: v.createdAt, source: v.source };
    });
    rpc.onRequest("faro/prompt/label", async ({ promptId, label, version }, b) => b.prompts.setLabel(promptId, label, version));
    rpc.onRequest("faro/prompt/list", async (_p, b) => ({ prompts: b.prompts.list() }));
    rpc.onRequest("faro/prompt/inputs", async ({ uri }) => this.inputs(uri, await this.source(uri)));
    rpc.onRequest("faro/prompt/recordSave", async ({ uri, text }, b) => {
      const promptId = this.ws.promptId(required(uri, "uri"));
      if (typeof text !== "string") throw badRequest("'text' must be the saved text of the prompt.", "text", "invalid_value");
      const { version, created } = this.record(promptId, text, b);
      return { promptId, version: version.version, created };
    });
  }

  /** Records the saved text as a version when it changed; tells the editor. */
  saved(uri: string, backend: Backend | null): void {
    const doc = this.documents.get(uri);
    if (!doc || !backend) return;
    const promptId = this.ws.promptId(uri);
    try {
      this.record(promptId, doc.text, backend);
    } catch (err) {
      // An id Faro cannot store (e.g. odd characters in the file name): say so, keep editing.
      this.logger.warn(`could not record a version of ${uri}: ${messageOf(err)}`);
      this.showWarning(`Faro did not record a version of this prompt: ${messageOf(err)}`);
    }
  }

  dispose(): void {
    for (const c of this.runs.values()) c.abort();
  }

  private record(promptId: string, text: string, backend: Backend) {
    const recorded = backend.prompts.record(promptId, text);
    if (recorded.created) this.rpc.notify("faro/prompt/versionsChanged", { promptId, version: recorded.version.version });
    return recorded;
  }

  private async run(p: PromptRunParams, b: Backend): Promise<PromptRunStarted> {
    const uri = required(p.uri, "uri");
    const promptId = this.ws.promptId(uri);
    const runId = p.runId ?? randomUUID();
    if (this.runs.has(runId)) throw badRequest(`A run with id '${runId}' is already going.`, "runId", "duplicate_run_id");
    let source: string;
    let version: number | null;
    if (p.version != null || p.label != null) {
      const v = b.prompts.resolve(promptId, { version: p.version ?? null, label: p.label ?? null });
      source = v.source;
      version = v.version;
    } else {
      source = await this.source(uri);
      const latest = b.prompts.latest(promptId);
      version = latest && latest.hash === sourceHash(source) ? latest.version : null;
    }
    let variables = p.variables ?? {};
    if (p.datasetRow != null) {
      const { rows, file } = this.dataset(uri, source);
      const row = rows[p.datasetRow];
      if (!row) throw badRequest(`The dataset ${file ?? "(none)"} has ${rows.length} rows; there is no row ${p.datasetRow}.`, "datasetRow", "invalid_value");
      variables = { ...row, ...variables };
    }
    const prepared = await preparePromptRun({ ...(await b.gateway.modelChoices()), source, promptId, variables, model: p.model ?? null, partials: this.ws.partials(uri) });

    const controller = new AbortController();
    this.runs.set(runId, controller);
    const notify = this.rpc.notify;
    // Started after this reply is on its way; the client may also have chosen the runId itself.
    setImmediate(() => {
      executePromptRun(b, prepared, { promptId, version, route: "LSP faro/prompt/run" }, controller.signal, (text) => notify("faro/prompt/runEvent", { runId, type: "text", text }))
        .then((o) => {
          const finishReason = o.finishReason === "abort" ? "cancelled" : o.finishReason;
          notify("faro/prompt/runEvent", { runId, type: "done", requestId: o.requestId, model: o.model, provider: o.provider, finishReason, toolCalls: o.toolCalls, usage: o.usage, latencyMs: o.latencyMs, ttftMs: o.ttftMs, costUsd: o.costUsd });
        })
        .catch((err: unknown) => {
          const e = err instanceof FaroError ? err : null;
          if (!e) this.logger.error(`prompt run ${runId} failed: ${err instanceof Error ? err.stack : String(err)}`);
          notify("faro/prompt/runEvent", { runId, type: "error", message: messageOf(err), code: e?.code ?? "internal_error", status: e?.status ?? 500 });
        })
        .finally(() => this.runs.delete(runId));
    });
    return { runId, promptId, version, model: prepared.request.model };
  }

  /** The editor's text when open, else the file on disk. */
  async source(uri: string): Promise<string> {
    const open = this.documents.get(uri);
    if (open) return open.text;
    const path = pathOf(uri);
    if (!path) throw badRequest(`'${uri}' is neither open in the editor nor a file.`, "uri", "invalid_value");
    try {
      return await readFile(path, "utf8");
    } catch (err) {
      throw badRequest(`Cannot read ${path}: ${messageOf(err)}`, "uri", "invalid_value");
    }
  }

  private inputs(uri: string, source: string): PromptInputsResult {
    const doc = parsePromptDocument(source);
    const fm = doc.frontmatter;
    const input = fm && !fm.hasErrors ? topPair(fm, "input")?.value : null;
    const declared = fm && input ? (checkSchema(fm, findPair(input, "schema")?.value).variables ?? []) : [];
    const defaultsNode = findPair(input, "default")?.value;
    const defaults = isMap(defaultsNode) ? (defaultsNode.toJSON() as Record<string, unknown>) : {};
    const variables = declared.map((d) => ({ name: d.name, type: d.type, optional: d.optional, description: d.description, ...(d.name in defaults ? { default: defaults[d.name] } : {}) }));
    const { file, rows } = this.dataset(uri, source);
    return { variables, datasetFile: file, rows };
  }

  private dataset(uri: string, source: string): { file: string | null; rows: Array<Record<string, unknown>> } {
    const data = parsePromptDocument(source).frontmatter?.data as Record<string, unknown> | undefined;
    const rel = data?.["faro.dataset"];
    const path = pathOf(uri);
    if (typeof rel !== "string" || !path) return { file: null, rows: [] };
    return loadDataset(path, rel);
  }
}

function required(value: string | undefined, name: string): string {
  if (!value) throw badRequest(`'${name}' is required.`, name, "missing_required_parameter");
  return value;
}
