/**
 * Runs a prepared prompt through the gateway, as the editor's Run and `faro run` do: streams
 * the answer's text to a callback, measures latency and time to first token, and writes the
 * request log row with the prompt's id and version.
 */
import { randomUUID } from "node:crypto";
import { FaroError, messageOf } from "../errors";
import type { Gateway } from "../gateway/gateway";
import { openRecord, type RequestRecord } from "../gateway/requestRecord";
import type { ToolCall, Usage } from "../providers/types";
import type { RequestLog } from "../store/requestLog";
import type { PreparedRun } from "./prepare";

export interface RunOutcome {
  requestId: string;
  model: string | null;
  provider: string | null;
  text: string;
  /** The tools the model called (the prompt's `tools`), in order; their arguments are JSON text. */
  toolCalls: ToolCall[];
  /** stop, length, tool_calls, or abort when cancelled. */
  finishReason: string;
  usage: Usage | null;
  latencyMs: number;
  ttftMs: number | null;
  /** From the price table (gateway/pricing): local 0 unless priced; null when the model's price is unknown. */
  costUsd: number | null;
}

export interface RunTarget {
  /** Null for a raw message (a comparison without a prompt). */
  promptId: string | null;
  /** The stored version run, or null for unsaved text. */
  version: number | null;
  /** How the run was asked for, for the log (e.g. `LSP faro/prompt/run`, `CLI faro run`). */
  route: string;
}

/** Status written for a cancelled run, as for a client that went away. */
const CANCELLED_STATUS = 499;

export async function executePromptRun(
  deps: { gateway: Gateway; requestLog: RequestLog },
  prepared: Pick<PreparedRun, "request" | "priority">,
  target: RunTarget,
  signal: AbortSignal,
  onText: (text: string) => void,
): Promise<RunOutcome> {
  const id = `prun-${randomUUID().replaceAll("-", "")}`;
  const record: RequestRecord = openRecord(id, target.route);
  record.stream = true;
  let text = "";
  let finishReason = "stop";
  let usage: Usage | null = null;
  let status = 200;
  // Local models send whole calls; streaming providers send pieces keyed by callIndex.
  const toolCalls: ToolCall[] = [];
  try {
    const gen = await deps.gateway.chat(prepared.request, record, { signal, requestId: id, priority: prepared.priority });
    for await (const e of gen.events) {
      if (e.type === "text" && e.index === 0) {
        text += e.text;
        onText(e.text);
      } else if (e.type === "tool_calls" && e.index === 0) {
        toolCalls.push(...e.calls);
      } else if (e.type === "tool_call_delta" && e.index === 0) {
        const call = (toolCalls[e.callIndex] ??= { id: "", name: "", arguments: "" });
        if (e.id) call.id = e.id;
        if (e.name) call.name += e.name;
        call.arguments += e.arguments;
      } else if (e.type === "choice_end" && e.index === 0) {
        finishReason = e.finishReason;
      } else if (e.type === "usage") {
        usage = e.usage;
      }
    }
    if (finishReason === "abort") {
      status = CANCELLED_STATUS;
      record.error = "cancelled";
    }
  } catch (err) {
    status = err instanceof FaroError ? err.status : 500;
    record.error = messageOf(err);
    throw err;
  } finally {
    const latencyMs = performance.now() - record.startedAt;
    const row = () =>
      deps.requestLog.record({
        id,
        createdAt: record.createdAt,
        route: record.route,
        model: record.model,
        provider: record.provider,
        stream: true,
        status,
        latencyMs,
        ttftMs: record.ttftMs,
        promptTokens: record.promptTokens,
        completionTokens: record.completionTokens,
        finishReason: finishReason,
        error: record.error,
        promptId: target.promptId,
        promptVersion: target.version,
        costUsd: record.costUsd,
        cachedTokens: record.cachedTokens,
      });
    // An answer cut short is counted after the run has answered (its row waits, the editor does not).
    if (record.pending) void record.pending.then(row, (err: unknown) => ((record.error ??= `token count failed: ${messageOf(err)}`), row()));
    else row();
  }
  return {
    requestId: id,
    model: record.model,
    provider: record.provider,
    text,
    toolCalls: toolCalls.filter((c) => c !== undefined),
    finishReason,
    usage,
    latencyMs: performance.now() - record.startedAt,
    ttftMs: record.ttftMs,
    costUsd: record.costUsd,
  };
}
