/**
 * `faro logs` (recent request log rows as a table) and `faro logs export --format csv|jsonl`:
 * read <home>/faro.db directly, so they work while `faro serve` runs (WAL readers) or not.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "./config";
import type { LogFilter, LogRow } from "./protocol";
import { openDatabase } from "./store/db";
import { exportLogs, logHandlers, parseParams, logFilterSchema } from "./store/logQuery";

export const LOGS_USAGE = `  faro logs [--limit N] [FILTERS]
                           the newest request log rows
  faro logs export --format csv|jsonl [--out FILE] [--bodies] [FILTERS]
                           rows oldest first to stdout or FILE; FILTERS: --since 24h|7d|ISO-date,
                           --until, --model, --provider, --status 500|5xx|error, --route,
                           --metadata KEY=VALUE (repeatable), --home DIR`;

const OPTIONS = {
  home: { type: "string" },
  limit: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
  model: { type: "string" },
  provider: { type: "string" },
  status: { type: "string" },
  route: { type: "string" },
  metadata: { type: "string", multiple: true },
  format: { type: "string" },
  out: { type: "string", short: "o" },
  bodies: { type: "boolean" },
} as const;

export async function logsCommand(args: string[], env: NodeJS.ProcessEnv, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const [sub, ...extra] = parsed.positionals;
  if (extra.length > 0 || (sub !== undefined && sub !== "export")) throw new ConfigError(`faro logs: unknown argument '${sub}'. Use 'faro logs' or 'faro logs export'.`);
  const v = parsed.values;
  const now = Date.now();
  const filter: LogFilter = parseParams(logFilterSchema, {
    since: v.since === undefined ? undefined : timeArg("--since", v.since, now),
    until: v.until === undefined ? undefined : timeArg("--until", v.until, now),
    model: v.model,
    provider: v.provider,
    status: v.status === undefined ? undefined : /^\d+$/.test(v.status) ? Number(v.status) : v.status,
    route: v.route,
    metadata: v.metadata ? Object.fromEntries(v.metadata.map(pair)) : undefined,
  });
  const file = join(resolve(v.home ?? env.FARO_HOME ?? join(homedir(), ".faro")), "faro.db");
  // Reading must not create: a mistyped --home would get an empty log and "no requests match".
  if (!existsSync(file)) throw new ConfigError(`No request log at ${file}: Faro has not run with this home. Give the home 'faro serve' uses (--home or FARO_HOME).`);
  const db = openDatabase(file);
  try {
    if (sub === "export") {
      if (v.format !== "csv" && v.format !== "jsonl") throw new ConfigError(`faro logs export needs --format csv or --format jsonl${v.format ? `, not '${v.format}'` : ""}.`);
      if (v.out) {
        const r = logHandlers.export(db, { ...filter, format: v.format, path: resolve(v.out), includeBodies: v.bodies === true });
        process.stderr.write(`faro: wrote ${r.rows} rows to ${r.path}\n`);
      } else exportLogs(db, filter, v.format, v.bodies === true, (chunk) => out.write(chunk));
      return 0;
    }
    const limit = v.limit === undefined ? 20 : Number(v.limit);
    const page = logHandlers.query(db, { ...filter, limit });
    for (const row of page.rows.reverse()) out.write(line(row));
    if (page.rows.length === 0) process.stderr.write("faro: no requests match.\n");
    return 0;
  } finally {
    db.close();
  }
}

function line(r: LogRow): string {
  const tokens = r.promptTokens === null ? "-" : `${r.promptTokens}/${r.completionTokens ?? 0}`;
  const cost = r.costUsd === null ? "-" : `$${r.costUsd.toFixed(6)}`;
  const fields = [new Date(r.createdAt).toISOString(), r.status, `${r.latencyMs.toFixed(1)}ms`, r.route, r.model ?? "-", r.provider ?? "-", tokens, cost, r.cacheStatus ?? "-", r.id];
  // One request, one line: an error with line breaks or tabs (a provider's text) is folded.
  return fields.join("\t") + (r.error ? `\t${r.error.replace(/\s*[\r\n\t]+\s*/g, " ")}` : "") + "\n";
}

const DAY = 86_400_000;
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: DAY, w: 7 * DAY };

/** "24h" / "7d" (that long ago), an ISO date, or ms since the epoch. */
export function timeArg(name: string, raw: string, now: number): number {
  const ago = raw.trim().match(/^(\d+(?:\.\d+)?)(s|m|h|d|w)$/);
  if (ago) return Math.round(now - Number(ago[1]) * UNITS[ago[2]!]!);
  const t = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(t)) throw new ConfigError(`${name} must be a duration ago (30m, 24h, 7d), an ISO date or ms since the epoch, not '${raw}'.`);
  return t;
}

function pair(raw: string): [string, string] {
  const i = raw.indexOf("=");
  if (i <= 0) throw new ConfigError(`--metadata takes KEY=VALUE, not '${raw}'.`);
  return [raw.slice(0, i), raw.slice(i + 1)];
}
