/**
 * The composition root: builds store, engine, providers, gateway and HTTP endpoint from one
 * config. Both entries (the CLI's `faro serve` and the language server) use it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { version } from "../package.json";
import type { BackendConfig } from "./config";
import { Catalog } from "./engine/catalog";
import { DEMO_MODEL_ID, ensureDemoModel } from "./engine/demoModel";
import { Engine } from "./engine/engine";
import { Gateway } from "./gateway/gateway";
import { HttpEndpoint } from "./http/endpoint";
import { Router } from "./http/router";
import { chatRoutes } from "./http/routes/chat";
import { healthRoutes } from "./http/routes/health";
import { modelRoutes } from "./http/routes/models";
import { queueRoutes } from "./http/routes/queue";
import { embeddingRoutes } from "./http/routes/embeddings";
import { passthroughRoutes } from "./http/routes/passthrough";
import { promptRoutes } from "./http/routes/prompts";
import { PromptVersions } from "./prompts/versions";
import { PromptVersionStore } from "./store/promptVersions";
import { registerSecret, type Logger } from "./logger";
import type { EndpointStatus, ModelsListResult } from "./protocol";
import { LocalProvider } from "./providers/local/localProvider";
import { LocalUpstream } from "./providers/local/localUpstream";
import { OpenAIUpstream } from "./providers/openai/openaiUpstream";
import { AnthropicUpstream } from "./providers/anthropic/anthropicUpstream";
import { GeminiUpstream } from "./providers/gemini/geminiUpstream";
import { KeyStore } from "./gateway/keys";
import { loadGatewaySettings } from "./gateway/settingsFile";
import { addonPath, openDatabase, type Db } from "./store/db";
import { CacheStore } from "./store/cache";
import { ResponseCache } from "./gateway/cache/responseCache";
import { gatewayEmbedder } from "./gateway/cache/embedder";
import { DEFAULT_CACHE_SETTINGS } from "./gateway/cache/policy";
import { RequestLog } from "./store/requestLog";
import { DEFAULT_RETENTION_DAYS, Retention } from "./store/retention";
import { Metrics } from "./http/metrics";
import { withBodyLogging } from "./http/bodyCapture";
import { logRoutes } from "./http/routes/logs";
import { Settings } from "./store/settings";
import { PriceTable } from "./gateway/pricing/priceTable";
import { KeyAdmission } from "./gateway/virtualKeys/admission";
import { VirtualKeys } from "./gateway/virtualKeys/virtualKeys";
import { VirtualKeyStore } from "./store/virtualKeys";

export const FARO_VERSION = version;

export class Backend {
  private constructor(
    readonly config: BackendConfig,
    readonly db: Db,
    readonly requestLog: RequestLog,
    readonly engine: Engine,
    readonly gateway: Gateway,
    readonly endpoint: HttpEndpoint,
    /** Set when the built-in random-weight model is being served. */
    readonly demoModelPath: string | null,
    private readonly logger: Logger,
    /** Recorded `.prompt` versions and labels. */
    readonly prompts: PromptVersions,
    /** Virtual keys with budgets and rate limits (faro keys, faro/keys/*). */
    readonly virtualKeys: VirtualKeys,
  ) {}

  static async create(config: BackendConfig, logger: Logger): Promise<Backend> {
    registerSecret(config.apiKey);
    const db = openDatabase(join(config.home, "faro.db"));
    try {
      let demoModelPath: string | null = null;
      let dirs = config.modelsDirs;
      if (dirs.length === 0) {
        const demo = await ensureDemoModel(config.home);
        if (demo.created) logger.info(`wrote the demo model to ${demo.path}`);
        demoModelPath = demo.path;
        dirs = [join(config.home, "models")];
      }
      // A mistyped --models-dir would otherwise only show as "Models: none found".
      for (const dir of config.modelsDirs) if (!existsSync(dir)) logger.warn(`models folder ${dir} does not exist; no models are read from it until it does`);
      const requestLog = new RequestLog(db, logger, { enabled: config.requestLog, thread: { nativeBinding: addonPath() } });
      const metrics = new Metrics();
      requestLog.onRecord((row) => metrics.observe(row));
      const catalog = new Catalog(dirs, logger, demoModelPath);
      const engine = new Engine(catalog, config, logger);
      const settings = new Settings(db);
      const local = new LocalProvider(engine);
      const fromFile = loadGatewaySettings(config.configFile ?? join(config.home, "config.json"));
      const routing = { ...fromFile, aliases: { ...fromFile.aliases, ...config.aliases } };
      const upstreams = { local: new LocalUpstream(local), openai: new OpenAIUpstream(), anthropic: new AnthropicUpstream(), gemini: new GeminiUpstream() };
      const gateway = new Gateway(local, upstreams, settings, new KeyStore(), routing);
      gateway.prices = new PriceTable(routing.prices);
      const virtualKeys = new VirtualKeys(new VirtualKeyStore(db));
      gateway.admission = new KeyAdmission(virtualKeys, gateway.prices);
      const cache = new ResponseCache(new CacheStore(db), routing.cache ?? DEFAULT_CACHE_SETTINGS, gateway, gatewayEmbedder(gateway), logger);
      const prompts = new PromptVersions(new PromptVersionStore(db));
      const apiRoutes = [
        ...chatRoutes(gateway, config.bodyLimit, config.apiKey, cache),
        ...embeddingRoutes(gateway, config.bodyLimit, config.apiKey),
        ...passthroughRoutes(gateway, config.apiKey),
        ...promptRoutes(gateway, prompts, config.bodyLimit),
      ];
      const logBodies = config.logBodies ?? routing.log?.bodies ?? false;
      const router = new Router([
        ...healthRoutes(engine, version),
        ...modelRoutes(gateway, config.apiKey),
        ...(logBodies ? withBodyLogging(apiRoutes) : apiRoutes),
        ...queueRoutes(engine),
        ...logRoutes(db, requestLog, metrics, engine, version),
      ]);
      const endpoint = new HttpEndpoint(router, requestLog, logger, gateway.admission);
      const backend = new Backend(config, db, requestLog, engine, gateway, endpoint, demoModelPath, logger, prompts, virtualKeys);
      if (config.defaultModel) await gateway.selectDefaultId(config.defaultModel);
      backend.retention = new Retention(db, logger, { days: config.logRetentionDays ?? routing.log?.retention_days ?? DEFAULT_RETENTION_DAYS });
      backend.retention.start();
      return backend;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Deletes request log rows past the retention period (at start, then hourly). */
  private retention: Retention | null = null;

  get demoModelId(): string | null {
    return this.demoModelPath ? DEMO_MODEL_ID : null;
  }

  async listModels(): Promise<ModelsListResult> {
    const { models, defaultModel, aliases } = await this.gateway.modelChoices();
    return { models, defaultModel, aliases };
  }

  startEndpoint(overrides: { host?: string; port?: number } = {}): Promise<EndpointStatus> {
    const c = this.config;
    return this.endpoint.start({
      host: overrides.host ?? c.host,
      port: overrides.port ?? c.port,
      allowedOrigins: c.allowedOrigins,
      apiKey: c.apiKey,
    });
  }

  /** Stops serving, lets running generations see their abort, flushes the log, frees models. */
  async close(): Promise<void> {
    await this.endpoint.stop();
    await this.engine.dispose();
    await this.retention?.stop();
    await this.requestLog.close();
    this.db.close();
    this.logger.debug("backend closed");
  }
}
