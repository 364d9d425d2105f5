/**
 * `faro keys create|list|revoke|usage`: virtual keys in <home>/faro.db, without starting the
 * server (a running one sees changes on its next request). The secret is printed once, by
 * create; nothing else ever prints or stores it.
 */
import { join, resolve } from "node:path";
import { homedir } from "node:os";
import { parseArgs } from "node:util";
import { ConfigError } from "../../config";
import type { KeyPeriod, VirtualKeyInfo } from "../../protocol";
import { openDatabase } from "../../store/db";
import { VirtualKeyStore } from "../../store/virtualKeys";
import { VirtualKeys } from "./virtualKeys";
import { formatUsd } from "../pricing/cost";

export const KEYS_USAGE = `  faro keys create --name NAME [--budget USD] [--period day|week|month|total]
                 [--rpm N] [--tpm N] [--models a,b]
                           create a virtual key; prints its secret (fk-...) once
  faro keys list | revoke NAME | usage NAME
                           list keys (prefix, limits, spend this period), revoke one,
                           or show its requests, tokens and spend per period`;

const OPTIONS = {
  home: { type: "string" },
  name: { type: "string" },
  budget: { type: "string" },
  period: { type: "string" },
  rpm: { type: "string" },
  tpm: { type: "string" },
  models: { type: "string" },
  json: { type: "boolean" },
} as const;

export function keysCommand(args: string[], env: NodeJS.ProcessEnv, out: NodeJS.WritableStream = process.stdout): number {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const [verb, name, ...extra] = parsed.positionals;
  const v = parsed.values;
  if (extra.length > 0) throw new ConfigError(`'faro keys ${verb ?? ""}': unexpected '${extra.join(" ")}'.`);
  const home = resolve(v.home ?? env.FARO_HOME ?? join(homedir(), ".faro"));
  const db = openDatabase(join(home, "faro.db"));
  try {
    const keys = new VirtualKeys(new VirtualKeyStore(db));
    const print = (text: string) => out.write(text.endsWith("\n") ? text : `${text}\n`);
    const json = (value: unknown) => print(JSON.stringify(value, null, 2));
    switch (verb) {
      case "create": {
        if (!v.name) throw new ConfigError("faro keys create needs --name NAME.");
        if (name) throw new ConfigError(`faro keys create takes --name, not '${name}'.`);
        const created = keys.create({
          name: v.name,
          budgetUsd: number(v.budget, "--budget"),
          period: v.period as KeyPeriod | undefined,
          rpm: number(v.rpm, "--rpm"),
          tpm: number(v.tpm, "--tpm"),
          models: v.models === undefined ? null : v.models.split(",").map((m) => m.trim()).filter(Boolean),
        });
        if (v.json) json(created);
        else print([`Created virtual key '${created.key.name}' (${limits(created.key)}).`, "Its secret, shown only this once (Faro stores a hash):", "", `  ${created.secret}`, ""].join("\n"));
        return 0;
      }
      case "list": {
        const list = keys.list();
        if (v.json) json(list);
        else if (list.length === 0) print("No virtual keys. Create one with: faro keys create --name NAME");
        else print(table(["name", "prefix", "spent", "limits", "status"], list.map((k) => [k.name, `${k.prefix}...`, `${formatUsd(k.spentUsd)} this ${k.period === "total" ? "total" : k.period}`, limits(k), k.revokedAt ? `revoked ${iso(k.revokedAt)}` : "active"])));
        return 0;
      }
      case "revoke": {
        if (!name) throw new ConfigError("faro keys revoke needs the key's NAME.");
        const key = keys.revoke(name);
        print(v.json ? JSON.stringify(key, null, 2) : `Revoked virtual key '${key.name}' (${key.prefix}...): requests with it now get 401.`);
        return 0;
      }
      case "usage": {
        if (!name) throw new ConfigError("faro keys usage needs the key's NAME.");
        const u = keys.usage(name);
        if (v.json) return json(u), 0;
        const rows = u.rows.map((r) => [iso(r.periodStart).slice(0, 10), String(r.requests), String(r.promptTokens), String(r.completionTokens), formatUsd(r.costUsd)]);
        rows.push(["total", String(u.total.requests), String(u.total.promptTokens), String(u.total.completionTokens), formatUsd(u.total.costUsd)]);
        const bucket = u.key.period === "total" ? "month" : u.key.period;
        print(`Virtual key '${u.key.name}' (${limits(u.key)}), per ${bucket}:\n${table([`${bucket} from`, "requests", "prompt tokens", "completion tokens", "spend"], rows)}`);
        return 0;
      }
      default:
        throw new ConfigError(verb ? `unknown 'faro keys' subcommand '${verb}' (create, list, revoke, usage).` : "faro keys needs a subcommand: create, list, revoke or usage.");
    }
  } finally {
    db.close();
  }
}

function number(raw: string | undefined, flag: string): number | null {
  if (raw === undefined) return null;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n)) throw new ConfigError(`${flag} must be a number, not '${raw}'.`);
  return n;
}

function limits(k: VirtualKeyInfo): string {
  const parts = [k.budgetUsd === null ? "no budget" : `budget ${formatUsd(k.budgetUsd)} ${k.period === "total" ? "total" : `per ${k.period}`}`];
  if (k.rpm !== null) parts.push(`${k.rpm} rpm`);
  if (k.tpm !== null) parts.push(`${k.tpm} tpm`);
  parts.push(k.models ? `models ${k.models.join(", ")}` : "any model");
  return parts.join(", ");
}

const iso = (ms: number) => new Date(ms).toISOString();

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}
