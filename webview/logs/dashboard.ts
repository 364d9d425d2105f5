/**
 * faro/logs/stats turned into what the dashboard draws: headline numbers and the five charts
 * (requests per minute, p50/p95 latency per model, cost per day, cache hit rate, tokens/s).
 * Pure: markup strings from charts.ts, each with a text summary.
 */
import type { LogStatsModel, LogStatsResult } from "../../server/protocol";
import { barChart, columnChart, lineChart } from "./charts";
import { axisTime, count, ms, percent, rate, usd } from "./format";

export interface Tile {
  label: string;
  value: string;
}

export function tiles(s: LogStatsResult): Tile[] {
  const t = s.totals;
  return [
    { label: "Requests", value: count(t.requests) },
    { label: "Errors", value: `${count(t.errors)} (${percent(t.errorRate)})` },
    { label: "p50 / p95 latency", value: `${ms(t.latencyP50Ms)} / ${ms(t.latencyP95Ms)}` },
    { label: "Cost", value: usd(t.costUsd) },
    { label: "Cache hit rate", value: t.cacheHitRate === null ? "not used" : percent(t.cacheHitRate) },
    { label: "Tokens/s", value: rate(t.tokensPerSecond) },
  ];
}

export interface Chart {
  key: string;
  heading: string;
  svg: string;
}

const modelName = (m: LogStatsModel) => `${m.model ?? "(no model)"}${m.provider && m.provider !== "local" ? ` · ${m.provider}` : ""}`;

/** Models with requests, busiest first, at most `max` (the bar charts stay readable). */
function topModels(s: LogStatsResult, max = 8): LogStatsModel[] {
  return s.models.filter((m) => m.requests > 0).slice(0, max);
}

export function charts(s: LogStatsResult): Chart[] {
  const pts = s.series.points;
  const span = s.until - s.since;
  const times = pts.map((p) => p.t);
  const perMin = pts.map((p) => p.requestsPerMinute);
  const errPerMin = pts.map((p) => p.errors / (s.series.bucketMs / 60_000));
  const peak = pts.reduce((best, p) => (p.requestsPerMinute > (best?.requestsPerMinute ?? -1) ? p : best), pts[0]);
  const bucket = s.series.bucketMs === 60_000 ? "per minute" : `per minute, averaged over ${Math.round(s.series.bucketMs / 60_000)}-minute buckets`;
  const models = topModels(s);
  const hits = pts.map((p) => (p.requests > 0 ? p.cacheHits / p.requests : null));
  const list = (f: (m: LogStatsModel) => string) => (models.length ? models.map((m) => `${modelName(m)} ${f(m)}`).join("; ") : "no requests in this range");
  return [
    {
      key: "rpm",
      heading: "Requests per minute",
      svg: lineChart({
        id: "c-rpm",
        title: `Requests ${bucket}`,
        desc: `${count(s.totals.requests)} requests, ${count(s.totals.errors)} errors in the range.${peak && peak.requests > 0 ? ` Peak ${count(peak.requestsPerMinute)} per minute at ${axisTime(peak.t, span)}.` : ""}`,
        times,
        series: [{ name: "requests", values: perMin }, { name: "errors", values: errPerMin }],
        yFormat: count,
        xFormat: (t) => axisTime(t, span),
      }),
    },
    {
      key: "latency",
      heading: "Latency per model (p50, p95)",
      svg: barChart({
        id: "c-lat",
        title: "p50 and p95 latency per model",
        desc: list((m) => `p50 ${ms(m.latencyP50Ms)}, p95 ${ms(m.latencyP95Ms)}`),
        categories: models.map(modelName),
        series: [{ name: "p50", values: models.map((m) => m.latencyP50Ms) }, { name: "p95", values: models.map((m) => m.latencyP95Ms) }],
        format: ms,
      }),
    },
    {
      key: "cost",
      heading: "Cost per day",
      svg: columnChart({
        id: "c-cost",
        title: "Cost per day (USD)",
        desc: s.daily.length ? `${s.daily.map((d) => `${d.day} ${usd(d.costUsd)}`).join("; ")}. Total ${usd(s.totals.costUsd)}.` : "No requests in this range.",
        labels: s.daily.map((d) => d.day.slice(5)),
        values: s.daily.map((d) => d.costUsd),
        format: usd,
      }),
    },
    {
      key: "cache",
      heading: "Cache hit rate",
      svg: lineChart({
        id: "c-cache",
        title: "Share of requests answered from the cache",
        desc: s.totals.cacheHitRate === null
          ? "The cache was not used in this range."
          : `${percent(s.totals.cacheHitRate)} of cache lookups hit (${count(s.totals.cacheHits)} hits, ${count(s.totals.cacheMisses)} misses).`,
        times,
        series: [{ name: "hit rate", values: hits }],
        yFormat: percent,
        xFormat: (t) => axisTime(t, span),
      }),
    },
    {
      key: "tps",
      heading: "Tokens per second per model",
      svg: barChart({
        id: "c-tps",
        title: "Completion tokens per second after the first token, per model",
        desc: list((m) => rate(m.tokensPerSecond)),
        categories: models.map(modelName),
        series: [{ name: "tokens/s", values: models.map((m) => m.tokensPerSecond) }],
        format: (v) => rate(v).replace(" tok/s", ""),
      }),
    },
  ];
}
