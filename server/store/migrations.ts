/**
 * Numbered schema migrations for faro.db. A migration is never edited once released: add a new
 * one. `PRAGMA user_version` records the last applied number.
 */
import type { Database } from "better-sqlite3";
import { FaroError } from "../errors";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "requests log",
    sql: `
      CREATE TABLE requests (
        id                TEXT PRIMARY KEY,
        created_at        INTEGER NOT NULL,   -- ms since epoch
        route             TEXT NOT NULL,      -- e.g. "POST /v1/chat/completions"
        model             TEXT,
        provider          TEXT,
        stream            INTEGER NOT NULL DEFAULT 0,
        status            INTEGER NOT NULL,   -- HTTP status; 499 when the client went away
        latency_ms        REAL NOT NULL,
        ttft_ms           REAL,
        prompt_tokens     INTEGER,
        completion_tokens INTEGER,
        finish_reason     TEXT,
        error             TEXT
      );
      CREATE INDEX requests_created_at ON requests(created_at);
    `,
  },
  {
    version: 2,
    name: "settings",
    sql: `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  },
  {
    version: 3,
    name: "prompt versions and labels",
    sql: `
      CREATE TABLE prompt_versions (
        prompt_id  TEXT NOT NULL,      -- workspace-relative path without .prompt
        version    INTEGER NOT NULL,   -- 1, 2, ... per prompt
        hash       TEXT NOT NULL,      -- sha256 of source, hex
        source     TEXT NOT NULL,
        created_at INTEGER NOT NULL,   -- ms since epoch
        PRIMARY KEY (prompt_id, version)
      );
      CREATE TABLE prompt_labels (
        prompt_id  TEXT NOT NULL,
        label      TEXT NOT NULL,      -- production, staging, or any custom name
        version    INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (prompt_id, label),
        FOREIGN KEY (prompt_id, version) REFERENCES prompt_versions (prompt_id, version)
      );
    `,
  },
  {
    version: 4,
    name: "requests: prompt id and version",
    sql: `
      ALTER TABLE requests ADD COLUMN prompt_id TEXT;
      ALTER TABLE requests ADD COLUMN prompt_version INTEGER;
      CREATE INDEX requests_prompt ON requests(prompt_id, prompt_version);
    `,
  },
  {
    version: 5,
    name: "requests: routing trail",
    sql: `
      ALTER TABLE requests ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE requests ADD COLUMN fallback_index INTEGER;
      ALTER TABLE requests ADD COLUMN trace_id TEXT;
    `,
  },
];

/** Applies every migration newer than the file's version, each in its own transaction. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`migration '${m.name}' is numbered ${m.version}, expected ${i + 1}`);
    }
  });
  const latest = migrations.length;
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > latest) {
    throw new FaroError(
      `faro.db is at schema version ${current}, newer than this Faro understands (${latest}). ` +
        "Upgrade Faro or point --home at another folder.",
      { status: 500, type: "server_error", code: "database_too_new" },
    );
  }
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return latest;
}
