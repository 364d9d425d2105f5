/**
 * The `faro` command line: `faro serve` runs the backend headless on localhost; `faro models`
 * lists what it would serve. Logs go to stderr, the endpoint URL to stdout.
 */
import { Backend, FARO_VERSION } from "./backend";
import { ConfigError, resolveServeConfig } from "./config";
import { DEMO_MODEL_NOTICE } from "./engine/demoModel";
import { FaroError, messageOf } from "./errors";
import { stderrLogger, type LogLevel } from "./logger";
import { RUN_USAGE, runCommand } from "./prompts/cliRun";
import { LOGS_USAGE, logsCommand } from "./cliLogs";
import { KEYS_USAGE, keysCommand } from "./gateway/virtualKeys/cliKeys";
import { MANAGE_USAGE, providersCommand, pullCommand } from "./cliManage";

const USAGE = `Faro ${FARO_VERSION}: a private AI gateway with an OpenAI-compatible API.

Usage:
  faro serve [options]     serve the OpenAI-compatible API on localhost
  faro models [options]    list the models Faro finds
${RUN_USAGE}
${LOGS_USAGE}
${KEYS_USAGE}
${MANAGE_USAGE}
  faro --version

Options (environment variable in brackets):
  --host HOST              address to bind (FARO_HOST, default 127.0.0.1; other than
                           loopback requires FARO_API_KEY)
  --port N, -p N           port, 0 picks a free one (FARO_PORT, default 4891)
  --home DIR               data folder for faro.db and the demo model (FARO_HOME, default ~/.faro)
  --models-dir DIR         folder with .gguf models, repeatable (FARO_MODELS_DIR, ':'-separated)
  --allowed-origin URL     browser origin allowed to call the API, repeatable
                           (FARO_ALLOWED_ORIGINS, comma-separated)
  --threads N              CPU threads for inference, 0 = choose from the model (FARO_THREADS)
  --gpu auto|cpu           use a GPU when available (FARO_GPU, default auto)
  --slots N                concurrent generations per loaded model (FARO_SLOTS, default 4)
  --context-size N         upper bound of a model's context in tokens (FARO_CONTEXT_SIZE, default 8192)
  --default-model ID       model that requests for 'default' use (FARO_DEFAULT_MODEL)
  --batch-size N           tokens per decode batch, 0 = node-llama-cpp's choice (FARO_BATCH_SIZE)
  --batch-gather auto|all|never|N
                           how many concurrent streams a decode batch waits for: auto is 3 on a
                           CPU and all on a GPU (FARO_BATCH_GATHER, default auto)
  --max-loaded-models N    models kept in memory at once, least recently used leaves first
                           (FARO_MAX_LOADED_MODELS, default 2)
  --keep-alive DURATION    unload an idle model after this long, e.g. 5m; -1 = never
                           (FARO_KEEP_ALIVE, default 5m; per request: "keep_alive")
  --max-queue N            waiting requests before 429 (FARO_MAX_QUEUE, default 64)
  --config FILE            gateway config: aliases, saved routing configs, allowed hosts
                           (FARO_CONFIG, default <home>/config.json)
  --queue-aging DURATION   waiting this long raises a request's priority one level
                           (FARO_QUEUE_AGING, default 30s)
  --log-bodies             keep request and response bodies in the request log, redacted
                           (FARO_LOG_BODIES=on, or "log": {"bodies": true} in config.json)
  --log-retention-days N   delete request log rows older than N days, 0 = never
                           (FARO_LOG_RETENTION_DAYS, or log.retention_days; default 30)
  (FARO_API_KEY)           when set, requests must send 'Authorization: Bearer <key>'
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`${FARO_VERSION}\n`);
    return 0;
  }
  if (command === "keys") return keysCommand(rest, process.env);
  if (command === "logs") return logsCommand(rest, process.env);
  if (command === "run") {
    // Only warnings and errors on stderr: the answer and its stats are what a run prints.
    return runCommand(rest, stderrLogger((process.env.FARO_LOG_LEVEL as LogLevel | undefined) || "warn"));
  }
  if (command === "models" && rest[0] === "pull") return pullCommand(rest.slice(1), stderrLogger((process.env.FARO_LOG_LEVEL as LogLevel | undefined) || "warn"));
  if (command === "providers") return providersCommand(rest);
  if (command !== "serve" && command !== "models") {
    process.stderr.write(`faro: unknown command '${command}'.\n\n${USAGE}`);
    return 2;
  }
  const { config, help } = resolveServeConfig(rest, process.env);
  if (help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const logger = stderrLogger();
  const backend = await Backend.create(config, logger);
  if (command === "models") {
    const { models, defaultModel } = await backend.listModels();
    for (const m of models) {
      const f = m.faro;
      const mark = m.id === defaultModel ? "*" : " ";
      process.stdout.write(`${mark} ${m.id}\t${f.architecture ?? "?"}\t${f.quantization ?? "?"}\t${f.parameters ?? "?"} params\t${f.path}\n`);
    }
    await backend.close();
    return 0;
  }
  return serve(backend);
}

async function serve(backend: Backend): Promise<number> {
  const status = await backend.startEndpoint();
  const { models, defaultModel } = await backend.listModels();
  const out = [
    `Faro ${FARO_VERSION}`,
    `  OpenAI-compatible endpoint: ${status.url}`,
    `  Home: ${backend.config.home} (faro.db)`,
    `  Models: ${models.map((m) => (m.id === defaultModel ? `${m.id} (default)` : m.id)).join(", ") || "none found"}`,
  ];
  if (status.apiKeyRequired) out.push("  API key required (FARO_API_KEY).");
  if (backend.demoModelId) out.push("", `Note: ${DEMO_MODEL_NOTICE}`);
  out.push("", "Press Ctrl-C to stop.", "");
  process.stdout.write(out.join("\n"));

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`faro: ${signal} again, exiting without cleanup\n`);
        process.exit(130);
      }
      stopping = true;
      process.stderr.write(`faro: ${signal} received, shutting down\n`);
      backend.close().then(
        () => resolve(0),
        (err: unknown) => {
          process.stderr.write(`faro: error while shutting down: ${messageOf(err)}\n`);
          resolve(1);
        },
      );
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

process.on("unhandledRejection", (reason) => {
  process.stderr.write(`faro: unhandled rejection (a bug, please report): ${reason instanceof Error ? reason.stack : String(reason)}\n`);
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`faro: ${err.message}\nRun 'faro --help' for the options.\n`);
    // Faro's own errors (a provider's failure included) are messages for the user; anything else is a bug.
    else process.stderr.write(`faro: ${err instanceof Error && !(err instanceof FaroError) ? err.stack : messageOf(err)}\n`);
    process.exit(1);
  },
);
