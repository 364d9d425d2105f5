/**
 * The local endpoint's own API key, for when it must have one: bound to an address other than
 * loopback (the backend refuses to listen there without a key), or `faro.endpoint.requireApiKey`.
 * Made once (random, 192 bits), kept in VS Code's SecretStorage, handed to the backend in its
 * initialization options (memory only; the backend redacts it from every log line) and filled
 * into Show Endpoint Snippets.
 */
import { randomBytes } from "node:crypto";
import type * as vscode from "vscode";
import { isLoopbackHost } from "../server/http/loopback";

const SECRET = "faro.endpoint.apiKey";

/** Whether the endpoint needs a key with these settings (host unset: the backend's loopback default). */
export function endpointKeyWanted(host: string | undefined, requireApiKey: boolean): boolean {
  return requireApiKey || (host !== undefined && !isLoopbackHost(host));
}

/** The stored key, made and stored first if there is none. */
export async function endpointKey(secrets: vscode.SecretStorage): Promise<string> {
  const stored = await secrets.get(SECRET);
  if (stored) return stored;
  const key = `faro-${randomBytes(24).toString("base64url")}`;
  await secrets.store(SECRET, key);
  return key;
}
