/**
 * GET /metrics (Prometheus text format) and the read-only request log over HTTP: GET /v1/logs
 * (the filters of faro/logs/query as query parameters) and GET /v1/logs/{id}. All behind the
 * API key when one is set, never a virtual key: metrics and logs show every key's traffic and spend.
 */
import type { Engine } from "../../engine/engine";
import type { LogQueryParams } from "../../protocol";
import type { Db } from "../../store/db";
import { logHandlers } from "../../store/logQuery";
import type { RequestLog } from "../../store/requestLog";
import { badRequest } from "../../errors";
import type { Metrics } from "../metrics";
import { merged } from "../../objects";
import { sendJson } from "../respond";
import type { Route } from "../router";

export function logRoutes(db: Db, requestLog: RequestLog, metrics: Metrics, engine: Engine, version: string): Route[] {
  return [
    {
      method: "GET",
      path: "/metrics",
      operator: true,
      handler: async ({ res, baseHeaders }) => {
        const body = metrics.render(engine.stats(), requestLog, version);
        res.writeHead(200, merged(baseHeaders, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "content-length": Buffer.byteLength(body) }));
        res.end(body);
      },
    },
    {
      method: "GET",
      path: "/v1/logs",
      operator: true,
      handler: async ({ res, url, baseHeaders }) => {
        const page = logHandlers.query(db, queryParams(url.searchParams));
        sendJson(res, 200, { object: "list", data: page.rows, next_cursor: page.nextCursor }, baseHeaders);
      },
    },
    {
      method: "GET",
      path: "/v1/logs/:id",
      operator: true,
      handler: async ({ res, params, baseHeaders }) => {
        sendJson(res, 200, logHandlers.get(db, { id: params.id ?? "" }), baseHeaders);
      },
    },
  ];
}

const NUMERIC = new Set(["since", "until", "limit", "promptVersion"]);
const NAMES: Record<string, string> = { prompt_id: "promptId", prompt_version: "promptVersion", virtual_key_id: "virtualKeyId", cache_status: "cacheStatus", error: "errorText", trace_id: "traceId" };

/** `?model=a&status=5xx&metadata.team=search&since=2026-01-01T00:00:00Z`: ISO dates or ms for times. */
export function queryParams(search: URLSearchParams): LogQueryParams {
  const out: Record<string, unknown> = {};
  const metadata: Record<string, string> = {};
  for (const [rawKey, value] of search) {
    if (rawKey.startsWith("metadata.")) {
      metadata[rawKey.slice("metadata.".length)] = value;
      continue;
    }
    const key = NAMES[rawKey] ?? rawKey;
    if (key === "since" || key === "until") out[key] = timeParam(rawKey, value);
    else if (NUMERIC.has(key) || (key === "status" && /^\d+$/.test(value))) out[key] = Number(value);
    else out[key] = value;
  }
  if (Object.keys(metadata).length) out.metadata = metadata;
  return out as LogQueryParams;
}

function timeParam(name: string, value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(n)) throw badRequest(`${name} must be milliseconds since the epoch or an ISO date, not '${value}'.`, name, "invalid_value");
  return n;
}
