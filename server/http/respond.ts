/** Writing JSON responses, with the headers every Faro response carries, and their status lines. */
import { STATUS_CODES, type ServerResponse } from "node:http";
import { merged } from "../objects";
import { CLIENT_CLOSED_STATUS, CLIENT_CLOSED_TEXT } from "./clientGone";

/** Statuses Faro answers itself that Node has no phrase for, named as the servers that use them name them. */
const FARO_PHRASES: Readonly<Record<number, string>> = { [CLIENT_CLOSED_STATUS]: CLIENT_CLOSED_TEXT };

/**
 * Names `status` on `res` where Node knows no phrase for it and would send "unknown" (a 499 of
 * Faro's; a provider's 529, say, passed on): the provider's own phrase (`upstream`) when it sent
 * one, else Faro's, else its class's (RFC 9110 15: an unknown status is read as the x00 of its class).
 */
export function nameStatus(res: ServerResponse, status: number, upstream: string | null = null): void {
  if (STATUS_CODES[status] !== undefined) return;
  const phrase = upstream || FARO_PHRASES[status] || STATUS_CODES[Math.floor(status / 100) * 100];
  if (phrase) res.statusMessage = phrase;
}

/** `upstream`: the provider's reason phrase, for a status passed on from it. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, upstream: string | null = null): void {
  const text = JSON.stringify(body);
  if (status !== 200) nameStatus(res, status, upstream);
  res.writeHead(status, merged(headers, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }));
  res.end(text);
}

export function msSince(start: number): string {
  return (performance.now() - start).toFixed(2);
}
