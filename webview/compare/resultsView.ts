/**
 * Renders a comparison: one column per model or version with TTFT, latency, tokens in/out,
 * tokens/s, cost and finish reason (median with min–max over k runs), each run's answer as it
 * streams, errors in place, and a button to mark the winner. Every control has an id, so the
 * view's re-render puts the keyboard focus back where it was.
 */
import { h } from "./dom";
import type { ColumnView, ComparisonView } from "./model";
import { columnStats, formatSpread, METRICS } from "./stats";

export interface ResultsActions {
  markWinner(column: number | null): void;
  exportAs(format: "markdown" | "csv"): void;
  cancel(): void;
}

const METRIC_CLASS: Record<string, string> = { ttftMs: "ttft", latencyMs: "latency", tokensIn: "tokens-in", tokensOut: "tokens-out", tokensPerSecond: "tps", costUsd: "cost" };

export function renderResults(view: ComparisonView, actions: ResultsActions): HTMLElement {
  const running = view.status === "running";
  const status = running ? "Running…" : view.status === "cancelled" ? "Cancelled" : "Done";
  return h("section", { class: "results", "aria-label": "Comparison results" },
    h("div", { class: "results-head" },
      h("h2", {}, view.title),
      h("span", { class: `status status-${view.status}`, role: "status" }, running ? h("vscode-progress-ring", { class: "ring" }) : null, status),
      h("span", { class: "spacer" }),
      running ? h("vscode-button", { id: "cancel", appearance: "secondary", class: "cancel", onclick: () => actions.cancel() }, "Cancel") : null,
      h("vscode-button", { id: "export-md", appearance: "secondary", class: "export-md", disabled: running, onclick: () => actions.exportAs("markdown") }, "Export Markdown"),
      h("vscode-button", { id: "export-csv", appearance: "secondary", class: "export-csv", disabled: running, onclick: () => actions.exportAs("csv") }, "Export CSV"),
    ),
    h("div", { class: "columns", role: "list" }, ...view.columns.map((c) => renderColumn(view, c, actions))),
  );
}

function renderColumn(view: ComparisonView, col: ColumnView, actions: ResultsActions): HTMLElement {
  const stats = columnStats(col);
  const isWinner = view.winner === col.label;
  const rows = METRICS.map((m) =>
    h("tr", { class: `metric metric-${METRIC_CLASS[m.key]}` }, h("th", { scope: "row" }, m.label), h("td", {}, formatSpread(stats.metrics[m.key], m.unit))));
  rows.push(h("tr", { class: "metric metric-finish" }, h("th", { scope: "row" }, "Finish"), h("td", {}, stats.finishReasons.join(", ") || "—")));
  const spreadNote = view.repeats > 1 ? h("p", { class: "note" }, `${stats.done} of ${view.repeats} runs done${stats.errors ? `, ${stats.errors} failed` : ""}; median (min–max)`) : null;
  return h("article", { class: `column${isWinner ? " winner" : ""}`, role: "listitem", "data-label": col.label, "aria-label": col.label },
    h("header", {},
      h("h3", {}, col.label),
      isWinner ? h("vscode-badge", { class: "winner-badge" }, "Winner") : null,
      h("span", { class: "spacer" }),
      view.status === "running" ? null : h("vscode-button", {
        id: `winner-${col.index}`,
        appearance: isWinner ? "secondary" : "primary",
        class: "mark-winner",
        onclick: () => actions.markWinner(isWinner ? null : col.index),
      }, isWinner ? "Clear winner" : "Mark winner"),
    ),
    h("table", { class: "metrics" }, h("tbody", {}, ...rows)),
    spreadNote,
    ...col.runs.map((run, i) => {
      const label = view.repeats > 1 ? `Run ${i + 1}` : "Answer";
      if (run.error) {
        return h("div", { class: "run run-error", role: "alert" },
          h("h4", {}, label),
          h("p", { class: "error" }, `Error ${run.error.status}${run.error.code ? ` (${run.error.code})` : ""}: ${run.error.message}`));
      }
      return h("div", { class: `run${run.result ? " run-done" : " run-streaming"}` },
        h("h4", {}, label, run.result ? ` · ${run.result.finishReason}` : " · streaming…"),
        h("pre", { class: "answer", tabindex: "0" }, run.text || (run.result ? "(empty answer)" : "")));
    }),
  );
}
