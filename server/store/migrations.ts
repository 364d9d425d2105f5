/**
 * Numbered schema migrations for faro.db. A migration is never edited once released: add a new
 * one. `PRAGMA user_version` records the last applied number.
 */
import type { Database } from "better-sqlite3";
import { FaroError } from "../errors";
import { STATS_TABLE_SQL } from "./logStats";

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
  {
    version: 6,
    name: "requests: cost, cache, metadata, virtual key, guardrails, bodies",
    sql: `
      ALTER TABLE requests ADD COLUMN cost_usd REAL;               -- null when unknown (no price)
      ALTER TABLE requests ADD COLUMN cached_tokens INTEGER;       -- cached input tokens, when reported
      ALTER TABLE requests ADD COLUMN cache_status TEXT;           -- hit | miss | refresh | null (cache off)
      ALTER TABLE requests ADD COLUMN metadata TEXT;               -- JSON object (x-portkey-metadata / metadata)
      ALTER TABLE requests ADD COLUMN virtual_key_id TEXT;
      ALTER TABLE requests ADD COLUMN guardrails TEXT;             -- JSON array of verdicts
      ALTER TABLE requests ADD COLUMN attempts TEXT;               -- JSON array: the fallback/retry trail
      ALTER TABLE requests ADD COLUMN request_body TEXT;           -- only when body logging is on
      ALTER TABLE requests ADD COLUMN response_body TEXT;
      CREATE INDEX requests_model_created ON requests(model, created_at);
      CREATE INDEX requests_key_created ON requests(virtual_key_id, created_at);
      CREATE INDEX requests_trace ON requests(trace_id) WHERE trace_id IS NOT NULL;
      -- Per-minute rollup kept by the log writer in the same transaction as the rows, so
      -- faro/logs/stats and the dashboard never scan the raw log (store/logStats.ts).
      ${STATS_TABLE_SQL}
    `,
  },
  {
    version: 7,
    name: "response cache",
    sql: `
      CREATE TABLE cache_entries (
        key         TEXT PRIMARY KEY,   -- sha256 of the normalized request (exact mode)
        namespace   TEXT NOT NULL DEFAULT '',
        model       TEXT NOT NULL,
        params_hash TEXT NOT NULL,      -- sha256 of the output-changing parameters (semantic lookups match on it)
        embedding   BLOB,               -- Float32Array of the prompt's embedding (semantic mode)
        response    TEXT NOT NULL,      -- JSON: the provider events to replay
        size        INTEGER NOT NULL,   -- bytes of response, for the size cap
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER,            -- null: no TTL
        last_hit_at INTEGER,
        hits        INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX cache_lookup ON cache_entries(namespace, model, params_hash);
      CREATE INDEX cache_expires ON cache_entries(expires_at);
      CREATE INDEX cache_lru ON cache_entries(last_hit_at);
    `,
  },
  {
    version: 8,
    name: "virtual keys",
    sql: `
      CREATE TABLE virtual_keys (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        hash        TEXT NOT NULL UNIQUE,  -- sha256 of the secret; the secret itself is never stored
        prefix      TEXT NOT NULL,         -- first characters, to recognise a key in lists
        budget_usd  REAL,
        period      TEXT,                  -- day | week | month | total
        rpm         INTEGER,
        tpm         INTEGER,
        models      TEXT,                  -- JSON array of allowed models, null: any
        created_at  INTEGER NOT NULL,
        revoked_at  INTEGER
      );
      -- Spend and tokens per key and UTC day, written when each request ends: admission sums a
      -- period's few rows instead of scanning the request log, and it survives log retention.
      CREATE TABLE virtual_key_usage (
        key_id            TEXT NOT NULL REFERENCES virtual_keys(id),
        day               INTEGER NOT NULL,   -- UTC midnight, ms since epoch
        requests          INTEGER NOT NULL DEFAULT 0,
        prompt_tokens     INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd          REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (key_id, day)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 9,
    name: "comparisons",
    sql: `
      CREATE TABLE comparisons (
        id          TEXT PRIMARY KEY,
        created_at  INTEGER NOT NULL,
        prompt_id   TEXT,                 -- the .prompt compared, if any
        title       TEXT NOT NULL,
        spec        TEXT NOT NULL,        -- JSON: models / versions, inputs, repeats
        results     TEXT NOT NULL,        -- JSON: per column runs with latency, tokens, cost, output
        status      TEXT NOT NULL,        -- running, done, cancelled
        winner      TEXT                  -- the winning column's label
      );
      CREATE INDEX comparisons_prompt ON comparisons(prompt_id, created_at);
      CREATE INDEX comparisons_created ON comparisons(created_at);
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
