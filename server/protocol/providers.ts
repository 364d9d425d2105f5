/**
 * Protocol: cloud providers and their keys: the list, keys handed over from SecretStorage, and
 * key checks (server/providers/keyCheck.ts). Types only; re-exported by server/protocol.ts.
 */

export interface ProviderInfo {
  id: string;
  /** local, openai (OpenAI-compatible), anthropic or gemini. */
  family: string;
  /** A key is known (set from VS Code or found in the environment); the key itself never leaves. */
  hasKey: boolean;
  baseUrl: string | null;
}

export interface ProvidersListResult {
  providers: ProviderInfo[];
}

export interface ProviderCheckResult {
  provider: string;
  /** ok: the key works; refused: 401/403 (or Gemini's invalid key); unreachable: no answer; unexpected: another status. */
  status: "ok" | "refused" | "unreachable" | "unexpected";
  httpStatus: number | null;
  /** Says what happened; never contains the key. */
  message: string;
  /** Model ids the provider listed (empty unless ok). */
  models: string[];
}

export interface ProviderRequests {
  /** Hands a provider key from SecretStorage to the backend (memory only); null removes it. */
  "faro/providers/setKey": { params: { provider: string; key: string | null }; result: ProvidersListResult };
  "faro/providers/list": { params: Record<string, never>; result: ProvidersListResult };
  /** Checks a key with a cheap authenticated call; without `key`, the key Faro already has. */
  "faro/providers/check": { params: { provider: string; key?: string | null; baseUrl?: string | null }; result: ProviderCheckResult };
}
