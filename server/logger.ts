/**
 * The backend's logger: one line per event on stderr (CLI) or the LSP connection (VS Code).
 * Every line passes through `redact`, so provider keys and bearer tokens never reach a log.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

const SECRET_PATTERNS: RegExp[] = [
  /(Bearer\s+)[A-Za-z0-9._~+/=-]{6,}/gi,
  /\b(sk-[A-Za-z0-9_-]{4})[A-Za-z0-9_-]{8,}/g,
  /("?(?:api[_-]?key|authorization|x-api-key)"?\s*[:=]\s*"?)[^\s",}]{4,}/gi,
];

const extraSecrets = new Set<string>();

/** Registers a secret value (e.g. FARO_API_KEY) so it is masked wherever it appears. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) extraSecrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of extraSecrets) out = out.split(secret).join("***");
  for (const re of SECRET_PATTERNS) out = out.replace(re, "$1***");
  return out;
}

export function createLogger(write: (level: LogLevel, line: string) => void, min: LogLevel = "info"): Logger {
  const at = (level: LogLevel) => (msg: string) => {
    if (ORDER[level] >= ORDER[min]) write(level, redact(msg));
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export function stderrLogger(min: LogLevel = (process.env.FARO_LOG_LEVEL as LogLevel) || "info"): Logger {
  return createLogger((level, line) => {
    process.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} ${line}\n`);
  }, ORDER[min] === undefined ? "info" : min);
}
