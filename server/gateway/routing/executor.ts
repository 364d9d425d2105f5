/**
 * Runs a request through a routing config: single, fallback (next target on a failure, or only
 * on `on_status_codes`), loadbalance (weighted pick), conditional (first matching query, else
 * default), each target with its retries, Retry-After, timeout and circuit breaker. Records the
 * trail (attempts, retries, which option answered) for headers and the log.
 */
import { FaroError, badRequest } from "../../errors";
import { merged } from "../../objects";
import { UpstreamError, type Target } from "../../providers/upstream";
import type { CircuitBreaker } from "./breaker";
import { matches, type ConditionContext } from "./conditions";
import type { TargetConfig } from "./config";
import type { TargetGuardrails } from "../guardrails/policy";
import { DEFAULT_RETRY_STATUSES, NO_RETRY, retryDelay, sleep, type RetryPolicy } from "./retry";

/** A target ready to call: where, as what, with which retry policy. */
export interface Leaf {
  target: Target;
  /** Provider family implementing it: local, openai, anthropic, gemini. */
  family: string;
  overrideParams: Record<string, unknown>;
  /** The guardrails config of this target and the nodes above it. */
  guardrails?: TargetGuardrails | undefined;
  retry: RetryPolicy;
  /** Circuit-breaker identity: the same provider, host and model share one. */
  breakerKey: string;
}

/** What children inherit from the nodes above them (Portkey semantics). */
export interface Inherited {
  retry?: TargetConfig["retry"];
  request_timeout?: number;
  /** A custom_host above holds for the targets under it that give none, as in Portkey. */
  custom_host?: string;
  override_params: Record<string, unknown>;
  guardrails?: TargetGuardrails | undefined;
}

export interface Attempt {
  provider: string;
  model: string;
  status: number;
  error: string | null;
}

export interface Trail {
  attempts: Attempt[];
  retries: number;
  /** Index of the option that answered among the top-level targets (0 for a single target). */
  optionIndex: number;
  /** Portkey's x-portkey-last-used-option-index, e.g. "config.targets[1].targets[0]". */
  optionPath: string;
}

/**
 * A target Faro will not call (a custom_host not allowed, an unknown provider), found while
 * resolving it: its trail entry is the attempt it would have been, with this error.
 */
export class RefusedTarget extends FaroError {
  constructor(
    readonly provider: string,
    readonly model: string,
    err: FaroError,
  ) {
    super(err.message, err);
  }
}

export const newTrail = (): Trail => ({ attempts: [], retries: 0, optionIndex: 0, optionPath: "config" });

export type ResolveLeaf = (node: TargetConfig, inherited: Inherited) => Leaf;

export class Executor {
  constructor(
    private readonly resolveLeaf: ResolveLeaf,
    private readonly breaker: CircuitBreaker,
    private readonly random: () => number = Math.random,
  ) {}

  /** `trail` is filled as targets are tried, so a caller that passes its own sees it after a failure too. */
  async run<T>(
    config: TargetConfig,
    cond: ConditionContext,
    call: (leaf: Leaf) => Promise<T>,
    signal: AbortSignal,
    trail: Trail = newTrail(),
  ): Promise<{ value: T; leaf: Leaf; trail: Trail }> {
    const { value, leaf } = await this.node(config, inherit({ override_params: {} }, config), cond, call, signal, trail, "config", true);
    return { value, leaf, trail };
  }

  private async node<T>(
    node: TargetConfig,
    inh: Inherited,
    cond: ConditionContext,
    call: (leaf: Leaf) => Promise<T>,
    signal: AbortSignal,
    trail: Trail,
    path: string,
    top: boolean,
  ): Promise<{ value: T; leaf: Leaf }> {
    const children = node.targets;
    if (!children) {
      trail.optionPath = path;
      const leaf = this.resolve(node, inh, trail);
      return { value: await this.leaf(leaf, call, signal, trail), leaf };
    }
    const child = (i: number) => {
      if (top) trail.optionIndex = i;
      return this.node(children[i]!, inherit(inh, children[i]!), cond, call, signal, trail, `${path}.targets[${i}]`, false);
    };
    const mode = node.strategy?.mode ?? "single";
    if (mode === "single") return child(0);
    if (mode === "loadbalance") return this.balance(children, child);
    if (mode === "conditional") return child(this.choose(node, cond));
    let last: unknown = null;
    for (let i = 0; i < children.length; i++) {
      try {
        return await child(i);
      } catch (err) {
        if (!fallsBack(err, node.strategy?.on_status_codes) || signal.aborted) throw err;
        last = err;
      }
    }
    throw last;
  }

  private resolve(node: TargetConfig, inh: Inherited, trail: Trail): Leaf {
    try {
      return this.resolveLeaf(node, inh);
    } catch (err) {
      if (err instanceof RefusedTarget) trail.attempts.push({ provider: err.provider, model: err.model, status: err.status, error: err.message });
      throw err;
    }
  }

