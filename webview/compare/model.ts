/**
 * The comparison as the Compare view shows it, built from faro/compare/start's reply and the
 * faro/compare/event stream (or from a saved comparison). DOM-free: the extension keeps the
 * same model for a hidden panel, and unit tests drive it directly.
 */
import type { CompareColumn, CompareEvent, CompareRunError, CompareRunResult, CompareStarted, CompareStatus, Comparison } from "../../server/protocol";

export interface RunView {
  /** The answer so far (the whole answer once the run is done). */
  text: string;
  result: CompareRunResult | null;
  error: CompareRunError | null;
}

export interface ColumnView extends CompareColumn {
  runs: RunView[];
}

export interface ComparisonView {
  id: string;
  title: string;
  promptId: string | null;
  createdAt: number;
  repeats: number;
  status: CompareStatus;
  columns: ColumnView[];
  winner: string | null;
}

export function fromStarted(s: CompareStarted, createdAt: number): ComparisonView {
  return {
    id: s.comparisonId,
    title: s.title,
    promptId: s.promptId,
    createdAt,
    repeats: s.repeats,
    status: "running",
    columns: s.columns.map((c) => ({ ...c, runs: [] })),
    winner: null,
  };
}

export function fromSaved(c: Comparison): ComparisonView {
  return {
    id: c.id,
    title: c.title,
    promptId: c.promptId,
    createdAt: c.createdAt,
    repeats: c.spec.repeats ?? 1,
    status: c.status,
    columns: c.columns.map(({ runs, ...col }) => ({
      ...col,
      runs: runs.map((r) => (r.ok ? { text: r.result.text, result: r.result, error: null } : { text: "", result: null, error: r.error })),
    })),
    winner: c.winner,
  };
}

/** Applies one event to `view` (in place); events of other comparisons are ignored. Returns whether it changed. */
export function applyEvent(view: ComparisonView, e: CompareEvent): boolean {
  if (e.comparisonId !== view.id) return false;
  if (e.type === "finished") {
    view.status = e.status;
    return true;
  }
  const col = view.columns[e.column];
  if (!col) return false;
  while (col.runs.length <= e.run) col.runs.push({ text: "", result: null, error: null });
  const run = col.runs[e.run]!;
  if (e.type === "text") run.text += e.text;
  else if (e.type === "done") {
    run.result = e.result;
    run.text = e.result.text;
  } else run.error = e.error;
  return true;
}

/** The column a winner label names, if any. */
export function winnerColumn(view: ComparisonView): ColumnView | null {
  return view.columns.find((c) => c.label === view.winner) ?? null;
}
