/**
 * The `faro/compare/*` requests: validates a comparison's spec, turns it into columns (models
 * or recorded versions of a `.prompt`, or one raw message), and hands them to the Comparer;
 * lists, reads and marks winners of saved comparisons.
 */
import { z } from "zod";
import type { Backend } from "../backend";
import { badRequest, FaroError } from "../errors";
import { chatCompletionRequestSchema, parseBody, type ChatCompletionRequest } from "../gateway/schema";
import type { Logger } from "../logger";
import { preparePromptRun, type PreparedRun } from "../prompts/prepare";
import type { CompareEvent, CompareStartParams } from "../protocol";
import { ComparisonStore } from "../store/comparisons";
import { sourceHash } from "../store/promptVersions";
import { Comparer, type ComparePlan, type PlannedColumn } from "../compare/comparer";
import type { Rpc } from "./features";
import type { LspWorkspace } from "./workspace";

export const MAX_COLUMNS = 8;
export const MAX_REPEATS = 10;

const startSchema = z.strictObject({
  uri: z.string().min(1).optional(),
  message: z.string().min(1).optional(),
  models: z.array(z.string().min(1)).optional(),
  versions: z.array(z.number().int().positive()).optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
  repeats: z.number().int().min(1).max(MAX_REPEATS).optional(),
  maxTokens: z.number().int().positive().optional(),
  title: z.string().max(200).optional(),
});

export class CompareRequests {
  /** The comparer and store of the one backend (a new backend gets new ones). */
  private current: { backend: Backend; comparer: Comparer; store: ComparisonStore } | null = null;
  private readonly notify: (e: CompareEvent) => void;

  constructor(
    rpc: Rpc,
    private readonly ws: LspWorkspace,
    private readonly logger: Logger,
    /** The editor's text of a `.prompt`, else the file's. */
    private readonly source: (uri: string) => Promise<string>,
  ) {
    const notify = rpc.notify;
    this.notify = (e) => notify("faro/compare/event", e);
    rpc.onRequest("faro/compare/start", async (p, b) => this.of(b).comparer.start(await this.plan(parseBody(startSchema, p ?? {}), b)));
    rpc.onRequest("faro/compare/cancel", async ({ comparisonId }, b) => ({ cancelled: this.of(b).comparer.cancel(comparisonId) }));
    rpc.onRequest("faro/compare/list", async ({ limit, promptId }, b) => ({ comparisons: this.of(b).store.list(Math.min(Math.max(limit ?? 50, 1), 500), promptId) }));
    rpc.onRequest("faro/compare/get", async ({ comparisonId }, b) => this.of(b).store.get(comparisonId));
    rpc.onRequest("faro/compare/setWinner", async ({ comparisonId, column }, b) => {
      const store = this.of(b).store;
      if (column === null) return store.setWinner(comparisonId, null);
      const c = store.get(comparisonId);
      const col = c.columns[column];
      if (!col) throw badRequest(`Comparison '${comparisonId}' has ${c.columns.length} columns; there is no column ${column}.`, "column", "invalid_value");
      return store.setWinner(comparisonId, col.label);
    });
  }

  /** Cancels running comparisons; each is saved as cancelled. */
  async dispose(): Promise<void> {
    await this.current?.comparer.dispose();
  }

  private of(b: Backend): { comparer: Comparer; store: ComparisonStore } {
    if (this.current?.backend !== b) {
      const store = new ComparisonStore(b.db);
      this.current = { backend: b, store, comparer: new Comparer({ gateway: b.gateway, requestLog: b.requestLog, store }, this.notify, this.logger) };
    }
    return this.current;
  }

  private async plan(p: CompareStartParams, b: Backend): Promise<ComparePlan> {
    const models = p.models ?? [];
    const versions = p.versions ?? [];
    if (p.uri && p.message) throw badRequest("Give either 'uri' (a .prompt) or 'message', not both.", "message", "invalid_value");
    if (!p.uri && !p.message) throw badRequest("'uri' (a .prompt) or 'message' is required.", "uri", "missing_required_parameter");
    if (versions.length > 0 && !p.uri) throw badRequest("'versions' compares versions of a .prompt: 'uri' is required.", "uri", "missing_required_parameter");
    if (versions.length > 0 && models.length > 1) throw badRequest("Compare either models or versions: with 'versions', give at most one model.", "models", "invalid_value");
    const count = versions.length || models.length;
    if (count === 0) throw badRequest("Nothing to compare: give 'models' or 'versions'.", "models", "missing_required_parameter");
    if (count > MAX_COLUMNS) throw badRequest(`At most ${MAX_COLUMNS} columns can be compared at once (got ${count}).`, versions.length ? "versions" : "models", "invalid_value");
    const labels = versions.length ? versions.map((v) => `v${v}`) : models;
    const dup = labels.find((l, i) => labels.indexOf(l) !== i);
    if (dup) throw badRequest(`'${dup}' is listed twice.`, versions.length ? "versions" : "models", "invalid_value");
    const withCap = (prepared: Pick<PreparedRun, "request" | "priority">) => {
      if (p.maxTokens !== undefined) prepared.request = { ...prepared.request, max_tokens: p.maxTokens, max_completion_tokens: undefined };
      return prepared;
    };
    const repeats = p.repeats ?? 1;

    if (!p.uri) {
      const message = p.message!;
      const columns: PlannedColumn[] = models.map((model, index) => ({
        index, label: model, model, version: null,
        prepare: async () => withCap({ request: rawRequest(model, message), priority: null }),
      }));
      return { title: p.title ?? `"${ellipsis(message, 40)}" on ${labels.join(" vs ")}`, promptId: null, spec: p, repeats, columns };
    }

    const uri = p.uri;
    const promptId = this.ws.promptId(uri);
    const choices = await b.gateway.modelChoices();
    const partials = this.ws.partials(uri);
    const variables = p.variables ?? {};
    const prepare = (source: string, model: string | null) => async () =>
      withCap(await preparePromptRun({ ...choices, source, promptId, variables, model, partials }));
    let columns: PlannedColumn[];
    if (versions.length > 0) {
      const model = models[0] ?? null;
      columns = versions.map((version, index) => {
        const v = withParam("versions", () => b.prompts.resolve(promptId, { version }, "uri"));
        return { index, label: `v${version}`, model, version, prepare: prepare(v.source, model) };
      });
    } else {
      const source = await this.source(uri);
      const latest = b.prompts.latest(promptId);
      const version = latest && latest.hash === sourceHash(source) ? latest.version : null;
      columns = models.map((model, index) => ({ index, label: model, model, version, prepare: prepare(source, model) }));
    }
    return { title: p.title ?? `${promptId}: ${labels.join(" vs ")}`, promptId, spec: p, repeats, columns };
  }
}

/** Runs `f`, naming `param` in a FaroError it throws about a version (it says `version`). */
function withParam<T>(param: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof FaroError && err.param === "version") throw new FaroError(err.message, { status: err.status, type: err.type, code: err.code, param, cause: err });
    throw err;
  }
}

function rawRequest(model: string, message: string): ChatCompletionRequest {
  return parseBody(chatCompletionRequestSchema, { model, messages: [{ role: "user", content: message }] });
}

function ellipsis(s: string, n: number): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}
