/**
 * The HTTP client every remote provider uses: node:http(s) with keep-alive agents (fetch
 * costs far more per request on this path), a timeout that surfaces as 408, cancellation
 * through the request's AbortSignal, and network failures as 502 UpstreamErrors.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { FaroError } from "../errors";
import { UpstreamError } from "./upstream";

const agents = {
  "http:": new HttpAgent({ keepAlive: true, maxSockets: 256 }),
  "https:": new HttpsAgent({ keepAlive: true, maxSockets: 256 }),
};

export interface UpstreamRequest {
  provider: string;
  url: string;
  method?: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  signal: AbortSignal;
  timeoutMs: number | null;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingMessage["headers"];
  body: IncomingMessage;
}

/** Sends the request; resolves when the response headers arrive. The body is the caller's to read. */
export function send(req: UpstreamRequest): Promise<UpstreamResponse> {
  const url = new URL(req.url);
  const agent = agents[url.protocol as keyof typeof agents];
  if (!agent) return Promise.reject(new FaroError(`Unsupported URL scheme in ${url.origin}`, { status: 400, type: "invalid_request_error", code: "invalid_upstream_url" }));
  const make = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(req.body);
    const r = make(url, { method: req.method ?? "POST", headers, agent }, (res) => {
      resolve({ status: res.statusCode ?? 502, headers: res.headers, body: res });
    });
    let timer: NodeJS.Timeout | null = null;
    const fail = (err: Error) => {
      if (timer) clearTimeout(timer);
      reject(err);
    };
    if (req.timeoutMs !== null) {
      // Covers the whole exchange: cut the response too if it is still streaming at the deadline.
      timer = setTimeout(() => r.destroy(timeoutError(req.provider, req.timeoutMs!)), req.timeoutMs);
      timer.unref();
      r.on("response", (res) => res.on("close", () => timer && clearTimeout(timer)));
    }
    const onAbort = () => r.destroy(req.signal.reason instanceof Error ? req.signal.reason : new Error("aborted"));
    if (req.signal.aborted) return onAbort();
    req.signal.addEventListener("abort", onAbort, { once: true });
    r.on("close", () => req.signal.removeEventListener("abort", onAbort));
    r.on("error", (err) => {
      if (err instanceof FaroError) return fail(err);
      if (req.signal.aborted) return fail(err);
      fail(new UpstreamError({ provider: req.provider, status: 502, detail: `could not reach ${url.origin} (${err.message})`, code: "upstream_unreachable", cause: err }));
    });
    r.end(req.body);
  });
}

export function timeoutError(provider: string, ms: number): FaroError {
  return new UpstreamError({ provider, status: 408, detail: `no complete answer within ${ms} ms (request_timeout)`, code: "request_timeout", type: "invalid_request_error" });
}

/** The whole body as text (events, not an async iterator: cheaper on the hot path). */
export function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
    res.on("aborted", () => reject(new Error("the response was cut off")));
  });
}
