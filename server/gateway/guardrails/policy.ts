/**
 * Which guardrails apply to one target: the PII mode (off / redact / block), whether the answer
 * gets its placeholders back, and the output checks. Sources, strongest first: the request's
 * `x-faro-pii` / `x-faro-pii-restore` headers, the `guardrails` object of the routing-config
 * node (inherited by its children like retry), the `guardrails` section of config.json (modes per
 * provider), then the default: redact for cloud providers, off for local ones.
 */
import type { IncomingHttpHeaders } from "node:http";
import { z } from "zod";
import { badRequest } from "../../errors";
import { isLocalServer } from "../../providers/openai/presets";
import { PII_TYPES, type PiiType } from "./detectors";

export const PII_MODES = ["off", "redact", "block"] as const;
export type PiiMode = (typeof PII_MODES)[number];

const regexList = z.array(
  z.string().refine((s) => {
    try {
      new RegExp(s, "u");
      return true;
    } catch {
      return false;
    }
  }, "not a valid regular expression"),
);

export const outputSchema = z.strictObject({
  /** true: the request's response_format json_schema; an object: this JSON Schema. */
  json_schema: z.union([z.boolean(), z.record(z.string(), z.unknown())]).optional(),
  must_match: regexList.optional(),
  must_not_match: regexList.optional(),
  /** Words (case-insensitive, whole words) the answer must not contain. */
  deny_words: z.array(z.string().min(1)).optional(),
  /** What a failed check does: answer an error (default), ask the same target again, or try the next target. */
  on_fail: z.enum(["error", "retry", "fallback"]).optional(),
  /** Extra attempts for on_fail "retry" (default 1). */
  retries: z.number().int().min(1).max(5).optional(),
});
export type OutputConfig = z.infer<typeof outputSchema>;

const piiTypes = z.array(z.enum(PII_TYPES)).min(1);

/** `guardrails` on a routing-config node (x-faro-config / x-portkey-config, aliases, saved configs). */
export const targetGuardrailsSchema = z.strictObject({
  pii: z.enum(PII_MODES).optional(),
  pii_types: piiTypes.optional(),
  restore: z.boolean().optional(),
  output: outputSchema.optional(),
});
export type TargetGuardrails = z.infer<typeof targetGuardrailsSchema>;

/** `guardrails` in config.json: `pii` is one mode for every provider or a map by provider id (plus `default`). */
export const fileGuardrailsSchema = z.strictObject({
  pii: z.union([z.enum(PII_MODES), z.record(z.string(), z.enum(PII_MODES))]).optional(),
  pii_types: piiTypes.optional(),
  restore: z.boolean().optional(),
  output: outputSchema.optional(),
});
export type GuardrailSettings = z.infer<typeof fileGuardrailsSchema>;

/** What the request's headers ask for. */
export interface GuardrailHints {
  pii: PiiMode | null;
  restore: boolean | null;
}

export const NO_GUARDRAIL_HINTS: GuardrailHints = { pii: null, restore: null };

export interface LeafPolicy {
  pii: PiiMode;
  types: readonly PiiType[];
  restore: boolean;
  output: OutputConfig | null;
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export function guardrailHints(headers: IncomingHttpHeaders): GuardrailHints {
  const pii = one(headers["x-faro-pii"])?.trim().toLowerCase();
  if (pii !== undefined && !(PII_MODES as readonly string[]).includes(pii)) {
    throw badRequest(`Header x-faro-pii must be off, redact or block, not '${pii}'.`, "x-faro-pii", "invalid_value");
  }
  const restore = one(headers["x-faro-pii-restore"])?.trim().toLowerCase();
  if (restore !== undefined && restore !== "true" && restore !== "false") {
    throw badRequest(`Header x-faro-pii-restore must be true or false, not '${restore}'.`, "x-faro-pii-restore", "invalid_value");
  }
  return { pii: (pii as PiiMode | undefined) ?? null, restore: restore === undefined ? null : restore === "true" };
}

/** Local engine and local-server presets (Ollama, LM Studio, vLLM, llama.cpp on loopback) keep data on the machine. */
export function isLocalProvider(provider: string, family: string): boolean {
  return family === "local" || isLocalServer(provider);
}

export function resolvePolicy(
  leaf: { target: { provider: string }; family: string; guardrails?: TargetGuardrails | undefined },
  file: GuardrailSettings | undefined,
  hints: GuardrailHints,
): LeafPolicy {
  const provider = leaf.target.provider;
  const own = leaf.guardrails;
  const filePii = typeof file?.pii === "string" ? file.pii : (file?.pii?.[provider] ?? file?.pii?.default);
  const fallback: PiiMode = isLocalProvider(provider, leaf.family) ? "off" : "redact";
  return {
    pii: hints.pii ?? own?.pii ?? filePii ?? fallback,
    types: own?.pii_types ?? file?.pii_types ?? PII_TYPES,
    restore: hints.restore ?? own?.restore ?? file?.restore ?? false,
    output: own?.output ?? file?.output ?? null,
  };
}
