/**
 * `faro run file.prompt --input key=value [--version N | --label L] [--model M]`: records the
 * file as a version when it changed, renders it (or a recorded version), runs it through the
 * gateway and streams the answer to stdout; latency, tokens and cost go to stderr.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { Backend } from "../backend";
import { ConfigError, resolveServeConfig, SERVE_OPTIONS } from "../config";
import type { Logger } from "../logger";
import { preparePromptRun } from "./prepare";
import { executePromptRun } from "./runner";
import { diskPartials, promptIdOf } from "./workspace";

export const RUN_USAGE = `  faro run FILE.prompt [--input KEY=VALUE]... [--version N | --label LABEL] [--model ID]
                           run a prompt (recorded as a version when it changed) and print
                           the answer; --workspace DIR sets where prompt ids start (default .)`;

const RUN_OPTIONS = {
  input: { type: "string", multiple: true, short: "i" },
  version: { type: "string" },
  label: { type: "string" },
  model: { type: "string", short: "m" },
  workspace: { type: "string" },
} as const;

export async function runCommand(args: string[], logger: Logger, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...SERVE_OPTIONS, ...RUN_OPTIONS }, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) throw new ConfigError(file ? `faro run takes one prompt file, not ${parsed.positionals.length}.` : "faro run needs a .prompt file.");
  const v = parsed.values;
  if (v.version !== undefined && v.label !== undefined) throw new ConfigError("Give either --version or --label, not both.");
  const version = v.version === undefined ? null : Number(v.version);
  if (version !== null && (!Number.isInteger(version) || version < 1)) throw new ConfigError(`--version must be a positive integer, not '${v.version}'.`);
  const variables = Object.fromEntries((v.input ?? []).map(parseInput));
  // The backend options (--home, --models-dir, ...) mean what they mean for `faro serve`.
  const serveArgs = parsed.tokens.flatMap((t) => (t.kind === "option" && t.name in SERVE_OPTIONS ? [t.rawName, ...(t.value !== undefined ? [t.value] : [])] : []));
  const { config } = resolveServeConfig(serveArgs, process.env);

  const path = resolve(file);
  let source: string;
  try {
    source = await readFile(path, "utf8");
  } catch (e) {
    throw new ConfigError(`Cannot read ${file}: ${(e as Error).message}`);
  }
  const roots = [resolve(v.workspace ?? ".")];
  const promptId = promptIdOf(path, roots);
  const backend = await Backend.create(config, logger);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  try {
    const saved = backend.prompts.record(promptId, source).version;
    const chosen = version !== null || v.label !== undefined ? backend.prompts.resolve(promptId, { version, label: v.label ?? null }) : null;
    const prepared = await preparePromptRun({
      ...(await backend.gateway.modelChoices()),
      source: chosen?.source ?? source,
      promptId,
      variables,
      model: v.model ?? null,
      // A recorded version renders with recorded partials; the file with the files next to it.
      partials: chosen ? backend.prompts.partials(promptId) : diskPartials(path, roots),
    });
    const runVersion = chosen?.version ?? saved.version;
    const o = await executePromptRun(backend, prepared, { promptId, version: runVersion, route: "CLI faro run" }, controller.signal, (t) => out.write(t));
    out.write("\n");
    // Tool calls go to stdout with the answer: they are the answer when the model calls a tool.
    for (const c of o.toolCalls) out.write(`tool call ${c.name}${c.id ? ` (${c.id})` : ""}: ${c.arguments}\n`);
    const u = o.usage;
    const stats = [
      `${promptId} v${runVersion}`,
      o.model ?? "?",
      u ? `${u.prompt_tokens} tokens in, ${u.completion_tokens} out` : null,
      `${(o.latencyMs / 1000).toFixed(2)} s`,
      o.ttftMs !== null ? `first token ${o.ttftMs.toFixed(0)} ms` : null,
      o.costUsd === 0 ? "$0 (local)" : o.costUsd === null ? null : `$${o.costUsd.toFixed(6)}`,
      o.finishReason === "stop" ? null : o.finishReason === "abort" ? "cancelled" : `finish: ${o.finishReason}`,
    ];
    err.write(`faro: ${stats.filter(Boolean).join(" · ")}\n`);
    return o.finishReason === "abort" ? 130 : 0;
  } finally {
    process.off("SIGINT", onSignal);
    await backend.close();
  }
}

/** `key=value`; the value is JSON when it parses (numbers, lists, objects), else text. */
function parseInput(raw: string): [string, unknown] {
  const eq = raw.indexOf("=");
  if (eq <= 0) throw new ConfigError(`--input takes KEY=VALUE, not '${raw}'.`);
  const value = raw.slice(eq + 1);
  try {
    return [raw.slice(0, eq), JSON.parse(value) as unknown];
  } catch {
    // Not JSON: a plain string, which is what most inputs are.
    return [raw.slice(0, eq), value];
  }
}
