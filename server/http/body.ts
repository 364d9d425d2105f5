/** Reads a JSON request body with a size limit (413 past it) and a clear 400 for bad JSON. */
import type { IncomingMessage } from "node:http";
import { FaroError, badRequest } from "../errors";
import { rememberRequestBody } from "./bodyCapture";

export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

function tooLarge(limit: number): FaroError {
  return new FaroError(`Request body is larger than the limit of ${limit} bytes.`, {
    status: 413,
    type: "invalid_request_error",
    code: "request_too_large",
  });
}

/**
 * Past the limit the rest of the body is read and dropped (up to this much) before answering,
 * so the client, still sending, gets to read the 413 instead of a broken pipe.
 */
const DRAIN_LIMIT = 64 * 1024 * 1024;

/** The body parsed as JSON; an empty body or bad JSON is a 400. */
export function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  return readBody(req, limit, parseJsonBody);
}

function parseJsonBody(body: Buffer): unknown {
  const text = body.toString("utf8");
  if (text.trim() === "") throw badRequest("The request body is empty; expected a JSON object.", null, "invalid_body");
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(
      `We could not parse the JSON body of your request (${(err as Error).message}). Send valid JSON with Content-Type: application/json.`,
      null,
      "invalid_json",
    );
  }
}

/** The raw body (multipart uploads), with the same limit and draining as JSON bodies. */
export function readBuffer(req: IncomingMessage, limit: number): Promise<Buffer> {
  return readBody(req, limit, (body) => body);
}

/**
 * Reads the body with events rather than an async iterator, and hands it to `finish` in the
 * 'end' handler: one promise from the last byte to the caller (this is on every request's path to
 * its first token). Past `limit` the rest is read and dropped, up to DRAIN_LIMIT, then 413.
 */
function readBody<T>(req: IncomingMessage, limit: number, finish: (body: Buffer) => T): Promise<T> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit && declared > DRAIN_LIMIT) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > DRAIN_LIMIT) {
        req.removeAllListeners("data");
        reject(tooLarge(limit));
      }
    });
    req.on("end", () => {
      if (size > limit) return reject(tooLarge(limit));
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      rememberRequestBody(req, body);
      try {
        resolve(finish(body));
      } catch (err) {
        reject(err);
      }
    });
    req.on("error", reject);
  });
}
