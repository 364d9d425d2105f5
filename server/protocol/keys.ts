/**
 * Protocol: virtual keys (server/gateway/virtualKeys/): keys with budgets, rate limits, allowed
 * models. Types only; re-exported by server/protocol.ts.
 */

export type KeyPeriod = "day" | "week" | "month" | "total";

/** A virtual key as listed: never its secret, only the prefix that recognises it. */
export interface VirtualKeyInfo {
  id: string;
  name: string;
  /** e.g. `fk-3Fq9x2`, the start of the secret. */
  prefix: string;
  budgetUsd: number | null;
  period: KeyPeriod;
  rpm: number | null;
  tpm: number | null;
  /** Allowed models (`provider/model`, a plain name, or `provider/*`); null: any. */
  models: string[] | null;
  createdAt: number;
  revokedAt: number | null;
  /** Spent in the current period (UTC), and when it began and ends (null: `total` never resets). */
  spentUsd: number;
  periodStart: number;
  periodEnd: number | null;
}

export interface KeysCreateParams {
  name: string;
  budgetUsd?: number | null;
  period?: KeyPeriod;
  rpm?: number | null;
  tpm?: number | null;
  models?: string[] | null;
}

export interface KeysUsageRow {
  /** Start of the period (UTC ms): a day, week or month as the key's period; months for `total`. */
  periodStart: number;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

export interface KeysUsageResult {
  key: VirtualKeyInfo;
  rows: KeysUsageRow[];
  total: Omit<KeysUsageRow, "periodStart">;
}

export interface KeyRequests {
  /** The secret comes back once, here; only its sha256 is stored. */
  "faro/keys/create": { params: KeysCreateParams; result: { key: VirtualKeyInfo; secret: string } };
  "faro/keys/list": { params: Record<string, never>; result: { keys: VirtualKeyInfo[] } };
  "faro/keys/revoke": { params: { name: string }; result: { key: VirtualKeyInfo } };
  "faro/keys/usage": { params: { name: string }; result: KeysUsageResult };
}
