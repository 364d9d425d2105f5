/**
 * Virtual keys: created with a name and limits, shown as a secret (`fk-` + 32 random bytes,
 * base64url) exactly once, stored as its sha256. A fast unsalted hash is enough here: the
 * secret is 256 random bits, so there is nothing to brute-force or look up in a rainbow table;
 * slow password hashes exist for low-entropy human passwords. Lookups by hash are an index hit.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { FaroError, badRequest, notFound } from "../../errors";
import { registerSecret } from "../../logger";
import type { KeyPeriod, KeysCreateParams, KeysUsageResult, KeysUsageRow, VirtualKeyInfo } from "../../protocol";
import type { VirtualKeyRow, VirtualKeyStore } from "../../store/virtualKeys";
import { PERIODS, periodEnd, periodStart } from "./periods";

export const SECRET_PREFIX = "fk-";
const SHOWN_PREFIX = SECRET_PREFIX.length + 6;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const hashSecret = (secret: string) => createHash("sha256").update(secret).digest("hex");

export class VirtualKeys {
  constructor(
    readonly store: VirtualKeyStore,
    private readonly now: () => number = Date.now,
  ) {}

  create(p: KeysCreateParams): { key: VirtualKeyInfo; secret: string } {
    const name = typeof p.name === "string" ? p.name.trim() : "";
    if (!NAME.test(name)) throw badRequest("A key name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.", "name", "invalid_value");
    if (this.store.byName(name)) throw new FaroError(`A virtual key named '${name}' already exists (names stay taken after revoke).`, { status: 409, type: "invalid_request_error", code: "key_exists", param: "name" });
    const period: KeyPeriod = p.period ?? "month";
    if (!PERIODS.includes(period)) throw badRequest(`period must be one of ${PERIODS.join(", ")}, not '${String(p.period)}'.`, "period", "invalid_value");
    const budgetUsd = optionalNumber(p.budgetUsd, "budget", false);
    const rpm = optionalNumber(p.rpm, "rpm", true);
    const tpm = optionalNumber(p.tpm, "tpm", true);
    let models: string[] | null = null;
    if (p.models != null) {
      if (!Array.isArray(p.models) || p.models.some((m) => typeof m !== "string" || m.trim() === "")) throw badRequest("models must be a list of model names.", "models", "invalid_value");
      models = p.models.map((m) => m.trim());
      if (models.length === 0) throw badRequest("models must name at least one model (leave it out to allow any).", "models", "invalid_value");
    }
    const secret = SECRET_PREFIX + randomBytes(32).toString("base64url");
    registerSecret(secret);
    const row: VirtualKeyRow = { id: `vk-${randomUUID()}`, name, prefix: secret.slice(0, SHOWN_PREFIX), budgetUsd, period, rpm, tpm, models, createdAt: this.now(), revokedAt: null };
    this.store.insert(row, hashSecret(secret));
    return { key: this.info(row), secret };
  }

  list(): VirtualKeyInfo[] {
    return this.store.all().map((r) => this.info(r));
  }

  revoke(name: string): VirtualKeyInfo {
    const row = this.named(name);
    this.store.revoke(row.id, this.now());
    return this.info(this.named(name));
  }

  /** Requests, tokens and spend per period of the key (per month for `total`), oldest first. */
  usage(name: string): KeysUsageResult {
    const row = this.named(name);
    const bucket: KeyPeriod = row.period === "total" ? "month" : row.period;
    const rows = new Map<number, KeysUsageRow>();
    const total = { requests: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
    for (const d of this.store.days(row.id)) {
      const start = periodStart(bucket, d.day);
      const r = rows.get(start) ?? { periodStart: start, requests: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
      for (const acc of [r, total]) {
        acc.requests += d.requests;
        acc.promptTokens += d.promptTokens;
        acc.completionTokens += d.completionTokens;
        acc.costUsd += d.costUsd;
      }
      rows.set(start, r);
    }
    return { key: this.info(row), rows: [...rows.values()], total };
  }

  /** The key a secret belongs to, checked now (a revoke from the CLI applies to the next request). */
  authenticate(secret: string): VirtualKeyRow {
    const row = this.store.byHash(hashSecret(secret));
    if (!row) throw new FaroError("Incorrect API key provided: this virtual key does not exist.", { status: 401, type: "authentication_error", code: "invalid_api_key" });
    if (row.revokedAt !== null) throw new FaroError(`Virtual key '${row.name}' (${row.prefix}...) was revoked.`, { status: 401, type: "authentication_error", code: "key_revoked" });
    registerSecret(secret); // masked in every log line from now on
    return row;
  }

  info(row: VirtualKeyRow): VirtualKeyInfo {
    const now = this.now();
    const start = periodStart(row.period, now);
    return { ...row, spentUsd: this.store.spendSince(row.id, start), periodStart: start, periodEnd: periodEnd(row.period, now) };
  }

  private named(name: unknown): VirtualKeyRow {
    // Over JSON-RPC params arrive unchecked: a missing name must not reach SQLite as `undefined`.
    if (typeof name !== "string" || name.trim() === "") throw badRequest("name is required: the virtual key's name ('faro keys list' shows them).", "name", "invalid_value");
    const row = this.store.byName(name.trim());
    if (!row) throw notFound(`No virtual key named '${name}'. 'faro keys list' shows them.`, "key_not_found", "name");
    return row;
  }
}

function optionalNumber(v: unknown, param: string, integer: boolean): number | null {
  if (v == null) return null;
  const ok = typeof v === "number" && Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v));
  if (!ok) throw badRequest(`${param} must be a positive ${integer ? "integer" : "number"}, not '${String(v)}'.`, param, "invalid_value");
  return v as number;
}
