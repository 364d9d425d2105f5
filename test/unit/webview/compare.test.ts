/** The Compare view's DOM-free logic: events into the model, spread of k runs, Markdown and CSV export, the context a restored panel reads from its saved state. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { CompareRunResult, Comparison } from "../../../server/protocol";
import { applyEvent, fromSaved, fromStarted, type ComparisonView } from "../../../webview/compare/model";
import { columnStats, formatSpread, formatValue, spread } from "../../../webview/compare/stats";
import { csvField, toCsv, toMarkdown } from "../../../webview/compare/exportFormat";
import { savedContext } from "../../../webview/compare/panelProtocol";
import { startParams, type StartForm } from "../../../webview/compare/startForm";

const result = (over: Partial<CompareRunResult> = {}): CompareRunResult => ({
  requestId: "r", model: "m", provider: "local", text: "hi", finishReason: "stop",
  ttftMs: 10, latencyMs: 100, tokensIn: 5, tokensOut: 7, tokensPerSecond: 60, costUsd: 0, ...over,
});

function twoColumns(): ComparisonView {
  return fromStarted({ comparisonId: "c1", title: "greet: a vs b", promptId: "greet", repeats: 3, columns: [
    { index: 0, label: "a", model: "a", version: null },
    { index: 1, label: "b", model: "b", version: null },
  ] }, Date.UTC(2026, 10, 21));
}

test("spread: min, median and max of the known values; nulls are unknown, not zero", () => {
  assert.deepEqual(spread([30, 10, 20]), { min: 10, median: 20, max: 30, n: 3 });
  assert.deepEqual(spread([4, 1, 3, 2]), { min: 1, median: 2.5, max: 4, n: 4 });
  assert.deepEqual(spread([null, 5, null]), { min: 5, median: 5, max: 5, n: 1 });
  assert.equal(spread([null, null]), null);
  assert.equal(spread([]), null);
  assert.deepEqual(spread([Number.NaN, 2]), { min: 2, median: 2, max: 2, n: 1 });
});

test("formatting: milliseconds, seconds, cost, unknown as a dash, median with its range", () => {
  assert.equal(formatValue(12.4, "ms"), "12 ms");
  assert.equal(formatValue(1534, "ms"), "1.53 s");
  assert.equal(formatValue(null, "usd"), "—");
  assert.equal(formatValue(0, "usd"), "$0");
  assert.equal(formatValue(0.000123, "usd"), "$0.00012");
  assert.equal(formatValue(0.25, "usd"), "$0.2500");
  assert.equal(formatValue(61.234, ""), "61.2");
  assert.equal(formatSpread({ min: 90, median: 100, max: 150, n: 3 }, "ms"), "100 ms (90 ms–150 ms)");
  assert.equal(formatSpread({ min: 7, median: 7, max: 7, n: 2 }, ""), "7");
  assert.equal(formatSpread(null, "ms"), "—");
});

test("events stream into the model: text deltas, done, errors in place, finished; other comparisons ignored", () => {
  const v = twoColumns();
  assert.equal(applyEvent(v, { comparisonId: "c1", column: 0, run: 0, type: "text", text: "Hel" }), true);
  applyEvent(v, { comparisonId: "c1", column: 0, run: 0, type: "text", text: "lo" });
  assert.equal(v.columns[0]!.runs[0]!.text, "Hello");
  applyEvent(v, { comparisonId: "c1", column: 0, run: 0, type: "done", result: result({ text: "Hello", latencyMs: 120 }) });
  applyEvent(v, { comparisonId: "c1", column: 1, run: 0, type: "error", error: { message: "no such model", code: "model_not_found", status: 404 } });
  assert.equal(applyEvent(v, { comparisonId: "other", column: 0, run: 0, type: "text", text: "x" }), false);
  assert.equal(applyEvent(v, { comparisonId: "c1", column: 5, run: 0, type: "text", text: "x" }), false);
  assert.equal(v.columns[1]!.runs[0]!.error?.code, "model_not_found");
  assert.equal(v.status, "running");
  applyEvent(v, { comparisonId: "c1", type: "finished", status: "cancelled" });
  assert.equal(v.status, "cancelled");
  const s0 = columnStats(v.columns[0]!);
  assert.equal(s0.done, 1);
  assert.deepEqual(s0.metrics.latencyMs, { min: 120, median: 120, max: 120, n: 1 });
  const s1 = columnStats(v.columns[1]!);
  assert.equal(s1.errors, 1);
  assert.equal(s1.metrics.latencyMs, null);
});

test("column stats over k runs: spread per metric, distinct finish reasons, unknown cost stays unknown", () => {
  const v = twoColumns();
  [100, 300, 200].forEach((latencyMs, run) =>
    applyEvent(v, { comparisonId: "c1", column: 0, run, type: "done", result: result({ latencyMs, costUsd: null, finishReason: run === 1 ? "length" : "stop" }) }));
  const s = columnStats(v.columns[0]!);
  assert.deepEqual(s.metrics.latencyMs, { min: 100, median: 200, max: 300, n: 3 });
  assert.equal(s.metrics.costUsd, null);
  assert.deepEqual(s.finishReasons, ["stop", "length"]);
});

test("a saved comparison becomes the same model", () => {
  const saved: Comparison = {
    id: "c9", createdAt: 5, title: "t", promptId: null, spec: { message: "x", models: ["a", "b"], repeats: 2 }, status: "done", winner: "b",
    columns: [
      { index: 0, label: "a", model: "a", version: null, runs: [{ ok: true, result: result({ text: "A" }) }] },
      { index: 1, label: "b", model: "b", version: null, runs: [{ ok: false, error: { message: "down", code: null, status: 502 } }] },
    ],
  };
  const v = fromSaved(saved);
  assert.equal(v.repeats, 2);
  assert.equal(v.winner, "b");
  assert.deepEqual(v.columns[0]!.runs, [{ text: "A", result: result({ text: "A" }), error: null }]);
  assert.deepEqual(v.columns[1]!.runs, [{ text: "", result: null, error: { message: "down", code: null, status: 502 } }]);
});

test("CSV: a header and one row per run, RFC 4180 quoting, errors and the winner", () => {
  assert.equal(csvField('say "hi", then\nleave'), '"say ""hi"", then\nleave"');
  assert.equal(csvField(null), "");
  assert.equal(csvField(3), "3");
  const v = twoColumns();
  applyEvent(v, { comparisonId: "c1", column: 0, run: 0, type: "done", result: result({ text: 'a "quoted", answer', tokensPerSecond: 61.23456, costUsd: null }) });
  applyEvent(v, { comparisonId: "c1", column: 1, run: 0, type: "error", error: { message: "no such model", code: "model_not_found", status: 404 } });
  v.winner = "a";
  const lines = toCsv(v).split("\r\n");
  assert.equal(lines[0], "comparison,title,column,model,version,run,ttft_ms,latency_ms,tokens_in,tokens_out,tokens_per_s,cost_usd,finish_reason,error,winner,answer");
  assert.equal(lines[1], 'c1,greet: a vs b,a,m,,1,10,100,5,7,61.235,,stop,,true,"a ""quoted"", answer"');
  assert.equal(lines[2], "c1,greet: a vs b,b,b,,1,,,,,,,,404 model_not_found: no such model,false,");
  assert.equal(lines[3], "");
  assert.equal(lines.length, 4);
});

test("Markdown: a metrics table with spread, the answers fenced, errors quoted, pipes escaped", () => {
  const v = twoColumns();
  v.columns[0]!.label = "a|1";
  v.winner = "a|1";
  [100, 300, 200].forEach((latencyMs, run) =>
    applyEvent(v, { comparisonId: "c1", column: 0, run, type: "done", result: result({ latencyMs, text: run === 0 ? "has ``` inside" : "x" }) }));
  applyEvent(v, { comparisonId: "c1", column: 1, run: 0, type: "error", error: { message: "no such model", code: "model_not_found", status: 404 } });
  const md = toMarkdown(v);
  assert.match(md, /^# greet: a vs b\n\n2026-11-21T00:00:00.000Z · 3 runs per column · running · winner: \*\*a\|1\*\*\n/);
  assert.match(md, /\| \| a\\\|1 🏆 \| b \|\n\|---\|---\|---\|\n/);
  assert.match(md, /\| Latency \| 200 ms \(100 ms–300 ms\) \| — \|/);
  assert.match(md, /\| Cost \| \$0 \| — \|/);
  assert.match(md, /\| Errors \| 0 \| 1 \|/);
  assert.match(md, /### Run 1\n````text\nhas ``` inside\n````/);
  assert.match(md, /## b\n\n### Run 1\n> Error 404 \(model_not_found\): no such model\n$/);
});

test("a restored panel's context comes from the webview's saved state; anything malformed is ignored", () => {
  const context = { uri: "file:///w/prompts/hello.prompt", fileName: "hello.prompt", mode: "models" as const };
  assert.deepEqual(savedContext({ context, choices: [], selected: ["a"] }), context);
  assert.deepEqual(savedContext({ context: { uri: null, fileName: null, mode: "versions" } }), { uri: null, fileName: null, mode: "versions" });
  for (const bad of [undefined, null, 3, {}, { context: null }, { context: "x" }, { context: { ...context, mode: "other" } },
    { context: { ...context, uri: 5 } }, { context: { mode: "models" } }, { context: { ...context, fileName: [] } }]) {
    assert.equal(savedContext(bad), null, JSON.stringify(bad));
  }
});

test("the form: nothing ticked, runs or max tokens that are not whole numbers, an empty message are named as the form names them", () => {
  const form = (over: Partial<StartForm> = {}): StartForm => ({
    context: { uri: "file:///w/greet.prompt", fileName: "greet.prompt", mode: "models" },
    selected: ["a", "b"], variables: [{ name: "year", type: "string", optional: false, value: "2024" }, { name: "n", type: "integer", optional: true, value: "" }],
    message: "", repeats: "2", maxTokens: "", ...over,
  });
  assert.deepEqual(startParams(form()), { params: { repeats: 2, uri: "file:///w/greet.prompt", variables: { year: "2024" }, models: ["a", "b"] } });
  assert.deepEqual(startParams(form({ selected: [] })), { problem: "Tick at least one model to compare." });
  assert.deepEqual(startParams(form({ selected: [], context: { uri: "file:///w/greet.prompt", fileName: "greet.prompt", mode: "versions" } })), { problem: "Tick at least one version to compare." });
  // Typed text was sent as null ("expected number, received null" about 'repeats').
  assert.deepEqual(startParams(form({ repeats: "two" })), { problem: "Runs per column must be a whole number from 1 to 10, not 'two'." });
  assert.deepEqual(startParams(form({ repeats: "11" })), { problem: "Runs per column must be a whole number from 1 to 10, not '11'." });
  assert.deepEqual(startParams(form({ repeats: " " })), { params: { repeats: 1, uri: "file:///w/greet.prompt", variables: { year: "2024" }, models: ["a", "b"] } });
  assert.deepEqual(startParams(form({ maxTokens: "lots" })), { problem: "Max tokens must be a whole number of 1 or more (or empty for the prompt's own), not 'lots'." });
  assert.deepEqual(startParams(form({ maxTokens: "64", context: { uri: null, fileName: null, mode: "models" }, message: "Hi" })), { params: { repeats: 2, maxTokens: 64, message: "Hi", models: ["a", "b"] } });
  assert.deepEqual(startParams(form({ context: { uri: null, fileName: null, mode: "models" }, message: "  " })), { problem: "Type a message to send to the models." });
});
