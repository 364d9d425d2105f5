/**
 * Whether and how one request uses the cache: the `x-portkey-cache*` headers win over the
 * routing config's `cache {mode, max_age, namespace}`, which wins over the defaults in
 * config.json's `cache` section. Also the schemas for those two config sections.
 */
import type { IncomingHttpHeaders } from "node:http";
import { z } from "zod";
import { badRequest } from "../../errors";

export type CacheMode = "simple" | "semantic";

/** `cache` in a routing config (Portkey's schema, plus namespace and similarity). */
export const routeCacheSchema = z.looseObject({
  mode: z.enum(["simple", "semantic"]),
  max_age: z.number().int().min(1).optional(),
  namespace: z.string().min(1).max(256).optional(),
  similarity: z.number().min(-1).max(1).optional(),
});
export type RouteCache = z.infer<typeof routeCacheSchema>;

/** `cache` in config.json: the defaults and the store's limits. */
export const cacheSettingsSchema = z.strictObject({
  mode: z.enum(["simple", "semantic", "off"]).optional(),
  max_age: z.number().int().min(1).optional(),
  max_entries: z.number().int().min(1).optional(),
  max_bytes: z.number().int().min(1024).optional(),
  similarity: z.number().min(-1).max(1).optional(),
  embedding_model: z.string().min(1).optional(),
});

export interface CacheSettings {
  /** Used when a request says nothing; null: the cache is off unless a request turns it on. */
  mode: CacheMode | null;
  /** Seconds an entry lives. */
  maxAgeS: number;
  maxEntries: number;
  maxBytes: number;
  /** Cosine similarity at or above which semantic mode calls two prompts the same. */
  similarity: number;
  /** The model whose embeddings semantic mode compares (`default`: the served default model). */
  embeddingModel: string;
}

export const DEFAULT_CACHE_SETTINGS: CacheSettings = {
  mode: null,
  maxAgeS: 7 * 24 * 3600,
  maxEntries: 10_000,
  maxBytes: 256 * 1024 * 1024,
  similarity: 0.95,
  embeddingModel: "default",
};

export function cacheSettings(raw: z.infer<typeof cacheSettingsSchema> | undefined): CacheSettings {
  const d = DEFAULT_CACHE_SETTINGS;
  if (!raw) return d;
  return {
    mode: raw.mode === undefined ? d.mode : raw.mode === "off" ? null : raw.mode,
    maxAgeS: raw.max_age ?? d.maxAgeS,
    maxEntries: raw.max_entries ?? d.maxEntries,
    maxBytes: raw.max_bytes ?? d.maxBytes,
    similarity: raw.similarity ?? d.similarity,
    embeddingModel: raw.embedding_model ?? d.embeddingModel,
  };
}

export interface CachePolicy {
  mode: CacheMode;
  maxAgeS: number;
  namespace: string;
  forceRefresh: boolean;
  similarity: number;
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The request's cache policy, or null when the cache is off for it. */
export function cachePolicy(headers: IncomingHttpHeaders, route: RouteCache | undefined, settings: CacheSettings): CachePolicy | null {
  const header = one(headers["x-portkey-cache"])?.trim().toLowerCase();
  if (header !== undefined && !["simple", "semantic", "off"].includes(header)) {
    throw badRequest(`x-portkey-cache must be 'simple', 'semantic' or 'off', not '${header}'.`, "x-portkey-cache", "invalid_value");
  }
  const mode = header === "off" ? null : ((header as CacheMode | undefined) ?? route?.mode ?? settings.mode);
  if (!mode) return null;
  const namespace = one(headers["x-portkey-cache-namespace"]) ?? route?.namespace ?? "";
  if (namespace.length > 256) throw badRequest("x-portkey-cache-namespace is longer than 256 characters.", "x-portkey-cache-namespace", "invalid_value");
  return {
    mode,
    maxAgeS: route?.max_age ?? settings.maxAgeS,
    namespace,
    forceRefresh: flag(one(headers["x-portkey-cache-force-refresh"])),
    similarity: route?.similarity ?? settings.similarity,
  };
}

function flag(raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const v = raw.trim().toLowerCase();
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw badRequest(`x-portkey-cache-force-refresh must be 'true' or 'false', not '${raw}'.`, "x-portkey-cache-force-refresh", "invalid_value");
}
