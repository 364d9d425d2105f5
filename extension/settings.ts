/**
 * Turns `faro.*` settings into the backend's InitializationOptions, checking each value at this
 * edge so a bad setting is reported by name instead of failing somewhere in the backend.
 */
import type { InitializationOptions } from "../server/protocol";
import { endpointKeyWanted } from "./endpointKey";

/** Reads a setting by its key below `faro.` (e.g. "endpoint.port"); undefined when unset. */
export type SettingGetter = (key: string) => unknown;

export interface SettingsResult {
  options: InitializationOptions;
  /** One sentence per invalid setting; that setting is left to the backend's default. */
  problems: string[];
  /** The endpoint must have a key (endpointKey.ts): the caller adds it to options.endpoint. */
  endpointKeyWanted: boolean;
}

export interface Environment {
  home: string;
  defaultModel: string | null;
  /** The user's home folder, for `~` in paths. */
  userHome: string;
}

export function initializationOptions(get: SettingGetter, env: Environment): SettingsResult {
  const problems: string[] = [];
  const check = <T>(key: string, value: unknown, valid: (v: unknown) => v is T, expected: string): T | undefined => {
    if (value === undefined || value === null) return undefined;
    if (valid(value)) return value;
    problems.push(`Setting faro.${key} must be ${expected} (got ${JSON.stringify(value)}); using the default.`);
    return undefined;
  };

  const modelsDirs = check("modelsDirs", get("modelsDirs"), isStringArray, "a list of folder paths");
  const host = check("endpoint.host", get("endpoint.host"), isNonEmptyString, "a non-empty host name or IP address");
  const port = check("endpoint.port", get("endpoint.port"), isPort, "an integer from 0 to 65535");
  const allowedOrigins = check(
    "endpoint.allowedOrigins",
    get("endpoint.allowedOrigins"),
    isStringArray,
    "a list of origins such as http://localhost:5173",
  );
  const requireApiKey = check("endpoint.requireApiKey", get("endpoint.requireApiKey"), isBoolean, "true or false");
  const threads = check("engine.threads", get("engine.threads"), isNonNegativeInteger, "an integer of 0 or more");
  const gpu = check("engine.gpu", get("engine.gpu"), isGpu, '"auto" or "cpu"');
  const aliases = check("aliases", get("aliases"), isStringRecord, 'an object of name → "provider/model" strings');

  const options: InitializationOptions = {
    home: env.home,
    defaultModel: env.defaultModel,
    modelsDirs: (modelsDirs ?? []).filter((d) => d.trim() !== "").map((d) => expandHome(d.trim(), env.userHome)),
    endpoint: dropUndefined({ host, port, allowedOrigins }),
    engine: dropUndefined({ threads, gpu }),
    ...(aliases && Object.keys(aliases).length ? { aliases } : {}),
  };
  return { options, problems, endpointKeyWanted: endpointKeyWanted(host, requireApiKey === true) };
}

/** The Node executable to run the backend with, or undefined for VS Code's own. */
export function serverRuntime(get: SettingGetter, userHome: string): string | undefined {
  const value = get("server.runtime");
  if (typeof value !== "string" || value.trim() === "") return undefined;
  return expandHome(value.trim(), userHome);
}

/** Settings the running backend reads only at start; a change to any of them needs a restart. */
export const restartSettings = [
  "faro.modelsDirs",
  "faro.aliases",
  "faro.endpoint",
  "faro.engine",
  "faro.server.runtime",
] as const;

function expandHome(path: string, userHome: string): string {
  if (path === "~") return userHome;
  if (path.startsWith("~/") || path.startsWith("~\\")) return userHome + path.slice(1);
  return path;
}

/** Unset keys are left out so the backend applies its own defaults. */
function dropUndefined<T extends object>(value: T): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<{
    [K in keyof T]: Exclude<T[K], undefined>;
  }>;
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");
const isNonEmptyString = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";
const isBoolean = (v: unknown): v is boolean => typeof v === "boolean";
const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535;
const isNonNegativeInteger = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isStringRecord = (v: unknown): v is Record<string, string> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((s) => typeof s === "string" && s.trim() !== "");
const isGpu = (v: unknown): v is "auto" | "cpu" => v === "auto" || v === "cpu";
