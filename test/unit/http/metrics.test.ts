import { test } from "node:test";
import assert from "node:assert/strict";
import { Metrics } from "../../../server/http/metrics";
import { assembleSse } from "../../../server/http/bodyCapture";
import type { RequestRow } from "../../../server/store/requestLog";
import { assertPrometheusText } from "../../fixtures/prometheus";

const row = (over: Partial<RequestRow> = {}): RequestRow => ({
  id: "x", createdAt: 0, route: "POST /v1/chat/completions", model: "m", provider: "local", stream: false,
  status: 200, latencyMs: 30, ttftMs: 4, promptTokens: 7, completionTokens: 3, finishReason: "stop", error: null, ...over,
});

test("counters, histograms and gauges render in the Prometheus text format", () => {
  const metrics = new Metrics();
  metrics.observe(row());
  metrics.observe(row({ status: 503, latencyMs: 2000, ttftMs: null, model: 'we"ird\nname', costUsd: 0.5, cacheStatus: "hit" }));
  const text = metrics.render({ loaded: ["m"], active: 1, waiting: 2, decodeBatches: 10, decodedSequences: 35 }, { committed: 5, dropped: 0, pendingCount: 1 }, "0.1.0");
  const s = assertPrometheusText(text);
  assert.equal(s.get('faro_requests_total{route="POST /v1/chat/completions",model="m",provider="local",status_class="2xx"}'), 1);
  assert.equal(s.get('faro_requests_total{route="POST /v1/chat/completions",model="we\\"ird\\nname",provider="local",status_class="5xx"}'), 1);
  assert.equal(s.get('faro_request_duration_seconds_bucket{route="POST /v1/chat/completions",model="m",provider="local",le="0.025"}'), 0);
  assert.equal(s.get('faro_request_duration_seconds_bucket{route="POST /v1/chat/completions",model="m",provider="local",le="0.05"}'), 1);
  assert.equal(s.get('faro_request_duration_seconds_bucket{route="POST /v1/chat/completions",model="m",provider="local",le="+Inf"}'), 1);
  assert.equal(s.get('faro_request_duration_seconds_sum{route="POST /v1/chat/completions",model="m",provider="local"}'), 0.03);
  assert.equal(s.get('faro_time_to_first_token_seconds_count{model="m",provider="local"}'), 1);
  assert.equal(s.get('faro_tokens_total{model="m",provider="local",type="prompt"}'), 7);
  assert.equal(s.get('faro_cost_usd_total{model="we\\"ird\\nname",provider="local"}'), 0.5);
  assert.equal(s.get('faro_cache_requests_total{status="hit"}'), 1);
  assert.equal(s.get("faro_engine_requests_waiting"), 2);
  assert.equal(s.get('faro_engine_model_loaded{model="m"}'), 1);
  assert.equal(s.get("faro_engine_decode_batches_total"), 10);
  assert.equal(s.get("faro_engine_decode_batch_sequences_total"), 35);
  assert.equal(s.get('faro_request_log_rows_total{outcome="committed"}'), 5);
});

test("label values are capped: invented model names end up as 'other'", () => {
  const metrics = new Metrics();
  for (let i = 0; i < 600; i++) metrics.observe(row({ model: `m${i}` }));
  const s = assertPrometheusText(metrics.render({ loaded: [], active: 0, waiting: 0, decodeBatches: 0, decodedSequences: 0 }, { committed: 0, dropped: 0, pendingCount: 0 }, "x"));
  assert.equal(s.get('faro_requests_total{route="POST /v1/chat/completions",model="other",provider="local",status_class="2xx"}'), 100);
});

test("an SSE stream is logged as the answer it assembles to", () => {
  const sse = [
    { id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { role: "assistant", content: "" } }] },
    { id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "Hel" } }] },
    { id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "lo", tool_calls: [{ index: 0, id: "t1", function: { name: "f", arguments: '{"a"' } }] } }] },
    { id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ":1}" } }] }, finish_reason: "stop" }] },
    { id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 } },
  ].map((c) => `data: ${JSON.stringify(c)}\n\n`).join("") + "data: [DONE]\n\n";
  assert.deepEqual(assembleSse(sse), {
    id: "c1", created: 1, model: "m", object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content: "Hello", tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: '{"a":1}' } }] }, finish_reason: "stop" }],
    usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 },
  });
  const text = assembleSse(`data: ${JSON.stringify({ id: "t", object: "text_completion", choices: [{ index: 0, text: "a" }] })}\n\ndata: ${JSON.stringify({ error: { message: "boom" } })}\n\n`);
  assert.deepEqual(text, { id: "t", created: undefined, model: undefined, object: "text_completion", choices: [{ index: 0, text: "a", finish_reason: null }], error: { message: "boom" } });
});
