/**
 * The gateway: turns a request's model name or routing config into targets (local engine or
 * remote providers), runs it through the routing executor (fallbacks, load balancing,
 * conditions, retries, timeouts, circuit breaker) and records model, provider, TTFT and usage.
 * Guardrails (PII redaction/blocking, output checks) run per target inside the executor.
 */
import { FaroError, badRequest } from "../errors";
import type { ModelInfo, ProvidersListResult } from "../protocol";
import type { LocalProvider } from "../providers/local/localProvider";
import type { ChatEvent, Embeddings, RequestContext, Usage } from "../providers/types";
import type { ProviderModel, RawResponse, Target, Upstream } from "../providers/upstream";
import type { Settings } from "../store/settings";
import { RequestGuard } from "./guardrails/guard";
import { envFor, type KeyStore } from "./keys";
import { costOf } from "./pricing/cost";
import { AnswerText, countUsage } from "./pricing/usageCount";
import { PriceTable } from "./pricing/priceTable";
import type { Addressed, KeyAdmission } from "./virtualKeys/admission";
import type { TargetConfig } from "./routing/config";
import type { RequestRecord } from "./requestRecord";
import { CircuitBreaker } from "./routing/breaker";
import { Executor, newTrail, type Leaf, type Trail } from "./routing/executor";
import { NO_HINTS, refusedBeforeTargets, type RoutingHints } from "./routing/headers";
import type { ChatCompletionRequest, CompletionRequest, EmbeddingRequest } from "./schema";
import { EMPTY_SETTINGS, PROVIDER_IDS, familyOf, leafResolver, providerId, requestConfig, type GatewaySettings } from "./targets";
import { PRESETS } from "../providers/openai/presets";

export const DEFAULT_MODEL_ALIAS = "default";
const DEFAULT_MODEL_KEY = "default_model";

export interface Generation {
  /** The model that answered, as its provider names it. */
  model: string;
  provider: string;
  events: AsyncIterable<ChatEvent>;
  trail: Trail;
}

type Body = { model: string };

/** The local catalog, what `default` stands for, the user's aliases, and which cloud providers have what they need. */
export interface ModelChoices {
  models: ModelInfo[];
  defaultModel: string | null;
  aliases: string[];
  canAsk: (provider: string) => boolean;
}

export class Gateway {
  private readonly breaker = new CircuitBreaker({ threshold: 5, cooldownMs: 30_000 });
  /** Token prices for cost (backend.ts sets the table with config.json's overrides). */
  prices = new PriceTable();
  /** Checks requests that present a virtual key; null: no virtual keys (tests, the prompt runner alone). */
  admission: KeyAdmission | null = null;

  constructor(
    private readonly local: LocalProvider,
    private readonly upstreams: Readonly<Record<string, Upstream>>,
    private readonly settings: Settings,
    readonly keys: KeyStore,
    readonly routing: GatewaySettings = EMPTY_SETTINGS,
  ) {}

  listModels(): Promise<ModelInfo[]> {
    return this.local.listModels();
  }

  /** The model `default` stands for: the user's choice if it still exists, else a real model, else the demo. */
  async defaultModel(): Promise<ModelInfo | null> {
    const models = await this.listModels();
    const chosen = this.settings.get(DEFAULT_MODEL_KEY);
    return models.find((m) => m.id === chosen) ?? models.find((m) => !m.faro.demo) ?? models[0] ?? null;
  }

  /**
   * What `default` stands for, as an id: a cloud `provider/model` chosen with Select Model, else the
   * local default model's id.
   */
  async defaultModelId(): Promise<string | null> {
    const chosen = this.settings.get(DEFAULT_MODEL_KEY);
    if (chosen && cloudRef(chosen)) return chosen;
    return (await this.defaultModel())?.id ?? null;
  }

  /** Makes `id` the default: a local model that exists, or any `provider/model` of a known cloud provider. */
  async selectDefaultId(id: string): Promise<string> {
    if (!cloudRef(id)) return (await this.selectDefault(id)).id;
    this.settings.set(DEFAULT_MODEL_KEY, id);
    return id;
  }

  async selectDefault(id: string): Promise<ModelInfo> {
    const model = await this.local.findModel(id);
    if (!model) throw new FaroError(`The model '${id}' does not exist. GET /v1/models lists the models Faro serves.`, { status: 404, type: "invalid_request_error", code: "model_not_found", param: "model" });
    this.settings.set(DEFAULT_MODEL_KEY, model.id);
    return model;
  }

