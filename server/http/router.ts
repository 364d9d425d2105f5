/**
 * A small method + path router. A path that exists under another method answers 405 with
 * `Allow`; a path that does not exist answers 404, both in OpenAI's error shape.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { FaroError } from "../errors";
import type { RequestRecord } from "../gateway/requestRecord";

export interface HttpContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  record: RequestRecord;
  signal: AbortSignal;
  /** Headers every response carries (x-request-id, CORS). */
  baseHeaders: Record<string, string>;
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
}

export interface Match {
  route: Route;
  params: Record<string, string>;
}

export class Router {
  constructor(private readonly routes: readonly Route[]) {}

  match(method: string, pathname: string): Match {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchPath(route.path, pathname);
      if (!params) continue;
      if (route.method === method) return { route, params };
      allowed.push(route.method);
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

function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const got = pathname.split("/").filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w.startsWith("*")) {
      if (i >= got.length) return null;
      params[w.slice(1)] = got.slice(i).map(decode).join("/");
      return params;
    }
    const g = got[i];
    if (g === undefined) return null;
    if (w.startsWith(":")) params[w.slice(1)] = decode(g);
    else if (w !== g) return null;
  }
  return got.length === want.length ? params : null;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed %-escape is not a different route: keep the raw text so the 404 names it.
    return segment;
  }
}
