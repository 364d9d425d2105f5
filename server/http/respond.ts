/** Writing JSON responses, with the headers every Faro response carries. */
import type { ServerResponse } from "node:http";
import { CLIENT_CLOSED_STATUS, CLIENT_CLOSED_TEXT } from "./clientGone";

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  // A request cancelled through the queue API answers 499 to a client that is still there.
  if (status === CLIENT_CLOSED_STATUS) res.statusMessage = CLIENT_CLOSED_TEXT;
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

export function msSince(start: number): string {
  return (performance.now() - start).toFixed(2);
}
