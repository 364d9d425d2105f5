/**
 * Runs comparisons: every column at once, each column's k runs one after another (so they do
 * not slow each other down), through the prompt runner. Streams faro/compare/event
 * notifications keyed by comparison id, column and run, puts an error in place of a run that
 * failed, and saves the comparison when it starts and when it ends. Cancellable.
 */
import { randomUUID } from "node:crypto";
import { FaroError, messageOf } from "../errors";
import type { Logger } from "../logger";
import type { CompareColumn, CompareEvent, CompareRun, CompareRunError, CompareRunResult, CompareStarted, CompareStartParams, Comparison } from "../protocol";
import type { PreparedRun } from "../prompts/prepare";
import { executePromptRun, type RunOutcome } from "../prompts/runner";
import type { ComparisonStore } from "../store/comparisons";
import type { Gateway } from "../gateway/gateway";
import type { RequestLog } from "../store/requestLog";

/** A column ready to run: how to build its request (which may fail, e.g. a missing variable). */
export interface PlannedColumn extends CompareColumn {
  prepare: () => Promise<Pick<PreparedRun, "request" | "priority">>;
}

export interface ComparePlan {
  title: string;
  promptId: string | null;
  spec: CompareStartParams;
  repeats: number;
  columns: PlannedColumn[];
}

export interface ComparerDeps {
  gateway: Gateway;
  requestLog: RequestLog;
  store: ComparisonStore;
}

export class Comparer {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(
    private readonly deps: ComparerDeps,
    private readonly notify: (e: CompareEvent) => void,
    private readonly logger: Logger,
  ) {}

  /** Saves the comparison and starts its runs after this returns (so the reply goes out first). */
  start(plan: ComparePlan): CompareStarted {
    const comparison: Comparison = {
      id: `cmp-${randomUUID().replaceAll("-", "")}`,
      createdAt: Date.now(),
      title: plan.title,
      promptId: plan.promptId,
      spec: plan.spec,
      status: "running",
      columns: plan.columns.map(({ index, label, model, version }) => ({ index, label, model, version, runs: [] })),
      winner: null,
    };
    this.deps.store.insert(comparison);
    const controller = new AbortController();
    const done = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => Promise.all(plan.columns.map((c) => this.runColumn(comparison, c, plan.repeats, controller.signal))))
      .then(() => this.finish(comparison, controller.signal.aborted ? "cancelled" : "done"))
      .catch((err: unknown) => {
        this.logger.error(`comparison ${comparison.id} failed: ${err instanceof Error ? err.stack : String(err)}`);
        this.finish(comparison, "cancelled");
      })
      .finally(() => this.running.delete(comparison.id));
    this.running.set(comparison.id, { controller, done });
    return {
      comparisonId: comparison.id,
      title: comparison.title,
      promptId: comparison.promptId,
      columns: plan.columns.map(({ index, label, model, version }) => ({ index, label, model, version })),
      repeats: plan.repeats,
    };
  }

  cancel(id: string): boolean {
    const r = this.running.get(id);
    r?.controller.abort();
    return Boolean(r);
  }

  /** Cancels every running comparison and waits until each is saved. */
  async dispose(): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort();
    await Promise.all(all.map((r) => r.done));
  }

  private async runColumn(comparison: Comparison, column: PlannedColumn, repeats: number, signal: AbortSignal): Promise<void> {
    const runs = comparison.columns[column.index]!.runs;
    const base = { comparisonId: comparison.id, column: column.index };
    let prepared: Pick<PreparedRun, "request" | "priority"> | null = null;
    for (let run = 0; run < repeats && !signal.aborted; run++) {
      let entry: CompareRun;
      try {
        prepared ??= await column.prepare();
        const outcome = await executePromptRun(
          this.deps,
          prepared,
          { promptId: comparison.promptId, version: column.version, route: "LSP faro/compare/start" },
          signal,
          (text) => this.notify({ ...base, run, type: "text", text }),
        );
        entry = { ok: true, result: toResult(outcome) };
        this.notify({ ...base, run, type: "done", result: entry.result });
      } catch (err) {
        const error = toRunError(err);
        if (error.status === 500 && !(err instanceof FaroError)) this.logger.error(`comparison ${comparison.id} column ${column.label}: ${err instanceof Error ? err.stack : String(err)}`);
        entry = { ok: false, error };
        this.notify({ ...base, run, type: "error", error });
      }
      runs.push(entry);
      // A request the gateway refused (unknown model, bad prompt) would be refused again.
      if (!entry.ok && entry.error.status >= 400 && entry.error.status < 500) break;
    }
  }

  private finish(comparison: Comparison, status: "done" | "cancelled"): void {
    comparison.status = status;
    try {
      this.deps.store.update(comparison);
    } catch (err) {
      this.logger.error(`could not save comparison ${comparison.id}: ${messageOf(err)}`);
    }
    this.notify({ comparisonId: comparison.id, type: "finished", status });
  }
}

function toResult(o: RunOutcome): CompareRunResult {
  const tokensOut = o.usage?.completion_tokens ?? null;
  return {
    requestId: o.requestId,
    model: o.model,
    provider: o.provider,
    text: o.text,
    finishReason: o.finishReason === "abort" ? "cancelled" : o.finishReason,
    ttftMs: o.ttftMs,
    latencyMs: o.latencyMs,
    tokensIn: o.usage?.prompt_tokens ?? null,
    tokensOut,
    tokensPerSecond: tokensPerSecond(tokensOut, o.latencyMs, o.ttftMs),
    costUsd: o.costUsd,
  };
}

/**
 * Decode speed: the tokens after the first over the time after the first token, which leaves
 * queueing and prompt processing out; the whole latency when there is no such interval.
 */
export function tokensPerSecond(tokensOut: number | null, latencyMs: number, ttftMs: number | null): number | null {
  if (tokensOut === null || tokensOut === 0) return null;
  if (ttftMs !== null && tokensOut > 1 && latencyMs - ttftMs > 0) return ((tokensOut - 1) * 1000) / (latencyMs - ttftMs);
  return latencyMs > 0 ? (tokensOut * 1000) / latencyMs : null;
}

function toRunError(err: unknown): CompareRunError {
  if (err instanceof FaroError) return { message: err.message, code: err.code, status: err.status };
  return { message: messageOf(err), code: "internal_error", status: 500 };
}