  /** Every provider Faro can route to, whether it has a key, never the key. */
  providers(): ProvidersListResult {
    return {
      providers: PROVIDER_IDS.map((id) => ({
        id,
        family: familyOf(id)!,
        hasKey: id === "local" || this.keys.get(id) !== null,
        baseUrl: id === "local" ? null : (PRESETS[id]?.baseUrl ?? null),
      })),
    };
  }

  /** Every model name a request (or a prompt) may use, and which cloud providers can be asked. */
  async modelChoices(): Promise<ModelChoices> {
    const [models, defaultModel] = await Promise.all([this.listModels(), this.defaultModelId()]);
    return { models, defaultModel, aliases: Object.keys(this.routing.aliases), canAsk: (provider) => this.canAsk(provider) };
  }

  /**
   * Whether a cloud provider can be asked at all: it has a key, or it is a local server that
   * takes none (Ollama, LM Studio; vLLM and llama.cpp on loopback). Whether it answers is only
   * known by asking.
   */
  canAsk(provider: string): boolean {
    if (provider === "local") return true;
    if (this.keys.get(provider) !== null) return true;
    const preset = PRESETS[provider];
    return preset !== undefined && (preset.auth === "none" || (preset.baseUrl?.startsWith("http://127.0.0.1:") ?? false));
  }

  setKey(provider: string, key: string | null): ProvidersListResult {
    if (!familyOf(provider) || provider === "local") throw badRequest(`Unknown provider '${provider}'. Known: ${PROVIDER_IDS.join(", ")}.`, "provider", "unknown_provider");
    this.keys.set(providerId(provider), key);
    return this.providers();
  }

  /**
   * GET /v1/models with x-portkey-provider: that provider's own list, as Portkey proxies it
   * (`local`: Faro's). Its key and custom host come as for a request to it.
   */
  async providerModels(hints: RoutingHints, ctx: RequestContext): Promise<Array<ModelInfo | ProviderModel>> {
    const name = hints.provider?.name ?? "local";
    if (providerId(name) === "local") return this.listModels();
    const leaf = leafResolver("", this.keys, hints, this.routing)({ provider: name, ...hints.provider?.azure }, { override_params: {} });
    const up = this.upstream(leaf);
    const { provider, apiKey, baseUrl } = leaf.target;
    if (!up.listModels) throw badRequest(`Faro cannot list the models of provider '${provider}'.`, "x-portkey-provider", "unsupported_provider");
    // A server at a custom host may need no key: it answers for itself.
    if (!apiKey && !baseUrl && !this.canAsk(provider)) throw missingKey(provider);
    return up.listModels(leaf.target, ctx);
  }

  chat(req: ChatCompletionRequest, record: RequestRecord, ctx: RequestContext, hints: RoutingHints = NO_HINTS): Promise<Generation> {
    return this.generate(req, record, ctx, hints, (up, target, body) => up.chat(target, body as ChatCompletionRequest, ctx));
  }

  complete(req: CompletionRequest, record: RequestRecord, ctx: RequestContext, hints: RoutingHints = NO_HINTS): Promise<Generation> {
    return this.generate(req, record, ctx, hints, (up, target, body) => {
      const completer = up as Upstream & { complete?: (t: Target, r: CompletionRequest, c: RequestContext) => AsyncIterable<ChatEvent> };
      if (!completer.complete) throw badRequest(`Provider '${target.provider}' does not serve legacy completions here; use /v1/chat/completions.`, "model", "unsupported_model");
      return completer.complete(target, body as CompletionRequest, ctx);
    });
  }

  async embed(req: EmbeddingRequest, record: RequestRecord, ctx: RequestContext, hints: RoutingHints = NO_HINTS): Promise<{ model: string; result: Embeddings; trail: Trail }> {
    const guard = this.guard(record, hints);
    const { value, leaf, trail } = await this.execute(req, record, hints, ctx, async (leaf, body) => {
      const up = this.upstream(leaf);
      if (!up.embed) throw badRequest(`Provider '${leaf.target.provider}' has no embeddings.`, "model", "unsupported_model");
      return up.embed(leaf.target, guard.input(leaf, guard.policy(leaf), body as EmbeddingRequest), ctx);
    });
    record.promptTokens = value.promptTokens;
    record.completionTokens = 0;
    record.costUsd = costOf(this.prices.find(leaf.target.provider, leaf.target.model), { prompt_tokens: value.promptTokens, completion_tokens: 0, total_tokens: value.promptTokens });
    return { model: leaf.target.model, result: value, trail };
  }

