/**
 * The one place errors become HTTP responses, in OpenAI's shape:
 * `{"error": {"message", "type", "param", "code"}}`. Anything that is not a FaroError is a bug:
 * it is logged with its stack and answered with a generic 500.
 */
import { FaroError } from "../errors";
import { UpstreamError } from "../providers/upstream";
import { merged } from "../objects";
import type { Logger } from "../logger";

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface ErrorResponse {
  status: number;
  /** The provider's reason phrase for a status that is its own answer, if it sent one. */
  statusText: string | null;
  headers: Record<string, string>;
  body: ErrorBody;
}

export function toErrorResponse(err: unknown, logger: Logger): ErrorResponse {
  if (err instanceof FaroError) {
    if (err.status >= 500) logger.error(`${err.code ?? err.type}: ${err.message}${err.cause ? ` (cause: ${describe(err.cause)})` : ""}`);
    // Whether Faro refused the request or a provider failed it: a client can tell without parsing text.
    const source: Record<string, string> = err instanceof UpstreamError ? { "x-faro-error-source": "provider", "x-faro-provider": err.provider } : { "x-faro-error-source": "faro" };
    return {
      status: err.status,
      statusText: err instanceof UpstreamError ? err.statusText : null,
      headers: merged(err.headers, source),
      body: { error: { message: err.message, type: err.type, param: err.param, code: err.code } },
    };
  }
  logger.error(`unexpected error: ${describe(err)}`);
  return {
    status: 500,
    statusText: null,
    headers: { "x-faro-error-source": "faro" },
    body: {
      error: {
        message: "The server had an error while processing your request. The Faro log has the details.",
        type: "server_error",
        param: null,
        code: "internal_error",
      },
    },
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
