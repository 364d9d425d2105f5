/**
 * Prompt versions and labels in faro.db: every recorded source gets the next number per prompt
 * (unless it equals the latest), labels point at versions and can be moved or removed.
 */
import { createHash } from "node:crypto";
import type { Db } from "./db";

export interface PromptVersion {
  promptId: string;
  version: number;
  hash: string;
  createdAt: number;
}

export interface PromptVersionWithSource extends PromptVersion {
  source: string;
}

export interface PromptSummary {
  promptId: string;
  latestVersion: number;
  updatedAt: number;
  /** label -> version */
  labels: Record<string, number>;
}

export const sourceHash = (source: string) => createHash("sha256").update(source).digest("hex");

interface Row {
  prompt_id: string;
  version: number;
  hash: string;
  created_at: number;
  source?: string;
}

const toVersion = (r: Row): PromptVersion => ({ promptId: r.prompt_id, version: r.version, hash: r.hash, createdAt: r.created_at });

export class PromptVersionStore {
  private readonly latestStmt;
  private readonly insertStmt;
  private readonly getStmt;
  private readonly historyStmt;
  private readonly labelsStmt;
  private readonly labelStmt;
  private readonly setLabelStmt;
  private readonly deleteLabelStmt;
  private readonly summaryStmt;
  private readonly allLabelsStmt;
  private readonly recordTx;

  constructor(db: Db) {
    this.latestStmt = db.prepare<[string], Row>("SELECT prompt_id, version, hash, created_at, source FROM prompt_versions WHERE prompt_id = ? ORDER BY version DESC LIMIT 1");
    this.insertStmt = db.prepare<[string, number, string, string, number]>("INSERT INTO prompt_versions (prompt_id, version, hash, source, created_at) VALUES (?, ?, ?, ?, ?)");
    this.getStmt = db.prepare<[string, number], Row>("SELECT prompt_id, version, hash, created_at, source FROM prompt_versions WHERE prompt_id = ? AND version = ?");
    this.historyStmt = db.prepare<[string], Row>("SELECT prompt_id, version, hash, created_at FROM prompt_versions WHERE prompt_id = ? ORDER BY version DESC");
    this.labelsStmt = db.prepare<[string], { label: string; version: number }>("SELECT label, version FROM prompt_labels WHERE prompt_id = ? ORDER BY label");
    this.labelStmt = db.prepare<[string, string], { version: number }>("SELECT version FROM prompt_labels WHERE prompt_id = ? AND label = ?");
    this.setLabelStmt = db.prepare<[string, string, number, number]>(
      "INSERT INTO prompt_labels (prompt_id, label, version, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (prompt_id, label) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at",
    );
    this.deleteLabelStmt = db.prepare<[string, string]>("DELETE FROM prompt_labels WHERE prompt_id = ? AND label = ?");
    this.summaryStmt = db.prepare<[], { prompt_id: string; latest: number; updated: number }>(
      "SELECT prompt_id, max(version) AS latest, max(created_at) AS updated FROM prompt_versions GROUP BY prompt_id ORDER BY prompt_id",
    );
    this.allLabelsStmt = db.prepare<[], { prompt_id: string; label: string; version: number }>("SELECT prompt_id, label, version FROM prompt_labels");
    // Read-then-insert in one transaction: two saves of a prompt at once cannot take one number.
    this.recordTx = db.transaction((promptId: string, source: string, now: number): { version: PromptVersion; created: boolean } => {
      const hash = sourceHash(source);
      const latest = this.latestStmt.get(promptId);
      if (latest && latest.hash === hash) return { version: toVersion(latest), created: false };
      const version = (latest?.version ?? 0) + 1;
      this.insertStmt.run(promptId, version, hash, source, now);
      return { version: { promptId, version, hash, createdAt: now }, created: true };
    });
  }

  /** Records `source` as the next version unless it equals the latest one. */
  record(promptId: string, source: string, now = Date.now()): { version: PromptVersion; created: boolean } {
    return this.recordTx(promptId, source, now);
  }

  latest(promptId: string): PromptVersionWithSource | null {
    const r = this.latestStmt.get(promptId);
    return r ? { ...toVersion(r), source: r.source! } : null;
  }

  get(promptId: string, version: number): PromptVersionWithSource | null {
    const r = this.getStmt.get(promptId, version);
    return r ? { ...toVersion(r), source: r.source! } : null;
  }

  /** Newest first. */
  history(promptId: string): PromptVersion[] {
    return this.historyStmt.all(promptId).map(toVersion);
  }

  labels(promptId: string): Record<string, number> {
    return Object.fromEntries(this.labelsStmt.all(promptId).map((r) => [r.label, r.version]));
  }

  labelVersion(promptId: string, label: string): number | null {
    return this.labelStmt.get(promptId, label)?.version ?? null;
  }

  /** Points `label` at `version`; callers check the version exists (SQLite enforces no foreign keys here). */
  setLabel(promptId: string, label: string, version: number, now = Date.now()): void {
    this.setLabelStmt.run(promptId, label, version, now);
  }

  deleteLabel(promptId: string, label: string): boolean {
    return this.deleteLabelStmt.run(promptId, label).changes > 0;
  }

  list(): PromptSummary[] {
    const labels = new Map<string, Record<string, number>>();
    for (const r of this.allLabelsStmt.all()) {
      const m = labels.get(r.prompt_id) ?? {};
      m[r.label] = r.version;
      labels.set(r.prompt_id, m);
    }
    return this.summaryStmt.all().map((r) => ({ promptId: r.prompt_id, latestVersion: r.latest, updatedAt: r.updated, labels: labels.get(r.prompt_id) ?? {} }));
  }
}
