/**
 * `faro models pull <url|hf:...>` (download a GGUF into the first models folder with a progress
 * line; Ctrl-C keeps the partial file for a resume) and `faro providers check [PROVIDER...]`
 * (checks the keys found in the environment with a cheap call to each provider).
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, resolveServeConfig, SERVE_OPTIONS } from "./config";
import { Downloads } from "./engine/downloads";
import { progressText } from "./engine/downloadText";
import { FaroError, messageOf } from "./errors";
import { KeyStore } from "./gateway/keys";
import { loadGatewaySettings } from "./gateway/settingsFile";
import { PROVIDER_IDS } from "./gateway/targets";
import type { Logger } from "./logger";
import { checkProviderKey } from "./providers/keyCheck";

export const MANAGE_USAGE = `  faro models pull URL|hf:OWNER/REPO/FILE.gguf|hf:OWNER/REPO:QUANT [--models-dir DIR]
                           download a GGUF into the first models folder (resumable)
  faro providers check [PROVIDER...] [--base-url URL]
                           check the provider keys in the environment (OPENAI_API_KEY...)`;

type Out = NodeJS.WritableStream & { isTTY?: boolean };

export async function pullCommand(args: string[], logger: Logger, out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  const [source, ...rest] = args;
  if (!source || source.startsWith("-")) throw new ConfigError("faro models pull needs a URL or an hf: URI.");
  const { config } = resolveServeConfig(rest, process.env);
  const folder = config.modelsDirs[0] ?? join(config.home, "models");
  const downloads = new Downloads(() => folder, logger);
  const id = "cli";
  let lastLine = 0;
  const onSigint = () => {
    err.write("\nfaro: cancelling; the partial file is kept, run the same command to resume\n");
    downloads.cancel(id);
  };
  process.once("SIGINT", onSigint);
  try {
    const result = await downloads.download(source, {
      id,
      onProgress: (p) => {
        const now = Date.now();
        if (err.isTTY) err.write(`\r\x1b[2K${p.fileName}: ${progressText(p)}`);
        else if (now - lastLine >= 5000 || p.etaSeconds === 0) {
          err.write(`${p.fileName}: ${progressText(p)}\n`);
          lastLine = now;
        }
      },
    });
    if (err.isTTY) err.write("\n");
    out.write(`${result.path}\n`);
    err.write(`Model '${result.model}' is ready: use it as "model": "${result.model}".\n`);
    return 0;
  } catch (e) {
    if (err.isTTY) err.write("\n");
    if (e instanceof FaroError) {
      err.write(`faro: ${e.message}\n`);
      return e.code === "download_cancelled" ? 130 : 1;
    }
    throw e;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

export async function providersCommand(args: string[], out: Out = process.stdout): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "check") throw new ConfigError(`Unknown 'faro providers' command '${sub ?? ""}'. Try 'faro providers check'.`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { "base-url": { type: "string" }, config: SERVE_OPTIONS.config, home: SERVE_OPTIONS.home }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const keys = new KeyStore();
  const named = parsed.positionals;
  const baseUrl = parsed.values["base-url"] ?? null;
  if (baseUrl && named.length !== 1) throw new ConfigError("--base-url applies to one provider: name it, e.g. 'faro providers check openai --base-url URL'.");
  for (const p of named) if (!PROVIDER_IDS.includes(p) || p === "local") throw new ConfigError(`Unknown provider '${p}'. Known: ${PROVIDER_IDS.filter((id) => id !== "local").join(", ")}.`);
  const providers = named.length ? named : keys.configured();
  if (providers.length === 0) {
    out.write("No provider keys in the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, ...).\n");
    return 1;
  }
  const home = parsed.values.home ?? process.env.FARO_HOME ?? join(homedir(), ".faro");
  const configFile = parsed.values.config ?? process.env.FARO_CONFIG ?? join(home, "config.json");
  const { allowedHosts } = loadGatewaySettings(configFile);
  let failures = 0;
  for (const provider of providers) {
    try {
      const r = await checkProviderKey({ provider, key: keys.get(provider), baseUrl }, { allowedHosts });
      if (r.status !== "ok") failures++;
      out.write(`${r.status === "ok" ? "ok     " : r.status.padEnd(7)} ${r.message}\n`);
    } catch (e) {
      failures++;
      out.write(`error   ${provider}: ${messageOf(e)}\n`);
    }
  }
  return failures === 0 ? 0 : 1;
}
