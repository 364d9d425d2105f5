/**
 * In-memory counters for `GET /metrics` (Prometheus text exposition format 0.0.4): updated once
 * per logged request by the endpoint, rendered on scrape with the engine's gauges. Nothing here
 * reads SQLite. Label sets are capped so a client inventing model names cannot grow memory.
 */
import type { RequestRow } from "../store/requestLog";

/** Seconds; Prometheus' conventional buckets stretched to the minutes a local model can take. */
export const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;
/** Distinct values kept per label (routes include ids and unknown paths, models are the client's). */
const MAX_VALUES = { route: 200, model: 500 } as const;

type Labels = Record<string, string>;

class Counter {
  readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  add(labels: Labels, n: number): void {
    this.addAt(key(labels), n);
  }
  /** `k`: the series' label text, key(labels). */
  addAt(k: string, n: number): void {
    this.values.set(k, (this.values.get(k) ?? 0) + n);
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const [k, v] of this.values) out.push(`${this.name}${k} ${num(v)}`);
  }
}

class Histogram {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number; labels: Labels }>();
  constructor(readonly name: string, readonly help: string) {}
  observe(labels: Labels, seconds: number): void {
    this.observeAt(key(labels), labels, seconds);
  }
  /** `k`: key(labels). */
  observeAt(k: string, labels: Labels, seconds: number): void {
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: new Array<number>(DURATION_BUCKETS_S.length).fill(0), sum: 0, count: 0, labels }));
    for (let i = 0; i < DURATION_BUCKETS_S.length; i++) if (seconds <= DURATION_BUCKETS_S[i]!) s.counts[i]! += 1;
    s.sum += seconds;
    s.count += 1;
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const s of this.series.values()) {
      DURATION_BUCKETS_S.forEach((b, i) => out.push(`${this.name}_bucket${key({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${key({ ...s.labels, le: "+Inf" })} ${s.count}`);
      out.push(`${this.name}_sum${key(s.labels)} ${num(s.sum)}`, `${this.name}_count${key(s.labels)} ${s.count}`);
    }
  }
}

/** `{a="x",b="y"}` with values escaped as the format requires. */
function key(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function num(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? "+Inf" : v < 0 ? "-Inf" : "NaN";
}

/** Label texts of one (route, model, provider); `requests` by status class (2 for 2xx). */
interface SeriesKeys {
  labels: Labels;
  requests: string[];
  duration: string;
  modelProvider: string;
  promptTokens: string;
  completionTokens: string;
}
/** Cached label sets kept at most (the caps allow more combinations than a real workload has). */
const MAX_KEY_SETS = 10_000;

export interface EngineGauges {
  loaded: string[];
  active: number;
  waiting: number;
  decodeBatches: number;
  decodedSequences: number;
}

export interface LogWriterGauges {
  committed: number;
  dropped: number;
  pendingCount: number;
}

export class Metrics {
  private readonly requests = new Counter("faro_requests_total", "API requests by route, model, provider and status class (499: client went away).");
  private readonly duration = new Histogram("faro_request_duration_seconds", "Request latency, arrival to last byte.");
  private readonly ttft = new Histogram("faro_time_to_first_token_seconds", "Time to the first token of generations.");
  private readonly tokens = new Counter("faro_tokens_total", "Tokens by model, provider and type (prompt = input, completion = output).");
  private readonly cost = new Counter("faro_cost_usd_total", "Cost in US dollars of requests with a known price.");
  private readonly cache = new Counter("faro_cache_requests_total", "Response cache lookups by result (hit, miss, refresh).");
  private readonly seen = { route: new Set<string>(), model: new Set<string>() };
  private readonly keys = new Map<string, SeriesKeys>();

  observe(row: RequestRow): void {
    const model = this.capped("model", row.model ?? "");
    const provider = row.provider ?? "";
    const route = this.capped("route", row.route);
    const k = this.seriesKeys(route, model, provider);
    const statusClass = Math.floor(row.status / 100);
    this.requests.addAt((k.requests[statusClass] ??= key({ ...k.labels, status_class: `${statusClass}xx` })), 1);
    this.duration.observeAt(k.duration, k.labels, row.latencyMs / 1000);
    if (row.ttftMs !== null) this.ttft.observeAt(k.modelProvider, { model, provider }, row.ttftMs / 1000);
    if (row.promptTokens) this.tokens.addAt(k.promptTokens, row.promptTokens);
    if (row.completionTokens) this.tokens.addAt(k.completionTokens, row.completionTokens);
    if (row.costUsd) this.cost.addAt(k.modelProvider, row.costUsd);
    if (row.cacheStatus) this.cache.add({ status: row.cacheStatus }, 1);
  }

  /**
   * The label texts of a (route, model, provider), built once: escaping and joining labels for
   * every series on every request was most of what counting a request cost. Bounded by the caps.
   */
  private seriesKeys(route: string, model: string, provider: string): SeriesKeys {
    const id = `${route}\u0000${model}\u0000${provider}`;
    let k = this.keys.get(id);
    if (k) return k;
    if (this.keys.size >= MAX_KEY_SETS) this.keys.clear();
    const labels = { route, model, provider };
    k = {
      labels,
      requests: [],
      duration: key(labels),
      modelProvider: key({ model, provider }),
      promptTokens: key({ model, provider, type: "prompt" }),
      completionTokens: key({ model, provider, type: "completion" }),
    };
    this.keys.set(id, k);
    return k;
  }

  /** Past the cap, new values are counted as "other". */
  private capped(label: keyof typeof MAX_VALUES, value: string): string {
    const seen = this.seen[label];
    if (seen.has(value)) return value;
    if (seen.size >= MAX_VALUES[label]) return "other";
    seen.add(value);
    return value;
  }

  render(engine: EngineGauges, log: LogWriterGauges, version: string): string {
    const out: string[] = [];
    out.push("# HELP faro_build_info Faro's version.", "# TYPE faro_build_info gauge", `faro_build_info${key({ version })} 1`);
    for (const m of [this.requests, this.duration, this.ttft, this.tokens, this.cost, this.cache]) m.render(out);
    gauge(out, "faro_engine_requests_running", "Local generations running now.", engine.active);
    gauge(out, "faro_engine_requests_waiting", "Local requests waiting in the queue.", engine.waiting);
    out.push("# HELP faro_engine_model_loaded Local models resident in memory.", "# TYPE faro_engine_model_loaded gauge");
    for (const id of engine.loaded) out.push(`faro_engine_model_loaded${key({ model: id })} 1`);
    out.push("# HELP faro_engine_decode_batches_total Decode batches sent by local models.", "# TYPE faro_engine_decode_batches_total counter", `faro_engine_decode_batches_total ${engine.decodeBatches}`);
    out.push(
      "# HELP faro_engine_decode_batch_sequences_total Sequences those batches carried (divided by the batches: how many streams decode together).",
      "# TYPE faro_engine_decode_batch_sequences_total counter",
      `faro_engine_decode_batch_sequences_total ${engine.decodedSequences}`,
    );
    out.push("# HELP faro_request_log_rows_total Request log rows by outcome (committed: acknowledged as written).", "# TYPE faro_request_log_rows_total counter");
    out.push(`faro_request_log_rows_total{outcome="committed"} ${log.committed}`, `faro_request_log_rows_total{outcome="dropped"} ${log.dropped}`);
    gauge(out, "faro_request_log_pending_rows", "Rows waiting for the next flush.", log.pendingCount);
    return out.join("\n") + "\n";
  }
}

function gauge(out: string[], name: string, help: string, v: number): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${num(v)}`);
}
