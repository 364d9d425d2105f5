/**
 * Backend configuration: defaults, then environment (FARO_*), then command-line flags. Every
 * value is validated here so a typo fails at start-up with a message naming the flag.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { BatchGather } from "./engine/batchGather";
import { parseDuration } from "./engine/duration";
import { DEFAULT_BODY_LIMIT } from "./http/body";

export const DEFAULT_PORT = 4891;
export const DEFAULT_HOST = "127.0.0.1";

export interface BackendConfig {
  home: string;
  modelsDirs: string[];
  host: string;
  port: number;
  apiKey: string | null;
  allowedOrigins: string[];
  threads: number;
  gpu: "auto" | "cpu";
  slots: number;
  maxContextSize: number;
  bodyLimit: number;
  defaultModel: string | null;
  batchSize: number;
  batchGather: BatchGather;
  maxLoadedModels: number;
  /** Idle time before a model unloads; Infinity keeps it loaded. */
  keepAliveMs: number;
  maxQueue: number;
  agingMs: number;
  /** The gateway's config file (aliases, saved configs, allowed hosts); default <home>/config.json. */
  configFile: string | null;
  /** Aliases from the editor's settings; they win over the config file's. */
  aliases: Record<string, string>;
  /** Keep request/response bodies in the request log; null: config.json's `log.bodies` (default off). */
  logBodies: boolean | null;
  /** Delete request log rows older than this many days (0: never); null: config.json's `log.retention_days` (default 30). */
  logRetentionDays: number | null;
  /** false discards request log rows (FARO_REQUEST_LOG=off, for benchmarks); /metrics still counts. */
  requestLog: boolean;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function defaultConfig(home = join(homedir(), ".faro")): BackendConfig {
  return {
    home,
    modelsDirs: [],
    host: DEFAULT_HOST,
    port: DEFAULT_PORT,
    apiKey: null,
    allowedOrigins: [],
    threads: 0,
    gpu: "auto",
    slots: 4,
    maxContextSize: 8192,
    bodyLimit: DEFAULT_BODY_LIMIT,
    defaultModel: null,
    batchSize: 0,
    batchGather: "auto",
    maxLoadedModels: 2,
    keepAliveMs: 5 * 60_000,
    maxQueue: 64,
    agingMs: 30_000,
    configFile: null,
    aliases: {},
    logBodies: null,
    logRetentionDays: null,
    requestLog: true,
  };
}

