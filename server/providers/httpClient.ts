/**
 * The HTTP client every remote provider uses: undici's dispatcher (one keep-alive Agent) driven
 * directly, the answer's body delivered as plain chunks (UpstreamBody) rather than through
 * undici's request() and its Readable stream, which cost about 40 µs of CPU per request on the
 * gateway's path (test/bench/gateway.ts; measured: a JSON proxy on request() 108-149 µs per
 * request, on dispatch() 78-83). A deadline surfaces as 408, the request's AbortSignal cancels,
 * network failures are 502 UpstreamErrors, and a connection cut mid-body errors the body.
 */
import { Agent, type Dispatcher } from "undici";
import { BoundedCache } from "../boundedCache";
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

export interface UpstreamResponse {
  status: number;
  /** The reason phrase of the status line ("" when none). */
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
}

/** Past this many unread bytes the connection is paused until the reader catches up. */
const HIGH_WATER = 1 << 20;

/**
 * A response body: chunks queue as undici delivers them and are read once, whole (`text()`),
 * in batches (`chunks()`, what the SSE reader takes) or chunk by chunk (`for await`). A failure (the deadline, a cut, the client's cancel) is thrown to
 * the reader after the chunks that came before it. A reader that stops early aborts the exchange,
 * which frees the connection.
 */
export class UpstreamBody implements AsyncIterable<Buffer> {
  private queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private whole = false;

  constructor(private readonly controller: Dispatcher.DispatchController) {}

  /** Called by the exchange as undici delivers. */
  push(chunk: Buffer): void {
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (!this.whole && this.queued > HIGH_WATER) this.controller.pause();
    this.notify();
  }

  finish(failure: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    this.notify();
  }

  /** The whole body as UTF-8 text. */
  async text(): Promise<string> {
    this.whole = true;
    this.controller.resume();
    while (!this.ended) await this.next();
    if (this.failure) throw this.failure;
    const chunks = this.take();
    return chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8");
  }

  /**
   * The chunks queued since the last call (waiting for one if none is), null once the body has
   * ended; the failure, if it failed, after the chunks that came before it.
   */
  async chunks(): Promise<Buffer[] | null> {
    while (this.queue.length === 0 && !this.ended) await this.next();
    if (this.queue.length > 0) {
      const chunks = this.take();
      this.controller.resume();
      return chunks;
    }
    if (this.failure) throw this.failure;
    return null;
  }

  /** A reader that stops before the end aborts the exchange, which frees the connection. */
  release(): void {
    if (!this.ended) this.controller.abort(new Error("the reader stopped before the end of the body"));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      for (let batch = await this.chunks(); batch !== null; batch = await this.chunks()) yield* batch;
    } finally {
      this.release();
    }
  }

  private take(): Buffer[] {
    const chunks = this.queue;
    this.queue = [];
    this.queued = 0;
    return chunks;
  }

  private next(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/** Sends the request; resolves when the response headers arrive. The body is the caller's to read. */
export function send(req: UpstreamRequest): Promise<UpstreamResponse> {
  if (!req.url.startsWith("http://") && !req.url.startsWith("https://")) {
    return Promise.reject(
      new FaroError(`Unsupported URL scheme in ${req.url.split("/").slice(0, 3).join("/")}: use http or https.`, { status: 400, type: "invalid_request_error", code: "invalid_upstream_url" }),
    );
  }
  if (req.signal.aborted) return Promise.reject(abortReason(req.signal));
  return new Promise<UpstreamResponse>((resolve, reject) => new Exchange(req, resolve, reject).start());
}

/**
 * One request's life: the client's cancel and the deadline both end it with their reason, before
 * the headers (the promise rejects) or after (the body fails); undici's failures become 502s.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private body: UpstreamBody | null = null;
  private stopped: Error | null = null;
  private timer: NodeJS.Timeout | null = null;
  private settled = false;

  constructor(
    private readonly req: UpstreamRequest,
    private readonly resolve: (res: UpstreamResponse) => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  start(): void {
    const { req } = this;
    req.signal.addEventListener("abort", this.onAbort, { once: true });
    if (req.timeoutMs !== null) this.timer = setTimeout(() => this.stop(timeoutError(req.provider, req.timeoutMs!)), req.timeoutMs);
    let url: { origin: string; path: string };
    try {
      url = parsedUrl(req.url);
    } catch (err) {
      return this.fail(err as Error);
    }
    try {
      dispatcher.dispatch({ origin: url.origin, path: url.path, method: (req.method ?? "POST") as Dispatcher.HttpMethod, headers: req.headers, body: req.body ?? null }, this);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.stopped) controller.abort(this.stopped);
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>, statusText = ""): void {
    this.body = new UpstreamBody(controller);
    this.settled = true;
    this.resolve({ status, statusText, headers, body: this.body });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.body?.push(chunk);
  }

  onResponseEnd(): void {
    this.cleanUp();
    this.body?.finish(null);
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.fail(this.stopped ?? err);
  }

  private readonly onAbort = () => this.stop(abortReason(this.req.signal));

  /** Ends the exchange with `reason` (the client's cancel, the deadline). */
  private stop(reason: Error): void {
    if (this.stopped) return;
    this.stopped = reason;
    this.controller?.abort(reason);
    // Still waiting for a connection: undici calls nothing back until it has one.
    this.fail(reason);
  }

  private fail(err: Error): void {
    this.cleanUp();
    if (this.body) return this.body.finish(err);
    if (this.settled) return;
    this.settled = true;
    this.reject(this.stopped ?? unreachable(this.req, err));
  }

  private cleanUp(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.req.signal.removeEventListener("abort", this.onAbort);
  }
}

/** Origin and path of the URLs requests go to: a handful per provider, parsed once each. */
const parsedUrls = new BoundedCache<{ origin: string; path: string }>();

function parsedUrl(raw: string): { origin: string; path: string } {
  return parsedUrls.get(raw, () => {
    const url = new URL(raw);
    return { origin: url.origin, path: url.pathname + url.search };
  });
}

export function timeoutError(provider: string, ms: number): FaroError {
  return new UpstreamError({ provider, status: 408, detail: `no complete answer within ${ms} ms (request_timeout)`, code: "request_timeout", type: "invalid_request_error" });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("aborted");
}

function unreachable(req: UpstreamRequest, err: Error): Error {
  if (err instanceof FaroError) return err;
  const origin = req.url.split("/").slice(0, 3).join("/");
  return new UpstreamError({ provider: req.provider, status: 502, detail: `could not reach ${origin} (${describe(err)})`, code: "upstream_unreachable", cause: err });
}

/** undici's errors carry the socket error in `cause` (ECONNREFUSED, ...); say both. */
function describe(err: unknown): string {
  const e = err as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  const message = e.message ?? String(err);
  return cause && !message.includes(cause) ? `${message}: ${cause}` : message;
}
