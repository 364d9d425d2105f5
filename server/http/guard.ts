/**
 * Who may talk to the endpoint: Host must be a loopback name or address (DNS-rebinding
 * defence), browser Origins must be allow-listed, and a bearer token is checked when set.
 */
import type { IncomingHttpHeaders } from "node:http";
import { isIP } from "node:net";
import { timingSafeEqual, createHash } from "node:crypto";
import { FaroError, badRequest } from "../errors";
import { isLoopbackHost } from "./loopback";

export interface GuardOptions {
  /** Address the server is bound to. */
  host: string;
  allowedOrigins: readonly string[];
  apiKey: string | null;
}


/** The host part of a Host header: `[::1]:80` -> `[::1]`, `localhost:4891` -> `localhost`. */
export function hostName(header: string): string {
  if (header.startsWith("[")) return header.slice(0, header.indexOf("]") + 1);
  const colon = header.lastIndexOf(":");
  return colon > -1 && header.indexOf(":") === colon ? header.slice(0, colon) : header;
}

const forbidden = (message: string, code: string) =>
  new FaroError(message, { status: 403, type: "permission_error", code });

export function checkHostAndOrigin(headers: IncomingHttpHeaders, opts: GuardOptions): void {
  const host = headers.host;
  if (!host) throw forbidden("Missing Host header.", "invalid_host");
  const name = hostName(host);
  const boundPublic = !isLoopbackHost(opts.host);
  // Bound beyond loopback (API key required), IP literals and the bind address are fine: DNS
  // rebinding needs a DNS name.
  const ok = isLoopbackHost(name) || (boundPublic && (isIP(name.replace(/^\[|\]$/g, "")) !== 0 || name === opts.host));
  if (!ok) throw forbidden(`Host '${name}' is not allowed: Faro answers only loopback names and addresses.`, "invalid_host");
  const origin = headers.origin;
  if (origin !== undefined && !opts.allowedOrigins.includes(origin)) {
    throw forbidden(
      `Origin '${origin}' is not allowed. Add it to faro.endpoint.allowedOrigins (or --allowed-origin) to call Faro from that page.`,
      "origin_not_allowed",
    );
  }
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * FARO_API_KEY when set; a virtual key (`fk-...`) is accepted instead of it and checked by
 * `virtualKey`, which throws 401 for an unknown or revoked one, whether or not FARO_API_KEY is set.
 * Clients of Portkey send the gateway's key as `x-portkey-api-key` and the provider's as
 * `Authorization`: when that header is there, it is the one checked (routing/headers.ts then
 * takes the bearer token as the provider's key).
 */
export function checkApiKey(headers: IncomingHttpHeaders, apiKey: string | null, virtualKey: ((secret: string) => void) | null = null): void {
  const auth = headers.authorization;
  const given = givenKey(headers);
  if (virtualKey && given?.startsWith("fk-") && given !== apiKey) return virtualKey(given);
  if (!apiKey) return;
  if (!given && auth) {
    // Never echo the header: it is most likely the key itself, sent without its scheme.
    throw new FaroError("The Authorization header must be 'Authorization: Bearer <key>' (with the FARO_API_KEY as the key), or send the key as 'x-api-key: <key>'.", {
      status: 401,
      type: "authentication_error",
      code: "invalid_authorization_header",
    });
  }
  if (!given) {
    throw new FaroError("You didn't provide an API key. Send it as 'Authorization: Bearer <FARO_API_KEY>'.", {
      status: 401,
      type: "authentication_error",
      code: "missing_api_key",
    });
  }
  // Compare digests so the comparison time does not depend on the key's length or content.
  if (!timingSafeEqual(digest(given), digest(apiKey))) {
    throw new FaroError("Incorrect API key provided.", { status: 401, type: "authentication_error", code: "invalid_api_key" });
  }
}

/** Routes that show every key's traffic (Route.operator): FARO_API_KEY when set; a virtual key is 403. */
export function checkOperatorKey(headers: IncomingHttpHeaders, apiKey: string | null): void {
  const given = givenKey(headers);
  if (apiKey && given?.startsWith("fk-") && given !== apiKey) {
    throw forbidden("A virtual key cannot use this route: the request log, metrics and the queue show (and the queue cancels) every key's requests. Use FARO_API_KEY.", "operator_key_required");
  }
  checkApiKey(headers, apiKey, null);
}

function givenKey(headers: IncomingHttpHeaders): string | undefined {
  const virtual = headers["x-portkey-virtual-key"];
  if (virtual !== undefined) return faroVirtualKey(virtual);
  const portkey = headers["x-portkey-api-key"];
  return (typeof portkey === "string" ? portkey.trim() : undefined) ?? headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim() ?? (headers["x-api-key"] as string | undefined);
}

/**
 * The Portkey SDK sends `virtualKey` as x-portkey-virtual-key, where a Portkey app ported to Faro
 * puts its Faro virtual key: it is the key presented, over x-portkey-api-key (ignored, the key's
 * limits would silently not hold). Portkey's own virtual keys name provider credentials stored in
 * its cloud, which Faro has none of: refused, not sent on with some other key.
 */
function faroVirtualKey(header: string | string[]): string {
  const key = (Array.isArray(header) ? header[0]! : header).trim();
  if (key.startsWith("fk-")) return key;
  throw badRequest(
    "x-portkey-virtual-key (the Portkey SDK's virtualKey) is not a Faro virtual key (fk-..., made with 'faro keys create'). Faro stores no provider keys under a name: send the provider's key as the Authorization bearer with x-portkey-provider, as api_key in a config, or set its environment variable.",
    "x-portkey-virtual-key",
    "invalid_virtual_key",
  );
}
