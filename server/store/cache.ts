/**
 * The `cache_entries` table: cached answers by exact key, their prompt embeddings for semantic
 * lookups, TTL and a size cap kept by evicting the least recently hit entries. Totals are kept
 * in memory (loaded once) so the cap costs no COUNT per insert, and so are the embeddings of each
 * (namespace, model, params) group once it has been searched, kept in step with every write.
 */
import type { Db } from "./db";

export interface CacheEntry {
  key: string;
  namespace: string;
  /** The route label (e.g. `openai/gpt-4o-mini`). */
  model: string;
  paramsHash: string;
  /** Float32 embedding of the prompt text, semantic entries only. */
  embedding: Float32Array | null;
  /** JSON text: what to replay. */
  response: string;
  createdAt: number;
  /** ms since the epoch; null: never expires. */
  expiresAt: number | null;
}

export interface Candidate {
  key: string;
  embedding: Float32Array;
}

type Row = { key: string; response: string; expires_at: number | null };
type VectorRow = { key: string; embedding: Buffer; expires_at: number | null };
type Removed = { key: string; namespace: string; model: string; params_hash: string; size: number };
type Vectors = Map<string, { embedding: Float32Array; expiresAt: number | null }>;

const REMOVED = "RETURNING key, namespace, model, params_hash, size";

export class CacheStore {
  private readonly getStmt;
  private readonly candidatesStmt;
  private readonly putStmt;
  private readonly sizeStmt;
  private readonly touchStmt;
  private readonly deleteStmt;
  private readonly expiredStmt;
  private readonly oldestStmt;
  private readonly clearStmt;
  private count: number;
  private bytes: number;
  /** Searched groups' embeddings by key: a semantic lookup reads no rows. */
  private readonly groups = new Map<string, Vectors>();

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare<[string], Row>("SELECT key, response, expires_at FROM cache_entries WHERE key = ?");
    this.candidatesStmt = db.prepare<[string, string, string, number], VectorRow>(
      `SELECT key, embedding, expires_at FROM cache_entries
       WHERE namespace = ? AND model = ? AND params_hash = ? AND embedding IS NOT NULL AND (expires_at IS NULL OR expires_at > ?)`,
    );
    this.putStmt = db.prepare(
      `INSERT OR REPLACE INTO cache_entries (key, namespace, model, params_hash, embedding, response, size, created_at, expires_at, last_hit_at, hits)
       VALUES (@key, @namespace, @model, @paramsHash, @embedding, @response, @size, @createdAt, @expiresAt, @createdAt, 0)`,
    );
    this.sizeStmt = db.prepare<[string], { size: number }>("SELECT size FROM cache_entries WHERE key = ?");
    this.touchStmt = db.prepare<[number, string]>("UPDATE cache_entries SET last_hit_at = ?, hits = hits + 1 WHERE key = ?");
    this.deleteStmt = db.prepare<[string], Removed>(`DELETE FROM cache_entries WHERE key = ? ${REMOVED}`);
    this.expiredStmt = db.prepare<[number], Removed>(`DELETE FROM cache_entries WHERE expires_at <= ? ${REMOVED}`);
    this.oldestStmt = db.prepare<[number], Removed>(
      `DELETE FROM cache_entries WHERE key IN (SELECT key FROM cache_entries ORDER BY last_hit_at, rowid LIMIT ?) ${REMOVED}`,
    );
    this.clearStmt = db.prepare("DELETE FROM cache_entries");
    const totals = db.prepare<[], { n: number; bytes: number }>("SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM cache_entries").get()!;
    this.count = totals.n;
    this.bytes = totals.bytes;
  }

  /** The live entry's response for `key`; an expired one is deleted and missed. */
  get(key: string, now: number): string | null {
    const row = this.getStmt.get(key);
    if (!row) return null;
    if (row.expires_at !== null && row.expires_at <= now) {
      this.remove(key);
      return null;
    }
    return row.response;
  }

  /** Live semantic entries that share the namespace, route and parameters (from memory after the first search). */
  *candidates(namespace: string, model: string, paramsHash: string, now: number): Iterable<Candidate> {
    const id = groupId(namespace, model, paramsHash);
    let group = this.groups.get(id);
    if (!group) {
      group = new Map();
      for (const r of this.candidatesStmt.all(namespace, model, paramsHash, now)) {
        // A copy: the row's buffer may be a view into memory SQLite reuses.
        const embedding = new Float32Array(r.embedding.buffer.slice(r.embedding.byteOffset, r.embedding.byteOffset + r.embedding.byteLength));
        group.set(r.key, { embedding, expiresAt: r.expires_at });
      }
      this.groups.set(id, group);
    }
    for (const [key, v] of group) if (v.expiresAt === null || v.expiresAt > now) yield { key, embedding: v.embedding };
  }

  hit(key: string, now: number): void {
    this.touchStmt.run(now, key);
  }

  /** Inserts or replaces the entry, then evicts expired and least recently hit entries over the caps. */
  put(entry: CacheEntry, limits: { maxEntries: number; maxBytes: number }): void {
    const embedding = entry.embedding ? Buffer.from(entry.embedding.buffer, entry.embedding.byteOffset, entry.embedding.byteLength) : null;
    const size = Buffer.byteLength(entry.response) + (embedding?.byteLength ?? 0);
    this.db.transaction(() => {
      const old = this.sizeStmt.get(entry.key);
      if (old) {
        this.count--;
        this.bytes -= old.size;
      }
      this.putStmt.run({ ...entry, embedding, size });
      this.count++;
      this.bytes += size;
      const group = this.groups.get(groupId(entry.namespace, entry.model, entry.paramsHash));
      if (group && entry.embedding) group.set(entry.key, { embedding: entry.embedding, expiresAt: entry.expiresAt });
      else group?.delete(entry.key);
      if (this.count > limits.maxEntries || this.bytes > limits.maxBytes) this.subtract(this.expiredStmt.all(entry.createdAt));
      while (this.count > limits.maxEntries || this.bytes > limits.maxBytes) {
        const over = Math.max(1, this.count - limits.maxEntries);
        const removed = this.oldestStmt.all(over);
        if (removed.length === 0) break;
        this.subtract(removed);
      }
    })();
  }

  remove(key: string): void {
    this.subtract(this.deleteStmt.all(key));
  }

  clear(): void {
    this.clearStmt.run();
    this.count = 0;
    this.bytes = 0;
    this.groups.clear();
  }

  totals(): { entries: number; bytes: number } {
    return { entries: this.count, bytes: this.bytes };
  }

  private subtract(rows: Removed[]): void {
    for (const r of rows) {
      this.count--;
      this.bytes -= r.size;
      this.groups.get(groupId(r.namespace, r.model, r.params_hash))?.delete(r.key);
    }
  }
}

const groupId = (namespace: string, model: string, paramsHash: string) => `${namespace}\0${model}\0${paramsHash}`;
