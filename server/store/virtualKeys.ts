/**
 * The `virtual_keys` and `virtual_key_usage` tables: keys (hash of the secret, never the
 * secret; limits; revocation) and per key per UTC day requests, tokens and spend, upserted when
 * each request ends so budgets survive restarts and log retention.
 */
import type { Db } from "./db";

export type Period = "day" | "week" | "month" | "total";

export interface VirtualKeyRow {
  id: string;
  name: string;
  prefix: string;
  budgetUsd: number | null;
  period: Period;
  rpm: number | null;
  tpm: number | null;
  /** Allowed models; null: any. */
  models: string[] | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface UsageDay {
  day: number;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

interface Raw {
  id: string;
  name: string;
  prefix: string;
  budget_usd: number | null;
  period: string | null;
  rpm: number | null;
  tpm: number | null;
  models: string | null;
  created_at: number;
  revoked_at: number | null;
}

const COLUMNS = "id, name, prefix, budget_usd, period, rpm, tpm, models, created_at, revoked_at";

export class VirtualKeyStore {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      insert: db.prepare(
        "INSERT INTO virtual_keys (id, name, hash, prefix, budget_usd, period, rpm, tpm, models, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      byHash: db.prepare(`SELECT ${COLUMNS} FROM virtual_keys WHERE hash = ?`),
      byName: db.prepare(`SELECT ${COLUMNS} FROM virtual_keys WHERE name = ?`),
      all: db.prepare(`SELECT ${COLUMNS} FROM virtual_keys ORDER BY created_at, name`),
      revoke: db.prepare("UPDATE virtual_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
      addUsage: db.prepare(`
        INSERT INTO virtual_key_usage (key_id, day, requests, prompt_tokens, completion_tokens, cost_usd) VALUES (?, ?, 1, ?, ?, ?)
        ON CONFLICT (key_id, day) DO UPDATE SET requests = requests + 1, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
          completion_tokens = completion_tokens + excluded.completion_tokens, cost_usd = cost_usd + excluded.cost_usd`),
      spendSince: db.prepare("SELECT coalesce(sum(cost_usd), 0) AS spent FROM virtual_key_usage WHERE key_id = ? AND day >= ?"),
      days: db.prepare("SELECT day, requests, prompt_tokens, completion_tokens, cost_usd FROM virtual_key_usage WHERE key_id = ? ORDER BY day"),
    };
  }

  insert(key: VirtualKeyRow, hash: string): void {
    this.stmts.insert.run(key.id, key.name, hash, key.prefix, key.budgetUsd, key.period, key.rpm, key.tpm, key.models ? JSON.stringify(key.models) : null, key.createdAt);
  }

  byHash(hash: string): VirtualKeyRow | null {
    return fromRaw(this.stmts.byHash.get(hash) as Raw | undefined);
  }

  byName(name: string): VirtualKeyRow | null {
    return fromRaw(this.stmts.byName.get(name) as Raw | undefined);
  }

  all(): VirtualKeyRow[] {
    return (this.stmts.all.all() as Raw[]).map((r) => fromRaw(r)!);
  }

  /** False when the key was already revoked. */
  revoke(id: string, at: number): boolean {
    return this.stmts.revoke.run(at, id).changes === 1;
  }

  addUsage(keyId: string, day: number, promptTokens: number, completionTokens: number, costUsd: number): void {
    this.stmts.addUsage.run(keyId, day, promptTokens, completionTokens, costUsd);
  }

  /** Spend from `day` (UTC midnight, ms) on: a period's rows, found by the primary key. */
  spendSince(keyId: string, day: number): number {
    return (this.stmts.spendSince.get(keyId, day) as { spent: number }).spent;
  }

  days(keyId: string): UsageDay[] {
    return (this.stmts.days.all(keyId) as Array<{ day: number; requests: number; prompt_tokens: number; completion_tokens: number; cost_usd: number }>).map((r) => ({
      day: r.day,
      requests: r.requests,
      promptTokens: r.prompt_tokens,
      completionTokens: r.completion_tokens,
      costUsd: r.cost_usd,
    }));
  }
}

function fromRaw(r: Raw | undefined): VirtualKeyRow | null {
  if (!r) return null;
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    budgetUsd: r.budget_usd,
    period: (r.period ?? "total") as Period,
    rpm: r.rpm,
    tpm: r.tpm,
    models: r.models ? (JSON.parse(r.models) as string[]) : null,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  };
}