  /** Audio and image requests go to the target's provider untranslated; `body` rewrites the model. */
  async passthrough(
    kind: string,
    path: string,
    req: Body,
    record: RequestRecord,
    ctx: RequestContext,
    hints: RoutingHints,
    body: (leaf: Leaf) => { body: Buffer; contentType: string },
  ): Promise<{ response: RawResponse; provider: string; trail: Trail }> {
    const guard = this.guard(record, hints);
    const { value, leaf, trail } = await this.execute(req, record, hints, ctx, async (leaf) => {
      const up = this.upstream(leaf);
      if (!up.passthrough) throw badRequest(`The model '${leaf.target.model}' (${leaf.target.provider}) cannot do ${kind}.`, "model", "unsupported_model");
      const b = guard.inputRaw(leaf, guard.policy(leaf), body(leaf));
      return up.passthrough(leaf.target, path, b.body, b.contentType, ctx);
    });
    return { response: value, provider: leaf.target.provider, trail };
  }

  private async generate(
    req: Body,
    record: RequestRecord,
    ctx: RequestContext,
    hints: RoutingHints,
    start: (up: Upstream, target: Target, body: Body) => AsyncIterable<ChatEvent>,
  ): Promise<Generation> {
    // The first event is awaited inside the attempt, so a failure before the first token still
    // retries or falls back; after it, the answer is committed to that target.
    const guard = this.guard(record, hints);
    let sentBody: Body = req;
    const { value, leaf, trail } = await this.execute(req, record, hints, ctx, async (leaf, body) => {
      const policy = guard.policy(leaf);
      const sent = guard.input(leaf, policy, body);
      sentBody = sent;
      return guard.answer(leaf, policy, body, () => {
        record.upstreamStartedAt ??= performance.now();
        return peek(start(this.upstream(leaf), leaf.target, sent));
      });
    });
    return { model: leaf.target.model, provider: leaf.target.provider, events: observe(value, record, this.prices, sentBody), trail };
  }

  private async execute<T>(req: Body, record: RequestRecord, hints: RoutingHints, ctx: RequestContext, call: (leaf: Leaf, body: Body) => Promise<T>) {
    const model = req.model === DEFAULT_MODEL_ALIAS && !hints.config ? await this.defaultId() : req.model;
    const config = requestConfig(model, this.routing, hints);
    const target = addressed(config, model);
    const trail = newTrail();
    try {
      // Virtual keys: budget and rate limits before anything leaves, the allowed models per target tried.
      // A config sent with the request decides the models: the name in the body then allows nothing.
      this.admission?.admit(ctx.requestId, hints.config ? null : model, hints.config ? null : target, req);
      const executor = new Executor(leafResolver(model, this.keys, hints, this.routing), this.breaker);
      const cond = { metadata: hints.metadata, params: req as unknown as Record<string, unknown>, url: { pathname: record.route.slice(record.route.indexOf(" ") + 1) } };
      return await executor.run(
        config,
        cond,
        (leaf) => {
          this.admission?.atTarget(ctx.requestId, leaf.target);
          return call(leaf, { ...req, ...leaf.overrideParams, model: leaf.target.model });
        },
        ctx.signal,
        trail,
      );
    } catch (err) {
      if (trail.attempts.length === 0) refusedBeforeTargets(err, hints, config.targets ? model : null);
      throw err;
    } finally {
      // A request every target failed is logged with what was tried, like one that succeeded.
      this.note(record, trail, hints, target);
    }
  }

  private guard(record: RequestRecord, hints: RoutingHints): RequestGuard {
    return new RequestGuard(record, this.routing.guardrails, hints.guardrails);
  }

  private upstream(leaf: Leaf): Upstream {
    const up = this.upstreams[leaf.family];
    if (!up) throw badRequest(`Provider '${leaf.target.provider}' is not available in this build of Faro.`, "provider", "unknown_provider");
    return up;
  }

  private async defaultId(): Promise<string> {
    const id = await this.defaultModelId();
    if (!id) {
      throw new FaroError("No models are available. Add a .gguf file to a models folder (--models-dir).", {
        status: 404,
        type: "invalid_request_error",
        code: "model_not_found",
        param: "model",
      });
    }
    return id;
  }

