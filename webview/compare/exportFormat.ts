/** A comparison as Markdown (a metrics table and the answers) or CSV (one row per run). DOM-free. */
import type { ComparisonView } from "./model";
import { columnStats, formatSpread, METRICS } from "./stats";

const CSV_HEADER = ["comparison", "title", "column", "model", "version", "run", "ttft_ms", "latency_ms", "tokens_in", "tokens_out", "tokens_per_s", "cost_usd", "finish_reason", "error", "winner", "answer"];

/** RFC 4180: quote fields with a comma, quote or line break; double the quotes. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return "";
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(view: ComparisonView): string {
  const rows = [CSV_HEADER];
  for (const col of view.columns) {
    col.runs.forEach((run, i) => {
      const r = run.result;
      rows.push([
        view.id, view.title, col.label, r?.model ?? col.model ?? "", col.version === null ? "" : String(col.version), String(i + 1),
        num(r?.ttftMs), num(r?.latencyMs), num(r?.tokensIn), num(r?.tokensOut), num(r?.tokensPerSecond), num(r?.costUsd),
        r?.finishReason ?? "", run.error ? `${run.error.status} ${run.error.code ?? ""}: ${run.error.message}`.replace(/ :/, ":") : "",
        String(view.winner === col.label), run.text,
      ].map(csvField));
    });
  }
  return rows.map((r) => r.join(",")).join("\r\n") + "\r\n";
}

const num = (v: number | null | undefined) => (v === null || v === undefined ? "" : String(Math.round(v * 1000) / 1000));

/** Markdown table cells: pipes escaped, line breaks as <br>. */
function cell(s: string): string {
  return s.replaceAll("|", "\\|").replace(/\r?\n/g, "<br>");
}

export function toMarkdown(view: ComparisonView): string {
  const lines = [`# ${view.title}`, "", `${new Date(view.createdAt).toISOString()} · ${view.repeats} run${view.repeats === 1 ? "" : "s"} per column · ${view.status}${view.winner ? ` · winner: **${view.winner}**` : ""}`, ""];
  const stats = view.columns.map(columnStats);
  lines.push(`| | ${view.columns.map((c) => cell(c.label + (c.label === view.winner ? " 🏆" : ""))).join(" | ")} |`);
  lines.push(`|---|${view.columns.map(() => "---").join("|")}|`);
  for (const m of METRICS) lines.push(`| ${m.label} | ${stats.map((s) => cell(formatSpread(s.metrics[m.key], m.unit))).join(" | ")} |`);
  lines.push(`| Finish | ${stats.map((s) => cell(s.finishReasons.join(", ") || "—")).join(" | ")} |`);
  lines.push(`| Errors | ${stats.map((s) => String(s.errors)).join(" | ")} |`);
  for (const col of view.columns) {
    lines.push("", `## ${col.label}`);
    col.runs.forEach((run, i) => {
      lines.push("", view.repeats > 1 ? `### Run ${i + 1}` : "");
      if (run.error) lines.push(`> Error ${run.error.status}${run.error.code ? ` (${run.error.code})` : ""}: ${run.error.message}`);
      else lines.push(fence(run.text));
    });
  }
  return lines.filter((l, i, all) => !(l === "" && all[i - 1] === "")).join("\n") + "\n";
}

/** A code fence longer than any backtick run inside the text. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = "`".repeat(longest + 1);
  return `${f}text\n${text}\n${f}`;
}