export const SERVE_OPTIONS = {
  host: { type: "string" },
  port: { type: "string", short: "p" },
  home: { type: "string" },
  "models-dir": { type: "string", multiple: true },
  "allowed-origin": { type: "string", multiple: true },
  threads: { type: "string" },
  gpu: { type: "string" },
  slots: { type: "string" },
  "context-size": { type: "string" },
  "default-model": { type: "string" },
  "batch-size": { type: "string" },
  "batch-gather": { type: "string" },
  "max-loaded-models": { type: "string" },
  "keep-alive": { type: "string" },
  "max-queue": { type: "string" },
  "queue-aging": { type: "string" },
  config: { type: "string" },
  "log-bodies": { type: "boolean" },
  "log-retention-days": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** `faro serve` flags over FARO_* variables over defaults. */
export function resolveServeConfig(args: string[], env: NodeJS.ProcessEnv): { config: BackendConfig; help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args, options: SERVE_OPTIONS, allowPositionals: false, strict: true });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const v = parsed.values;
  const home = resolve(v.home ?? env.FARO_HOME ?? join(homedir(), ".faro"));
  const config = defaultConfig(home);
  const dirs = v["models-dir"] ?? splitList(env.FARO_MODELS_DIR);
  config.modelsDirs = dirs.map((d) => resolve(d));
  config.host = v.host ?? env.FARO_HOST ?? DEFAULT_HOST;
  config.port = integer("--port / FARO_PORT", v.port ?? env.FARO_PORT, DEFAULT_PORT, 0, 65535);
  config.apiKey = env.FARO_API_KEY?.trim() || null;
  config.allowedOrigins = v["allowed-origin"] ?? splitList(env.FARO_ALLOWED_ORIGINS, ",");
  config.threads = integer("--threads / FARO_THREADS", v.threads ?? env.FARO_THREADS, 0, 0, 1024);
  config.slots = integer("--slots / FARO_SLOTS", v.slots ?? env.FARO_SLOTS, config.slots, 1, 64);
  config.maxContextSize = integer("--context-size / FARO_CONTEXT_SIZE", v["context-size"] ?? env.FARO_CONTEXT_SIZE, config.maxContextSize, 64, 1 << 20);
  const gpu = v.gpu ?? env.FARO_GPU ?? "auto";
  if (gpu !== "auto" && gpu !== "cpu") throw new ConfigError(`--gpu / FARO_GPU must be 'auto' or 'cpu', not '${gpu}'.`);
  config.gpu = gpu;
  config.defaultModel = v["default-model"] ?? env.FARO_DEFAULT_MODEL ?? null;
  const configFile = v.config ?? env.FARO_CONFIG;
  config.configFile = configFile ? resolve(configFile) : null;
  config.batchSize = integer("--batch-size / FARO_BATCH_SIZE", v["batch-size"] ?? env.FARO_BATCH_SIZE, 0, 0, 1 << 16);
  config.batchGather = batchGather(v["batch-gather"] ?? env.FARO_BATCH_GATHER);
  config.maxLoadedModels = integer("--max-loaded-models / FARO_MAX_LOADED_MODELS", v["max-loaded-models"] ?? env.FARO_MAX_LOADED_MODELS, config.maxLoadedModels, 1, 64);
  config.maxQueue = integer("--max-queue / FARO_MAX_QUEUE", v["max-queue"] ?? env.FARO_MAX_QUEUE, config.maxQueue, 0, 100_000);
  config.keepAliveMs = duration("--keep-alive / FARO_KEEP_ALIVE", v["keep-alive"] ?? env.FARO_KEEP_ALIVE, config.keepAliveMs);
  config.agingMs = duration("--queue-aging / FARO_QUEUE_AGING", v["queue-aging"] ?? env.FARO_QUEUE_AGING, config.agingMs);
  if (!Number.isFinite(config.agingMs) || config.agingMs <= 0) throw new ConfigError("--queue-aging / FARO_QUEUE_AGING must be a positive duration such as 30s.");
  config.logBodies = v["log-bodies"] ?? flag("FARO_LOG_BODIES", env.FARO_LOG_BODIES);
  const retention = v["log-retention-days"] ?? env.FARO_LOG_RETENTION_DAYS;
  config.logRetentionDays = retention === undefined ? null : integer("--log-retention-days / FARO_LOG_RETENTION_DAYS", retention, 30, 0, 100_000);
  config.requestLog = flag("FARO_REQUEST_LOG", env.FARO_REQUEST_LOG) ?? true;
  return { config, help: v.help === true };
}

function batchGather(raw: string | undefined): BatchGather {
  const v = raw?.trim() ?? "";
  if (v === "" || v === "auto") return "auto";
  if (v === "all" || v === "never") return v;
  const n = Number(v);
  if (Number.isInteger(n) && n >= 2 && n <= 64) return n;
  throw new ConfigError(`--batch-gather / FARO_BATCH_GATHER must be 'auto', 'all', 'never' or a number of streams from 2 to 64, not '${raw}'.`);
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not '${raw}'.`);
  }
  return n;
}

function flag(name: string, raw: string | undefined): boolean | null {
  if (raw === undefined || raw.trim() === "") return null;
  const v = raw.trim().toLowerCase();
  if (["1", "true", "on", "yes"].includes(v)) return true;
  if (["0", "false", "off", "no"].includes(v)) return false;
  throw new ConfigError(`${name} must be on or off, not '${raw}'.`);
}

function duration(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const ms = parseDuration(raw);
  if (ms === null) throw new ConfigError(`${name} must be a duration such as 90s, 5m or 1h (negative: forever), not '${raw}'.`);
  return ms;
}

/** FARO_MODELS_DIR takes several folders separated like PATH. */
function splitList(raw: string | undefined, sep = process.platform === "win32" ? ";" : ":"): string[] {
  return raw ? raw.split(sep).map((s) => s.trim()).filter(Boolean) : [];
}
