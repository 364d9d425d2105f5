/**
 * Comparisons in faro.db (migration 9): the spec a comparison was started with, its columns'
 * runs as JSON, its status and the winning column. Written when it starts and when it ends.
 */
import { notFound } from "../errors";
import type { CompareStartParams, CompareStatus, Comparison, ComparisonSummary } from "../protocol";
import type { Db } from "./db";

interface Row {
  id: string;
  created_at: number;
  prompt_id: string | null;
  title: string;
  spec: string;
  results: string;
  status: string;
  winner: string | null;
}

const toComparison = (r: Row): Comparison => ({
  id: r.id,
  createdAt: r.created_at,
  title: r.title,
  promptId: r.prompt_id,
  spec: JSON.parse(r.spec) as CompareStartParams,
  status: r.status as CompareStatus,
  columns: JSON.parse(r.results) as Comparison["columns"],
  winner: r.winner,
});

export class ComparisonStore {
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly winnerStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly listForPromptStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare<[string, number, string | null, string, string, string, string]>(
      "INSERT INTO comparisons (id, created_at, prompt_id, title, spec, results, status) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.updateStmt = db.prepare<[string, string, string]>("UPDATE comparisons SET results = ?, status = ? WHERE id = ?");
    this.winnerStmt = db.prepare<[string | null, string]>("UPDATE comparisons SET winner = ? WHERE id = ?");
    this.getStmt = db.prepare<[string], Row>("SELECT * FROM comparisons WHERE id = ?");
    this.listStmt = db.prepare<[number], Row>("SELECT * FROM comparisons ORDER BY created_at DESC, rowid DESC LIMIT ?");
    this.listForPromptStmt = db.prepare<[string, number], Row>("SELECT * FROM comparisons WHERE prompt_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?");
  }

  insert(c: Comparison): void {
    this.insertStmt.run(c.id, c.createdAt, c.promptId, c.title, JSON.stringify(c.spec), JSON.stringify(c.columns), c.status);
  }

  /** Saves the runs and status of a comparison that was inserted before. */
  update(c: Comparison): void {
    this.updateStmt.run(JSON.stringify(c.columns), c.status, c.id);
  }

  get(id: string): Comparison {
    const row = this.getStmt.get(id);
    if (!row) throw notFound(`There is no comparison '${id}'.`, "comparison_not_found", "comparisonId");
    return toComparison(row);
  }

  setWinner(id: string, label: string | null): Comparison {
    this.get(id);
    this.winnerStmt.run(label, id);
    return this.get(id);
  }

  list(limit: number, promptId?: string): ComparisonSummary[] {
    const rows = promptId ? this.listForPromptStmt.all(promptId, limit) : this.listStmt.all(limit);
    return rows.map((r) => {
      const c = toComparison(r);
      return { id: c.id, createdAt: c.createdAt, title: c.title, promptId: c.promptId, status: c.status, labels: c.columns.map((col) => col.label), winner: c.winner };
    });
  }
}