  private async leaf<T>(leaf: Leaf, call: (leaf: Leaf) => Promise<T>, signal: AbortSignal, trail: Trail): Promise<T> {
    // The local engine has its own backpressure (a full queue answers 429 with Retry-After):
    // cutting it off for 30 s would turn a burst into an outage, so only remote targets trip.
    const guarded = leaf.family !== "local";
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      if (guarded && !this.breaker.allow(leaf.breakerKey)) {
        const err = new FaroError(
          `Provider '${leaf.target.provider}' is cooling down after repeated failures; retrying it in ${Math.ceil(this.breaker.remainingMs(leaf.breakerKey) / 1000)} s.`,
          { status: 503, type: "server_error", code: "circuit_open" },
        );
        trail.attempts.push({ provider: leaf.target.provider, model: leaf.target.model, status: 503, error: err.message });
        throw err;
      }
      try {
        const value = await call(leaf);
        if (guarded) this.breaker.success(leaf.breakerKey);
        trail.attempts.push({ provider: leaf.target.provider, model: leaf.target.model, status: 200, error: null });
        return value;
      } catch (err) {
        if (!(err instanceof FaroError)) {
          if (guarded) this.breaker.abandon(leaf.breakerKey);
          throw err;
        }
        // Only the provider's own failures are a verdict on it; Faro's refusals before sending (a
        // virtual key's limits, a guardrail's block, a bad target) are not.
        if (guarded && err instanceof UpstreamError) this.breaker.failure(leaf.breakerKey, err.status);
        else if (guarded) this.breaker.abandon(leaf.breakerKey);
        trail.attempts.push({ provider: leaf.target.provider, model: leaf.target.model, status: err.status, error: err.message });
        const wait = signal.aborted ? null : retryDelay(leaf.retry, attempt, err.status, retryAfterOf(err), this.random, waited);
        if (wait === null) throw err;
        waited += wait;
        trail.retries++;
        await sleep(wait, signal);
      }
    }
  }

  /**
   * A weighted pick; a target cooling down (circuit open: nothing was sent) is passed over for a
   * pick among the others, so one provider's outage does not fail its share of the traffic.
   * Only when every target is cooling down does the request fail.
   */
  private async balance<T>(children: readonly TargetConfig[], child: (i: number) => Promise<T>): Promise<T> {
    const left = children.map((_, i) => i);
    for (;;) {
      const i = left[this.pick(left.map((j) => children[j]!))]!;
      try {
        return await child(i);
      } catch (err) {
        if (!(err instanceof FaroError && err.code === "circuit_open") || left.length === 1) throw err;
        left.splice(left.indexOf(i), 1);
      }
    }
  }

  private pick(children: readonly TargetConfig[]): number {
    const weights = children.map((c) => c.weight ?? 1);
    const total = weights.reduce((a, b) => a + b, 0);
    if (total <= 0) throw badRequest("loadbalance targets need a positive weight.", "config", "invalid_config");
    let r = this.random() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  private choose(node: TargetConfig, cond: ConditionContext): number {
    const names = node.targets!.map((t) => t.name);
    const hit = node.strategy?.conditions?.find((c) => matches(c.query, cond));
    const name = hit?.then ?? node.strategy?.default;
    if (name === undefined) throw badRequest("No routing condition matched this request and the config has no default.", "config", "no_route");
    return names.indexOf(name);
  }
}

function inherit(parent: Inherited, node: TargetConfig): Inherited {
  return {
    retry: node.retry ?? parent.retry,
    request_timeout: node.request_timeout ?? parent.request_timeout,
    custom_host: node.custom_host ?? parent.custom_host,
    override_params: node.override_params ? merged(parent.override_params, node.override_params) : parent.override_params,
    guardrails: node.guardrails && parent.guardrails ? merged(parent.guardrails, node.guardrails) : (node.guardrails ?? parent.guardrails),
  };
}

export function retryPolicy(retry: TargetConfig["retry"]): RetryPolicy {
  if (!retry) return NO_RETRY;
  return { ...NO_RETRY, attempts: retry.attempts, onStatusCodes: retry.on_status_codes ?? DEFAULT_RETRY_STATUSES, useRetryAfter: retry.use_retry_after_header ?? true };
}

/** Portkey falls back on any failure unless on_status_codes narrows it. */
function fallsBack(err: unknown, codes: readonly number[] | undefined): boolean {
  // A client that left, or a guardrail failure configured as final (on_fail "error").
  if (!(err instanceof FaroError) || err.status === 499 || (err as { final?: boolean }).final === true) return false;
  return codes ? codes.includes(err.status) : err.status >= 400;
}

function retryAfterOf(err: FaroError): number | null {
  const own = (err as { retryAfterMs?: number | null }).retryAfterMs;
  if (typeof own === "number") return own;
  const header = Number(err.headers["retry-after-ms"]);
  return Number.isFinite(header) ? header : null;
}
