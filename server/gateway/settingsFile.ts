/**
 * The gateway's config file (`<home>/config.json`, or FARO_CONFIG): model aliases, saved
 * routing configs usable by id, and extra hosts custom_host may call. Checked at start-up so a
 * typo stops Faro with the file, key and reason instead of failing later per request.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { FaroError } from "../errors";
import { cacheSettings, cacheSettingsSchema } from "./cache/policy";
import { fileGuardrailsSchema } from "./guardrails/policy";
import { parseConfig } from "./routing/config";
import { describeIssue, formatParam } from "./schema";
import { EMPTY_SETTINGS, type GatewaySettings } from "./targets";

const fileSchema = z.strictObject({
  aliases: z.record(z.string(), z.union([z.string(), z.record(z.string(), z.unknown())])).optional(),
  configs: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  allowed_hosts: z.array(z.string().min(1)).optional(),
  // USD per million tokens; keys `provider/model`, `local` or `local/<id>` (pricing/priceTable.ts).
  // A cloud model's context window and output cap in tokens may come along (the .prompt checks use them).
  prices: z
    .record(
      z.string().min(1),
      z.strictObject({
        input: z.number().nonnegative(),
        cached_input: z.number().nonnegative().optional(),
        output: z.number().nonnegative(),
        context: z.number().int().positive().optional(),
        max_output: z.number().int().positive().optional(),
      }),
    )
    .optional(),
  guardrails: fileGuardrailsSchema.optional(),
  cache: cacheSettingsSchema.optional(),
  // The request log: bodies off by default, rows kept 30 days (0: forever); flags win.
  log: z.strictObject({ bodies: z.boolean().optional(), retention_days: z.number().int().min(0).optional() }).optional(),
});

export function loadGatewaySettings(path: string): GatewaySettings {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return EMPTY_SETTINGS;
    throw invalid(`cannot read ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalid(`${path} is not valid JSON (${(err as Error).message})`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(`${path}: ${formatParam(issue.path) || "(top level)"}: ${describeIssue(issue, json)}`);
  }
  const aliases: GatewaySettings["aliases"] = {};
  for (const [name, value] of Object.entries(parsed.data.aliases ?? {})) {
    aliases[name] = typeof value === "string" ? value : parseConfig(value, `${path} aliases.${name}`);
  }
  for (const [id, value] of Object.entries(parsed.data.configs ?? {})) parseConfig(value, `${path} configs.${id}`);
  return { aliases, configs: parsed.data.configs ?? {}, allowedHosts: parsed.data.allowed_hosts ?? [], prices: parsed.data.prices ?? {}, guardrails: parsed.data.guardrails, cache: cacheSettings(parsed.data.cache), log: parsed.data.log };
}

function invalid(message: string): FaroError {
  return new FaroError(`Faro config: ${message}`, { status: 500, type: "server_error", code: "invalid_config_file" });
}