  /**
   * The target that answered, or the last one tried, with the whole trail. Refused before any
   * was tried (a virtual key's limits, a host not allowed): `addressed`, the one target the
   * route names, when it names one.
   */
  private note(record: RequestRecord, trail: Trail, hints: RoutingHints, addressed: Addressed | null): void {
    record.traceId = hints.traceId;
    if (Object.keys(hints.metadata).length > 0) record.metadata = hints.metadata;
    const last = trail.attempts.at(-1);
    if (!last) {
      if (addressed) {
        record.provider = providerId(addressed.provider);
        record.model = addressed.model;
      }
      return;
    }
    record.model = last.model;
    record.provider = last.provider;
    record.retries = trail.retries;
    record.fallbackIndex = trail.optionIndex;
    record.attempts = trail.attempts;
  }
}

function missingKey(provider: string): FaroError {
  const env = envFor(provider);
  return new FaroError(
    `Faro has no API key for provider '${provider}': send it as the Authorization bearer with x-portkey-provider${env.length ? `, or set ${env.join(" or ")}` : ""}.`,
    { status: 401, type: "authentication_error", code: "missing_provider_key", param: "x-portkey-provider" },
  );
}

/** `provider/model` naming a cloud provider Faro knows (local model ids never contain a slash). */
function cloudRef(id: string): boolean {
  const slash = id.indexOf("/");
  const provider = slash > 0 ? id.slice(0, slash) : "";
  return slash < id.length - 1 && provider !== "local" && familyOf(provider) !== null;
}

/** Starts the stream and waits for its first event, so errors before it surface here. */
async function peek(events: AsyncIterable<ChatEvent>): Promise<AsyncIterable<ChatEvent>> {
  const it = events[Symbol.asyncIterator]();
  const first = await it.next();
  return {
    [Symbol.asyncIterator]() {
      let pending: IteratorResult<ChatEvent> | null = first;
      return {
        next: () => {
          if (pending) {
            const r = pending;
            pending = null;
            return Promise.resolve(r);
          }
          return it.next();
        },
        return: (v?: unknown) => (it.return ? it.return(v) : Promise.resolve({ done: true as const, value: undefined })),
      };
    },
  };
}

/** Where a plain (single-target) config points, for admission before the executor runs (and the log of a refusal). */
function addressed(config: TargetConfig, model: string): Addressed | null {
  if (config.targets || !config.provider) return null;
  const m = config.override_params?.model;
  return { provider: config.provider, model: typeof m === "string" ? m : model };
}

/**
 * Records TTFT, finish reason, usage and cost as events pass. A provider that reported no usage
 * gets counts from what was sent (`sent`: after guardrails and override_params) and the answer's
 * text (pricing/usageCount.ts: tiktoken for OpenAI-family models, an estimate for the others),
 * which the client sees too, so cost and limits never count a streamed answer as free. An answer
 * cut short (the client went away, the stream broke, Faro stopping) is counted the same way, the
 * provider billing the prompt and what it wrote; that count is left pending on the record (the
 * log row waits for it), so the error reaches the client at once, not after the tokenizer.
 */
async function* observe(events: AsyncIterable<ChatEvent>, record: RequestRecord, prices: PriceTable, sent: Body): AsyncIterable<ChatEvent> {
  const answer = new AnswerText();
  const note = (usage: Usage) => {
    record.promptTokens = usage.prompt_tokens;
    record.completionTokens = usage.completion_tokens;
    record.cachedTokens = usage.prompt_tokens_details?.cached_tokens ?? null;
    record.costUsd = record.provider && record.model ? costOf(prices.find(record.provider, record.model), usage) : null;
  };
  let counted = false;
  try {
    for await (let e of events) {
      if (record.ttftMs === null && e.type !== "choice_end" && e.type !== "usage") record.ttftMs = performance.now() - record.startedAt;
      if (e.type === "choice_end") {
        if (e.index === 0) record.finishReason = e.finishReason;
      } else if (e.type === "usage") {
        if (e.unreported) e = { type: "usage", usage: (await countUsage(record.provider, record.model, sent, answer)).usage };
        note(e.usage);
        counted = true;
      } else answer.add(e);
      yield e;
    }
  } finally {
    if (!counted) record.pending = countUsage(record.provider, record.model, sent, answer).then((c) => note(c.usage));
  }
}
