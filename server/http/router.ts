/**
 * A small method + path router. A path that exists under another method answers 405 with
 * `Allow`; a path that does not exist answers 404, both in OpenAI's error shape.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { FaroError } from "../errors";
import type { RequestRecord } from "../gateway/requestRecord";
import type { SseWriter } from "./sse";

export interface HttpContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  record: RequestRecord;
  signal: AbortSignal;
  /** Headers every response carries (x-request-id, CORS). */
  baseHeaders: Record<string, string>;
  /**
   * The stream's writer, once the route has started one: a route that fails mid-stream is ended
   * with an error event after the events the writer still holds.
   */
  sse: SseWriter | null;
}

export type Handler = (ctx: HttpContext) => Promise<void>;

export interface Route {
  method: string;
  /** Segments; `:name` captures one segment, `*name` the rest of the path. */
  path: string;
  handler: Handler;
  /** Prefix of the request id, e.g. `chatcmpl-` so the id doubles as the completion id. */
  idPrefix?: string;
  /** /health answers without the API key. */
  public?: boolean;
  /**
   * The request log and metrics show every key's traffic, spend and (when logged) bodies:
   * FARO_API_KEY only, never a virtual key, which is an app's or a teammate's key to the API.
   */
  operator?: boolean;
}

export interface Match {
  route: Route;
  params: Record<string, string>;
}

/** A route's path, split once: literal segments, `:name` captures, a trailing `*name`. */
interface Pattern {
  route: Route;
  segments: string[];
  /** The name a trailing `*name` captures the rest of the path under, if any. */
  rest: string | null;
}

export class Router {
  private readonly patterns: readonly Pattern[];

  constructor(routes: readonly Route[]) {
    this.patterns = routes.map(compile);
  }

  match(method: string, pathname: string): Match {
    const got = pathname.split("/").filter(Boolean);
    const allowed: string[] = [];
    for (const pattern of this.patterns) {
      const params = matchPath(pattern, got);
      if (!params) continue;
      if (pattern.route.method === method) return { route: pattern.route, params };
      allowed.push(pattern.route.method);
    }
    if (allowed.length > 0) {
      throw new FaroError(`Method ${method} is not allowed for ${pathname}. Allowed: ${allowed.join(", ")}.`, {
        status: 405,
        type: "invalid_request_error",
        code: "method_not_allowed",
        headers: { allow: allowed.join(", ") },
      });
    }
    throw new FaroError(`Unknown request URL: ${method} ${pathname}. Please check the URL for typos.`, {
      status: 404,
      type: "invalid_request_error",
      code: "unknown_url",
    });
  }
}

function compile(route: Route): Pattern {
  const segments = route.path.split("/").filter(Boolean);
  const last = segments.at(-1);
  if (last?.startsWith("*")) return { route, segments: segments.slice(0, -1), rest: last.slice(1) };
  return { route, segments, rest: null };
}

function matchPath({ segments, rest }: Pattern, got: readonly string[]): Record<string, string> | null {
  if (rest === null ? got.length !== segments.length : got.length <= segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const w = segments[i]!;
    if (w.startsWith(":")) params[w.slice(1)] = decode(got[i]!);
    else if (w !== got[i]) return null;
  }
  if (rest !== null) params[rest] = got.slice(segments.length).map(decode).join("/");
  return params;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed %-escape is not a different route: keep the raw text so the 404 names it.
    return segment;
  }
}
