/**
 * Text for the prompt commands, free of `vscode` so plain node:test covers it: version rows,
 * the URIs of recorded versions, values typed for variables, and the run/compare document.
 */
import type { PromptRunEvent, PromptVersionInfo } from "../server/protocol";

export const VERSION_SCHEME = "faro-prompt";
export const RUN_SCHEME = "faro-run";

/** `faro-prompt:/prompts/greet.prompt?version=3`: the path keeps the file name (and its language). */
export function versionUriParts(promptId: string, version: number): { path: string; query: string } {
  return { path: `/${promptId}.prompt`, query: `version=${version}` };
}

export function parseVersionUri(path: string, query: string): { promptId: string; version: number } {
  const version = Number(new URLSearchParams(query).get("version"));
  const promptId = path.replace(/^\//, "").replace(/\.prompt$/, "");
  if (!promptId || !Number.isInteger(version) || version < 1) throw new Error(`not a recorded prompt version: ${path}?${query}`);
  return { promptId, version };
}

export function relativeTime(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return "just now";
  const units: Array<[number, string]> = [[86400, "day"], [3600, "hour"], [60, "minute"]];
  for (const [size, name] of units) {
    if (s >= size) {
      const n = Math.floor(s / size);
      return `${n} ${name}${n === 1 ? "" : "s"} ago`;
    }
  }
  return "just now";
}

export function versionRow(v: PromptVersionInfo, now: number): { label: string; description: string; detail: string } {
  return {
    label: `v${v.version}`,
    description: v.labels.join(", "),
    detail: `saved ${relativeTime(v.createdAt, now)} · ${new Date(v.createdAt).toISOString().replace("T", " ").slice(0, 19)} · ${v.hash.slice(0, 8)}`,
  };
}

/**
 * What the user typed for a variable of this type: JSON when it parses (numbers, lists, objects),
 * else text. A string variable keeps the text as typed: "42" or "true" parsed as JSON would be
 * refused by the input.schema check as a number or a boolean.
 */
export function parseInputValue(text: string, type: string): unknown {
  if (type === "string") return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Most inputs are plain text, which is not JSON.
    return text;
  }
}

/** One model's run as the run document shows it. */
export interface RunEntry {
  title: string;
  text: string;
  end: PromptRunEvent | null;
}

export function runDocument(heading: string, entries: readonly RunEntry[]): string {
  const parts = [`# ${heading}`, ""];
  for (const e of entries) {
    const calls = e.end?.type === "done" ? e.end.toolCalls : [];
    const text = e.text || (e.end ? (calls.length ? null : "(no text)") : "…");
    parts.push(`## ${e.title}`, "", statusLine(e.end), "");
    if (text !== null) parts.push("```text", text, "```", "");
    for (const c of calls) parts.push(...toolCallBlock(c), "");
  }
  return parts.join("\n");
}

/** A tool call the model made: the tool's name and its arguments (pretty JSON when they parse). */
export function toolCallBlock(call: { id: string; name: string; arguments: string }): string[] {
  let args = call.arguments;
  try {
    args = JSON.stringify(JSON.parse(call.arguments), null, 2);
  } catch {
    // Not JSON (a model that broke the grammar): show what it sent, as sent.
  }
  return [`**Tool call** \`${call.name}\`${call.id ? ` (${call.id})` : ""}`, "", "```json", args, "```"];
}

export function statusLine(end: PromptRunEvent | null): string {
  if (!end) return "_running…_";
  if (end.type === "error") return `**Error** (${end.status}${end.code ? ` ${end.code}` : ""}): ${end.message}`;
  if (end.type !== "done") return "_running…_";
  const u = end.usage;
  const bits = [
    end.model ?? "?",
    `${(end.latencyMs / 1000).toFixed(2)} s`,
    end.ttftMs === null ? null : `first token ${Math.round(end.ttftMs)} ms`,
    u ? `${u.prompt_tokens} → ${u.completion_tokens} tokens` : null,
    end.costUsd === 0 ? "$0 (local)" : end.costUsd === null ? "cost unknown" : `$${end.costUsd.toFixed(6)}`,
    end.finishReason === "stop" ? null : end.finishReason,
  ];
  return bits.filter(Boolean).join(" · ");
}
