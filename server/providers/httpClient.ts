/**
 * The HTTP client every remote provider uses: undici's request() over one keep-alive Agent
 * (it costs about two thirds of node:http's CPU per request on this path, and fetch far more),
 * a deadline that surfaces as 408, cancellation through the request's AbortSignal, and network
 * failures as 502 UpstreamErrors. A connection cut mid-body errors the body stream.
 */
import { Agent, request, type Dispatcher } from "undici";
import { FaroError } from "../errors";
import { UpstreamError } from "./upstream";

/** Faro owns the deadlines (request_timeout), so undici's own header/body timeouts are off. */
const dispatcher = new Agent({ connections: 256, keepAliveTimeout: 10_000, headersTimeout: 0, bodyTimeout: 0 });

export interface UpstreamRequest {
  provider: string;
  url: string;
  method?: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  signal: AbortSignal;
  timeoutMs: number | null;
}

export type UpstreamBody = Dispatcher.ResponseData["body"];

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
}

/** Sends the request; resolves when the response headers arrive. The body is the caller's to read. */
export async function send(req: UpstreamRequest): Promise<UpstreamResponse> {
  if (!req.url.startsWith("http://") && !req.url.startsWith("https://")) {
    throw new FaroError(`Unsupported URL scheme in ${req.url.split("/").slice(0, 3).join("/")}: use http or https.`, { status: 400, type: "invalid_request_error", code: "invalid_upstream_url" });
  }
  if (req.signal.aborted) throw abortReason(req.signal);
  // With a deadline, one controller covers the whole exchange: the client's cancel and the
  // deadline, which cuts the body too if it is still streaming then. Without one, the client's
  // signal is enough (an AbortController costs several µs: not on every request).
  let signal = req.signal;
  let done = () => {};
  if (req.timeoutMs !== null) {
    const controller = new AbortController();
    const onAbort = () => controller.abort(abortReason(req.signal));
    req.signal.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(timeoutError(req.provider, req.timeoutMs!)), req.timeoutMs);
    signal = controller.signal;
    done = () => {
      clearTimeout(timer);
      req.signal.removeEventListener("abort", onAbort);
    };
  }
  try {
    const res = await request(req.url, { method: (req.method ?? "POST") as Dispatcher.HttpMethod, headers: req.headers, body: req.body, signal, dispatcher });
    res.body.once("close", done);
    return { status: res.statusCode, headers: res.headers, body: res.body };
  } catch (err) {
    done();
    if (signal.aborted) throw abortReason(signal);
    if (err instanceof FaroError) throw err;
    const origin = req.url.split("/").slice(0, 3).join("/");
    throw new UpstreamError({ provider: req.provider, status: 502, detail: `could not reach ${origin} (${describe(err)})`, code: "upstream_unreachable", cause: err });
  }
}

export function timeoutError(provider: string, ms: number): FaroError {
  return new UpstreamError({ provider, status: 408, detail: `no complete answer within ${ms} ms (request_timeout)`, code: "request_timeout", type: "invalid_request_error" });
}

/** The whole body as text. */
export function readBody(body: UpstreamBody): Promise<string> {
  return body.text();
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("aborted");
}

/** undici's errors carry the socket error in `cause` (ECONNREFUSED, ...); say both. */
function describe(err: unknown): string {
  const e = err as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  const message = e.message ?? String(err);
  return cause && !message.includes(cause) ? `${message}: ${cause}` : message;
}
