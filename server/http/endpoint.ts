/**
 * The OpenAI-compatible HTTP endpoint (node:http): start/stop on a host and port, guard every
 * request, dispatch it through the router, turn every failure into OpenAI's error shape here
 * and only here, and log each request when its response is over.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FaroError, messageOf } from "../errors";
import type { Logger } from "../logger";
import { openRecord, requestCost, type RequestRecord } from "../gateway/requestRecord";
import type { EndpointStatus } from "../protocol";
import type { RequestLog } from "../store/requestLog";
import type { KeyAdmission } from "../gateway/virtualKeys/admission";
import { CLIENT_CLOSED_STATUS, clientGone } from "./clientGone";
import { toErrorResponse } from "./errors";
import { checkApiKey, checkHostAndOrigin, checkOperatorKey } from "./guard";
import { InFlight, type Linked } from "./inflight";
import { isLoopbackHost } from "./loopback";
import { merged } from "../objects";
import { RequestSignal } from "../signals";
import { requestId } from "./requestId";
import { sendJson } from "./respond";
import type { HttpContext, Match, Router } from "./router";
import { endSseWithError, type SseWriter } from "./sse";

export interface EndpointOptions {
  host: string;
  port: number;
  allowedOrigins: readonly string[];
  apiKey: string | null;
}

const EXPOSED_HEADERS =
  "x-request-id, x-faro-overhead-ms, x-faro-cost-usd, x-faro-provider, x-faro-retry-count, x-faro-fallback-index, x-faro-cache, x-faro-error-source, " +
  "x-portkey-cache-status, x-portkey-last-used-option-index, x-portkey-retry-attempt-count, x-portkey-trace-id, x-portkey-request-id, retry-after, retry-after-ms, x-should-retry";
/**
 * What browsers may send: Faro's and Portkey's routing headers, and what the OpenAI and Portkey
 * SDKs add to every request (a preflight that leaves one out fails the whole call).
 */
const ALLOWED_HEADERS = [
  "authorization, content-type, x-api-key, x-faro-priority, x-faro-config, x-faro-pii, x-faro-pii-restore",
  "x-portkey-api-key, x-portkey-virtual-key, x-portkey-config, x-portkey-cache, x-portkey-cache-force-refresh, x-portkey-cache-namespace, x-portkey-metadata, x-portkey-trace-id",
  "x-portkey-provider, x-portkey-custom-host, x-portkey-retry-count, x-portkey-request-timeout, x-portkey-strict-open-ai-compliance",
  "x-portkey-azure-resource-name, x-portkey-azure-deployment-id, x-portkey-azure-api-version",
  "x-portkey-package-version, x-portkey-runtime, x-portkey-runtime-version",
  "openai-organization, openai-project, x-stainless-arch, x-stainless-lang, x-stainless-os, x-stainless-package-version, x-stainless-runtime",
  "x-stainless-runtime-version, x-stainless-retry-count, x-stainless-timeout",
].join(", ");

export class HttpEndpoint {
  private server: Server | null = null;
  private opts: EndpointOptions | null = null;
  /** Requests whose response is not over. */
  private readonly inflight = new InFlight<Flight>();
  /** Requests not yet logged (handle() still running). */
  private readonly handling = new Set<Promise<void>>();

  constructor(
    private readonly router: Router,
    private readonly requestLog: RequestLog,
    private readonly logger: Logger,
    /** Virtual keys: authenticates `fk-` keys, settles their spend when a response is over. */
    private readonly admission: KeyAdmission | null = null,
  ) {}

