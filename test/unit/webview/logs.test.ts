/** The Logs dashboard's DOM-free logic: filters → query/stats params, row merging, formatting, SVG scales/paths/charts, stats → charts, one poll. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { LogQueryParams, LogRow, LogRowFull, LogStatsModel, LogStatsParams, LogStatsResult } from "../../../server/protocol";
import { DEFAULT_FILTER, RANGES, parseStatus, parseTags, queryParams, restoreFilter, statsParams, toFilter } from "../../../webview/logs/filters";
import { appendPage, mergeNewest } from "../../../webview/logs/rows";
import { count, detailSections, ms, percent, prettyBody, rate, rowTokensPerSecond, tokens, usd } from "../../../webview/logs/format";
import { barChart, columnChart, escapeXml, lineChart, linePath, linearScale, niceStep, niceTicks, valueScale } from "../../../webview/logs/charts";
import { charts, tiles } from "../../../webview/logs/dashboard";
import { pollOnce } from "../../../webview/logs/poll";

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

test("filters: an empty filter is just the time range", () => {
  const f = toFilter(DEFAULT_FILTER, NOW);
  assert.deepEqual(f, { ok: true, value: { since: NOW - 86_400_000 } });
});

test("filters: every field maps onto LogFilter; blanks are trimmed away", () => {
  const f = toFilter({ range: "15m", model: " gpt-4o ", provider: "openai", status: "429", prompt: "summarize@3", tags: "team=search, env = dev, q=a=b" }, NOW);
  assert.deepEqual(f, {
    ok: true,
    value: { since: NOW - 15 * 60_000, model: "gpt-4o", provider: "openai", status: 429, promptId: "summarize", promptVersion: 3, metadata: { team: "search", env: "dev", q: "a=b" } },
  });
  assert.deepEqual(toFilter({ ...DEFAULT_FILTER, status: "5XX", prompt: "plain-id" }, NOW), { ok: true, value: { since: NOW - 86_400_000, status: "5xx", promptId: "plain-id" } });
});

test("filters: bad input is a precise message, not a query", () => {
  assert.deepEqual(parseTags("team"), { ok: false, error: "Tag 'team' must be key=value (e.g. team=search)." });
  assert.deepEqual(parseTags("=x"), { ok: false, error: "Tag '=x' must be key=value (e.g. team=search)." });
  assert.deepEqual(parseTags("a=1,a=2"), { ok: false, error: "Tag 'a' is given twice." });
  assert.deepEqual(parseTags(" , "), { ok: true, value: undefined });
  assert.match((parseStatus("600") as { error: string }).error, /100-599/);
  assert.match((parseStatus("bad") as { error: string }).error, /ok, error, 2xx\.\.5xx/);
  const bad = toFilter({ ...DEFAULT_FILTER, tags: "x" }, NOW);
  assert.equal(bad.ok, false);
  assert.equal(queryParams({ ...DEFAULT_FILTER, status: "nope" }, NOW, 50).ok, false);
});

test("filters: query params carry limit and cursor; stats params only range, model, provider", () => {
  const state = { ...DEFAULT_FILTER, range: "1h" as const, model: "m", provider: "p", status: "error", tags: "a=b" };
  assert.deepEqual(queryParams(state, NOW, 50, "c1"), { ok: true, value: { since: NOW - 3_600_000, model: "m", provider: "p", status: "error", metadata: { a: "b" }, limit: 50, cursor: "c1" } satisfies LogQueryParams });
  assert.deepEqual(queryParams(state, NOW, 10, null), { ok: true, value: { since: NOW - 3_600_000, model: "m", provider: "p", status: "error", metadata: { a: "b" }, limit: 10 } });
  assert.deepEqual(statsParams(state, NOW, 120), { since: NOW - 3_600_000, until: NOW, maxPoints: 120, utcOffsetMinutes: 120, model: "m", provider: "p" } satisfies LogStatsParams);
  for (const k of Object.keys(RANGES) as Array<keyof typeof RANGES>) assert.equal(statsParams({ ...DEFAULT_FILTER, range: k }, NOW, 0).since, NOW - RANGES[k].ms);
});

test("filters: saved state from an older or tampered webview is repaired", () => {
  assert.deepEqual(restoreFilter(undefined), DEFAULT_FILTER);
  assert.deepEqual(restoreFilter({ range: "99y", model: 3, provider: "x", extra: true }), { ...DEFAULT_FILTER, provider: "x" });
  assert.deepEqual(restoreFilter({ ...DEFAULT_FILTER, range: "7d", tags: "a=b" }), { ...DEFAULT_FILTER, range: "7d", tags: "a=b" });
});

const row = (id: string, over: Partial<LogRow> = {}): LogRow => ({
  id, createdAt: NOW, route: "POST /v1/chat/completions", model: "m", provider: "local", stream: false, status: 200, latencyMs: 100, ttftMs: 20,
  promptTokens: 10, completionTokens: 40, finishReason: "stop", error: null, promptId: null, promptVersion: null, retries: 0, fallbackIndex: null,
  traceId: null, costUsd: 0, cachedTokens: null, cacheStatus: null, metadata: null, virtualKeyId: null, guardrails: null, attempts: null, ...over,
});
const ids = (rows: LogRow[]) => rows.map((r) => r.id).join(",");

test("rows: load more appends older pages without duplicates", () => {
  const l = appendPage({ rows: [row("c"), row("b")], nextCursor: "x" }, { rows: [row("b"), row("a")], nextCursor: null });
  assert.equal(ids(l.rows), "c,b,a");
  assert.equal(l.nextCursor, null);
});

test("rows: a live poll puts new rows in front and keeps loaded pages", () => {
  const shown = { rows: [row("c"), row("b"), row("a")], nextCursor: "older" };
  const m = mergeNewest(shown, { rows: [row("e"), row("d"), row("c"), row("b")], nextCursor: "cur" });
  assert.equal(ids(m.list.rows), "e,d,c,b,a");
  assert.equal(m.list.nextCursor, "older");
  assert.equal(m.added, 2);
  const same = mergeNewest(m.list, { rows: [row("e"), row("d")], nextCursor: "cur" });
  assert.equal(same.list, m.list);
  assert.equal(same.added, 0);
});

test("rows: a poll with no overlap (a burst bigger than a page, or an empty table) replaces the list", () => {
  const m = mergeNewest({ rows: [row("a")], nextCursor: null }, { rows: [row("z"), row("y")], nextCursor: "next" });
  assert.equal(ids(m.list.rows), "z,y");
  assert.equal(m.list.nextCursor, "next");
  const first = mergeNewest({ rows: [], nextCursor: null }, { rows: [], nextCursor: null });
  assert.equal(first.list.rows.length, 0);
});

test("format: durations, dollars, counts, percentages, rates", () => {
  assert.deepEqual([ms(null), ms(0), ms(0.25), ms(12.4), ms(999), ms(1234), ms(12_345), ms(125_000)], ["—", "0 ms", "0.25 ms", "12 ms", "999 ms", "1.23 s", "12.3 s", "2 min 5 s"]);
  assert.deepEqual([usd(null), usd(0), usd(0.000123), usd(0.0123), usd(1.5), usd(250)], ["—", "$0", "$0.00012", "$0.0123", "$1.50", "$250"]);
  assert.deepEqual([count(null), count(7), count(2.5), count(1234), count(45_600), count(3_400_000)], ["—", "7", "2.5", "1.2k", "46k", "3.4M"]);
  assert.deepEqual([percent(null), percent(0), percent(0.0512), percent(0.5)], ["—", "0%", "5.1%", "50%"]);
  assert.deepEqual([rate(null), rate(5.25), rate(41.6)], ["—", "5.3 tok/s", "42 tok/s"]);
  assert.equal(tokens(row("a", { cachedTokens: 4 })), "10 (4 cached) → 40");
  assert.equal(tokens(row("a", { promptTokens: null, completionTokens: null })), "—");
  assert.equal(rowTokensPerSecond(row("a")), 40 / 0.08);
  assert.equal(rowTokensPerSecond(row("a", { status: 500 })), null);
});

test("format: the detail view lists tokens, cost, latency, TTFT, cache, trail, guardrails and tags", () => {
  const full: LogRowFull = {
    ...row("req-1", { costUsd: null, cacheStatus: "miss", retries: 2, fallbackIndex: 1, metadata: { team: "search" },
      attempts: [{ provider: "openai", model: "gpt-4o", status: 503, error: "upstream down" }, { provider: "local", model: "m", status: 200, error: null }],
      guardrails: [{ check: "pii", stage: "input", verdict: "redacted", detail: { email: 1 } }] }),
    requestBody: '{"model":"m"}',
    responseBody: null,
  };
  const flat = Object.fromEntries(detailSections(full, NOW).flatMap((s) => s.rows.map(([k, v]) => [`${s.title}/${k}`, v])));
  assert.equal(flat["Performance and cost/Latency"], "100 ms");
  assert.equal(flat["Performance and cost/Time to first token"], "20 ms");
  assert.equal(flat["Performance and cost/Cost"], "unknown (no price for this model)");
  assert.equal(flat["Performance and cost/Cache"], "miss");
  assert.equal(flat["Performance and cost/Retries"], "2");
  assert.equal(flat["Tags/team"], "search");
  assert.equal(flat["Routing trail/Attempt 1"], "openai/gpt-4o · status 503 · error: upstream down");
  assert.equal(flat["Routing trail/Attempt 2"], "local/m · status 200");
  assert.equal(flat["Guardrails/pii (input)"], 'redacted · {"email":1}');
  assert.equal(prettyBody(full.requestBody), '{\n  "model": "m"\n}');
  assert.equal(prettyBody("data: not json"), "data: not json");
  assert.equal(prettyBody(null), null);
});

test("charts: nice steps and ticks are round and cover the data", () => {
  assert.deepEqual([niceStep(10, 4), niceStep(7, 4), niceStep(0.9, 4), niceStep(0, 4)], [5, 2, 0.5, 1]);
  assert.deepEqual(niceTicks(0, 7), [0, 2, 4, 6, 8]);
  assert.deepEqual(niceTicks(0, 0), [0, 0.5, 1]);
  assert.deepEqual(niceTicks(0, 0.3, 3), [0, 0.1, 0.2, 0.3]);
  const y = valueScale([3, null, 9], 10, 110);
  assert.deepEqual(y.ticks, [0, 5, 10]);
  assert.equal(y(0), 110);
  assert.equal(y(10), 10);
  assert.equal(y(5), 60);
  assert.equal(linearScale(5, 5, 0, 100)(5), 50);
});

test("charts: line paths round to 0.1 px and break at missing values", () => {
  assert.equal(linePath([[0, 10], [10.04, 20.06], [20, null], [30, 5], [40, 6]]), "M0,10 L10,20.1 M30,5 L40,6");
  assert.equal(linePath([[0, null]]), "");
});

test("charts: markup escapes names and carries an accessible title and summary", () => {
  assert.equal(escapeXml(`<a & "b" 'c'>`), "&lt;a &amp; &quot;b&quot; &#39;c&#39;&gt;");
  const svg = barChart({ id: "x", title: "T<1>", desc: "D", categories: ["<script>"], series: [{ name: "p50", values: [120] }, { name: "p95", values: [null] }], format: ms });
  assert.match(svg, /^<svg [^>]*role="img" aria-labelledby="x-t x-d">/);
  assert.match(svg, /<title id="x-t">T&lt;1&gt;<\/title><desc id="x-d">D<\/desc>/);
  assert.ok(!svg.includes("<script>"));
  assert.match(svg, /<rect class="bar s0" [^>]*><title>&lt;script&gt; · p50: 120 ms<\/title>/);
  assert.match(svg, /p95: no data/);
  assert.ok(!/style=/.test(svg), "no inline styles (the CSP forbids them)");
});

test("charts: a line chart places points on its scales; columns sit on the baseline", () => {
  const svg = lineChart({ id: "l", title: "t", desc: "d", times: [0, 60_000, 120_000], series: [{ name: "a", values: [0, 5, 10] }], yFormat: String, xFormat: String });
  // x from 48 to 468, y from 156 (0) to 28 (10).
  assert.match(svg, /<path class="line s0" d="M48,156 L258,92 L468,28">/);
  assert.equal((svg.match(/<circle /g) ?? []).length, 3);
  const cols = columnChart({ id: "c", title: "t", desc: "d", labels: ["11-20", "11-21"], values: [1, 2], format: usd });
  const rects = [...cols.matchAll(/<rect class="bar s0" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)">/g)].map((m) => Number(m[1]) + Number(m[2]));
  assert.deepEqual(rects, [156, 156]);
  assert.match(columnChart({ id: "e", title: "t", desc: "d", labels: [], values: [], format: usd }), /No data in this range/);
});

const model = (name: string, over: Partial<LogStatsModel> = {}): LogStatsModel => ({
  model: name, provider: "local", requests: 10, errors: 1, errorRate: 0.1, latencyAvgMs: 200, latencyP50Ms: 150, latencyP95Ms: 900, latencyMaxMs: 1000,
  ttftAvgMs: 30, tokensPerSecond: 42, promptTokens: 100, completionTokens: 400, costUsd: 0.0123, cacheHits: 2, cacheMisses: 6, cacheHitRate: 0.25, ...over,
});

function stats(): LogStatsResult {
  const since = NOW - 3 * 60_000;
  return {
    since, until: NOW, totals: model("all", { model: null, provider: null, requests: 12, errors: 2 }),
    models: [model("big"), model("gpt-4o", { provider: "openai", requests: 2, latencyP50Ms: 400, latencyP95Ms: 1200, tokensPerSecond: null }), model("idle", { requests: 0 })],
    daily: [{ day: "2026-11-21", requests: 12, errors: 2, costUsd: 0.0123, promptTokens: 100, completionTokens: 400 }],
    series: { bucketMs: 60_000, points: [
      { t: since, requests: 0, errors: 0, cacheHits: 0, completionTokens: 0, requestsPerMinute: 0 },
      { t: since + 60_000, requests: 8, errors: 2, cacheHits: 2, completionTokens: 300, requestsPerMinute: 8 },
      { t: since + 120_000, requests: 4, errors: 0, cacheHits: 0, completionTokens: 100, requestsPerMinute: 4 },
    ] },
  };
}

test("dashboard: headline tiles and the five charts come from one stats result", () => {
  const s = stats();
  assert.deepEqual(tiles(s).map((t) => `${t.label}: ${t.value}`), [
    "Requests: 12", "Errors: 2 (10%)", "p50 / p95 latency: 150 ms / 900 ms", "Cost: $0.0123", "Cache hit rate: 25%", "Tokens/s: 42 tok/s",
  ]);
  const c = Object.fromEntries(charts(s).map((x) => [x.key, x.svg]));
  assert.deepEqual(Object.keys(c), ["rpm", "latency", "cost", "cache", "tps"]);
  assert.match(c.rpm!, /Peak 8 per minute/);
  assert.equal((c.rpm!.match(/<path class="line/g) ?? []).length, 2, "requests and errors");
  // Models without requests are left out; a cloud model says its provider.
  assert.match(c.latency!, /big · p50: 150 ms/);
  assert.match(c.latency!, /gpt-4o · openai · p95: 1\.20 s/);
  assert.ok(!c.latency!.includes("idle"));
  assert.match(c.cost!, /2026-11-21 \$0\.0123/);
  // Hit rate per bucket: no requests is a gap, not 0%.
  assert.match(c.cache!, /<path class="line s0" d="M258,[\d.]+ L468,156">/);
  assert.match(c.tps!, /<title>big · tokens\/s: 42<\/title>/);
  assert.match(c.tps!, /tokens\/s: no data/, "a model without a decode rate shows 'no data', not a zero bar");
});

test("dashboard: axis ticks below 1 keep the digits that tell them apart (a quiet day, no cost)", () => {
  const s = stats();
  // One request in a 12-minute bucket: 0.083 per minute; no cost at all.
  s.series = { bucketMs: 12 * 60_000, points: [
    { t: s.since, requests: 0, errors: 0, cacheHits: 0, completionTokens: 0, requestsPerMinute: 0 },
    { t: s.since + 12 * 60_000, requests: 1, errors: 0, cacheHits: 0, completionTokens: 9, requestsPerMinute: 1 / 12 },
  ] };
  s.daily = [{ day: "2026-11-21", requests: 1, errors: 0, costUsd: 0, promptTokens: 10, completionTokens: 9 }];
  const c = Object.fromEntries(charts(s).map((x) => [x.key, x.svg]));
  // The value axis's labels sit left of the plot (x 44), right-aligned.
  const ticks = (svg: string) => [...svg.matchAll(/<text class="tick" x="44" [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(ticks(c.rpm!), ["0", "0.05", "0.10"]);
  assert.deepEqual(ticks(c.cost!), ["$0", "$0.50", "$1.00"]);
  // Values on their own keep their usual form.
  assert.equal(count(1 / 12), "0.1");
  assert.equal(usd(0.5), "$0.5000");
});

test("poll: stats and the newest page for a filter; a bad filter or a backend error is reported, not thrown", async () => {
  const seen: unknown[] = [];
  const api = {
    query: async (p: LogQueryParams) => (seen.push(["q", p]), { rows: [row("a")], nextCursor: null }),
    stats: async (p: LogStatsParams) => (seen.push(["s", p]), stats()),
  };
  const w = { filter: { ...DEFAULT_FILTER, range: "1h" as const, model: "m" }, limit: 5, utcOffsetMinutes: 0 };
  const u = await pollOnce(api, w, NOW);
  assert.equal(u.error, null);
  assert.equal(u.newest?.rows[0]?.id, "a");
  assert.equal(u.filterKey, JSON.stringify(w.filter));
  assert.deepEqual(seen, [["s", { since: NOW - 3_600_000, until: NOW, maxPoints: 120, utcOffsetMinutes: 0, model: "m" }], ["q", { since: NOW - 3_600_000, model: "m", limit: 5 }]]);
  const bad = await pollOnce(api, { ...w, filter: { ...w.filter, tags: "x" } }, NOW);
  assert.match(bad.error ?? "", /key=value/);
  assert.equal(seen.length, 2, "nothing sent for a bad filter");
  const down = await pollOnce({ ...api, stats: async () => { throw new Error("backend down"); } }, w, NOW);
  assert.deepEqual([down.error, down.stats, down.newest], ["backend down", null, null]);
});
