/**
 * FaroError: every failure the backend reports on purpose carries an HTTP status and OpenAI's
 * error `type`/`code`/`param`. It is turned into a response in exactly one place per
 * transport (http/errors.ts for HTTP, lsp for JSON-RPC).
 */

export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  /** OpenAI's 429 for a spent quota; Faro's for a virtual key over its budget. */
  | "insufficient_quota"
  | "server_error";

export interface FaroErrorInit {
  status: number;
  type: ErrorType;
  code?: string | null;
  param?: string | null;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class FaroError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;

  constructor(message: string, init: FaroErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "FaroError";
    this.status = init.status;
    this.type = init.type;
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.headers = init.headers ?? {};
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new FaroError(message, { status: 400, type: "invalid_request_error", param, code });

export const notFound = (message: string, code: string | null = null, param: string | null = null) =>
  new FaroError(message, { status: 404, type: "not_found_error", code, param });

export const modelNotFound = (model: string) =>
  new FaroError(`The model '${model}' does not exist. GET /v1/models lists the models Faro serves.`, {
    status: 404,
    type: "invalid_request_error",
    code: "model_not_found",
    param: "model",
  });

export const serverError = (message: string, cause?: unknown) =>
  new FaroError(message, { status: 500, type: "server_error", code: "internal_error", cause });

/** Message of anything thrown, for logs and wrapped errors. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