  async start(opts: EndpointOptions): Promise<EndpointStatus> {
    if (this.server) await this.stop();
    if (!isLoopbackHost(opts.host) && !opts.apiKey) {
      throw new FaroError(`Binding to ${opts.host} exposes Faro beyond this machine: set an API key (FARO_API_KEY) first.`, {
        status: 400,
        type: "invalid_request_error",
        code: "api_key_required",
        param: "host",
      });
    }
    const server = createServer((req, res) => {
      const handling = this.handle(req, res).finally(() => this.handling.delete(handling));
      this.handling.add(handling);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port, opts.host, () => {
        server.off("error", reject);
        resolve();
      });
    }).catch((err: NodeJS.ErrnoException) => {
      const why = err.code === "EADDRINUSE" ? `port ${opts.port} is already in use (try --port 0 for a free one)` : err.message;
      throw new FaroError(`Cannot listen on ${opts.host}:${opts.port}: ${why}.`, { status: 500, type: "server_error", code: "listen_failed", cause: err });
    });
    server.on("clientError", (err, socket) => {
      this.logger.debug(`http client error: ${err.message}`);
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    });
    this.server = server;
    this.opts = opts;
    return this.status();
  }

  async stop(): Promise<EndpointStatus> {
    const server = this.server;
    this.server = null;
    if (server) {
      const reason = new ShuttingDown();
      // One line for them all: a request stopped by the shutdown is not a failure to report each.
      if (this.inflight.size > 0) this.logger.info(`stopping: ${plural(this.inflight.size, "request")} in flight answered 503 shutting_down`);
      for (const flight of this.inflight.list()) {
        flight.signal.abort(reason);
        // Answered now, not when the work notices the abort: a local decode step on a busy
        // machine can outlast the grace below, and the client would get a cut connection.
        flight.stopped = answerStopped(flight, reason);
      }
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Streams just aborted end within a tick; anything still open after that is cut.
        setTimeout(() => server.closeAllConnections(), 500).unref();
      });
      // Their rows too: a row may wait on a token count after its connection has closed.
      await Promise.allSettled([...this.handling]);
    }
    return this.status();
  }

  status(): EndpointStatus {
    const opts = this.opts;
    const address = this.server?.address() as AddressInfo | null | undefined;
    const host = opts?.host ?? "127.0.0.1";
    if (!address) return { running: false, url: null, host, port: null, apiKeyRequired: Boolean(opts?.apiKey) };
    const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
    return { running: true, url: `http://${shown}:${address.port}/v1`, host, port: address.port, apiKeyRequired: Boolean(opts?.apiKey) };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const method = req.method ?? "GET";
    const pathname = requestPath(req.url);
    let match: Match | null = null;
    let routeError: unknown = null;
    try {
      match = this.router.match(method, pathname);
    } catch (err) {
      routeError = err;
    }
    const id = requestId(match?.route.idPrefix ?? "req-");
    const record: RequestRecord = openRecord(id, `${method} ${pathname}`, startedAt);
    const baseHeaders: Record<string, string> = { "x-request-id": id };
    const signal = new RequestSignal();
    const flight = new Flight(req, res, match?.params ?? NO_PARAMS, record, signal, baseHeaders);
    this.inflight.add(flight);
    let errorStatus: number | null = null;
    const closed = new Promise<void>((resolve) => {
      res.on("close", () => {
        this.inflight.delete(flight);
        if (!res.writableFinished) {
          // What the abort makes the handler throw (a cancelled upstream call, a retry's sleep)
          // is then this 499, not an error Faro cannot explain.
          signal.abort(clientGone());
          errorStatus ??= CLIENT_CLOSED_STATUS;
          record.error ??= "client closed the connection before the response was complete";
        }
        resolve();
      });
    });

    try {
      const opts = this.opts!;
      checkHostAndOrigin(req.headers, opts);
      const origin = req.headers.origin;
      if (origin) Object.assign(baseHeaders, { "access-control-allow-origin": origin, vary: "origin", "access-control-expose-headers": EXPOSED_HEADERS });
      if (method === "OPTIONS" && origin) return preflight(res, baseHeaders);
      if (!match) throw routeError;
      if (match.route.operator) checkOperatorKey(req.headers, opts.apiKey);
      else if (!match.route.public) checkApiKey(req.headers, opts.apiKey, this.admission ? (secret) => this.admission!.authenticate(secret, record) : null);
      await match.route.handler(flight);
    } catch (thrown) {
      // Whatever the abort made the handler throw (a cancelled job, a closed upstream), the
      // request failed because Faro is stopping: say so, not that the client went away.
      const stopping = signal.reason instanceof ShuttingDown;
      const err = stopping ? signal.reason : thrown;
      const { status, statusText, headers, body } = toErrorResponse(err, stopping ? SILENT : this.logger);
      if (errorStatus !== CLIENT_CLOSED_STATUS) errorStatus = status;
      record.error ??= body.error.message;
      if (!res.headersSent) {
        // An unread body (e.g. 413) would be misread as the next request: close the connection.
        const close: Record<string, string> = req.complete ? {} : { connection: "close" };
        // The Portkey SDK sends a 5xx again unless a gateway id marks it as the gateway's answer,
        // whose retries and fallbacks have already run: it would run them all a second time.
        sendJson(res, status, body, merged(baseHeaders, headers, close, { "x-portkey-request-id": id }), statusText);
      } else if (!res.writableEnded) {
        // Mid-stream: OpenAI sends the error as a last event. Any other answer already started
        // (a relayed audio file) is cut off: a client must not take a short body for a whole one.
        if (flight.sse) endSseWithError(flight.sse, body);
        else res.destroy();
      }
    }
    if (flight.stopped) {
      // The shutdown answered it, whatever the handler did after.
      errorStatus = 503;
      record.error ??= (signal.reason as ShuttingDown).message;
    }
    // Logged once the handler is done (final token counts) and the response is over (status).
    await closed;
    const latencyMs = performance.now() - record.startedAt;
    if (record.pending) await record.pending.catch((err: unknown) => this.logger.error(`token count for ${record.id} failed: ${messageOf(err)}`));
    this.settle(record);
    // Scrapes of /metrics and health checks would drown the log.
    if (pathname !== "/health" && pathname !== "/metrics" && method !== "OPTIONS") this.log(record, errorStatus ?? res.statusCode, latencyMs);
  }

  private settle(record: RequestRecord): void {
    try {
      this.admission?.settle(record);
    } catch (err) {
      this.logger.error(`virtual key usage for ${record.id} not recorded: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private log(record: RequestRecord, status: number, latencyMs: number): void {
    this.requestLog.record({
      id: record.id,
      createdAt: record.createdAt,
      route: record.route,
      model: record.model,
      provider: record.provider,
      stream: record.stream,
      status,
      latencyMs,
      ttftMs: record.ttftMs,
      promptTokens: record.promptTokens,
      completionTokens: record.completionTokens,
      finishReason: record.finishReason,
      error: record.error,
      promptId: record.promptId ?? null,
      promptVersion: record.promptVersion ?? null,
      retries: record.retries,
      fallbackIndex: record.fallbackIndex,
      traceId: record.traceId,
      costUsd: requestCost(record),
      cachedTokens: record.cachedTokens,
      cacheStatus: record.cacheStatus,
      metadata: record.metadata,
      virtualKeyId: record.virtualKeyId,
      guardrails: record.guardrails,
      attempts: record.attempts,
      requestBody: record.requestBody,
      responseBody: record.responseBody,
    });
  }
}

/** Paths made only of these need no parsing: no escapes, dot segments, backslashes or doubled slashes. */
const PLAIN_PATH = /^\/(?:[\w~-]+(?:\/[\w~-]+)*\/?)?(?:\?.*)?$/;

/**
 * The request's path, read without a URL object when it is plain: a URL object on every request
 * cost more than routing it. Other paths go through URL's own normalisation.
 */
function requestPath(raw = "/"): string {
  if (!PLAIN_PATH.test(raw)) return parseUrl(raw).pathname;
  const query = raw.indexOf("?");
  return query < 0 ? raw : raw.slice(0, query);
}

/** A path that starts with "//" would be read as a host ("//v1/models": host v1, path /models). */
function parseUrl(raw: string): URL {
  return new URL(raw.replace(/^\/{2,}/, "/"), "http://localhost");
}

const NO_PARAMS: Record<string, string> = Object.freeze({});

/**
 * One request until its response is over: what its route handler gets, and what the endpoint
 * needs to stop it when Faro stops. A class, not a literal with a `get url()`: a literal with an
 * accessor before other keys is turned into a slow dictionary object, on every request. The URL
 * (query included) is built only for the routes that read it.
 */
class Flight implements HttpContext, Linked<Flight> {
  sse: SseWriter | null = null;
  /** Answered 503 by the shutdown. */
  stopped = false;
  prev: Flight | null = null;
  next: Flight | null = null;
  private parsed: URL | null = null;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly params: Record<string, string>,
    readonly record: RequestRecord,
    readonly signal: RequestSignal,
    readonly baseHeaders: Record<string, string>,
  ) {}

  get url(): URL {
    return (this.parsed ??= parseUrl(this.req.url ?? "/"));
  }
}

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** The 503 for a request the shutdown stopped, as JSON or as a stream's last event; false if it could not be. */
function answerStopped({ res, sse, baseHeaders }: Flight, reason: ShuttingDown): boolean {
  if (res.writableEnded) return false;
  const { status, headers, body } = toErrorResponse(reason, SILENT);
  if (!res.headersSent) sendJson(res, status, body, merged(baseHeaders, headers, { connection: "close" }));
  else if (sse) endSseWithError(sse, body);
  else return false;
  return true;
}
const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** The abort reason of requests in flight when the endpoint stops (Ctrl-C, VS Code closing). */
class ShuttingDown extends FaroError {
  constructor() {
    super("Faro is shutting down: the request was stopped before it was complete. Send it again once Faro is running.", {
      status: 503,
      type: "server_error",
      code: "shutting_down",
    });
  }
}

function preflight(res: ServerResponse, headers: Record<string, string>): void {
  res.writeHead(
    204,
    merged(headers, {
      "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
      "access-control-allow-headers": ALLOWED_HEADERS,
      "access-control-max-age": "600",
    }),
  );
  res.end();
}
