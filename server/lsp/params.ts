/**
 * The shape of each faro/* request's params, checked before its handler runs (main.ts's
 * onRequest): a field of the wrong type is the client's mistake, answered with a 400 naming it,
 * not a TypeError deep in a handler reported as the method's internal failure. Only the fields
 * a handler reads as they come are listed; the others check their own (compare/start, keys/*,
 * logs/* with their schemas; recordSave's text).
 */
import { badRequest } from "../errors";
import type { FaroRequestMethod } from "../protocol";

/** `text`: a non-empty string; `string?`: any string; `?`: may also be absent or null. */
type Kind = "text" | "text?" | "string?" | "int" | "int?" | "object?";

const PARAMS: { readonly [M in FaroRequestMethod]?: Readonly<Record<string, Kind>> } = {
  "faro/compare/cancel": { comparisonId: "text" },
  "faro/compare/get": { comparisonId: "text" },
  "faro/compare/list": { limit: "int?", promptId: "text?" },
  "faro/compare/setWinner": { comparisonId: "text", column: "int?" },
  "faro/endpoint/start": { host: "text?", port: "int?" },
  "faro/logs/get": { id: "text" },
  "faro/models/select": { model: "text" },
  "faro/models/unload": { model: "text" },
  "faro/models/download": { source: "text", id: "text?" },
  "faro/models/downloadCancel": { id: "text" },
  "faro/prompt/run": { uri: "text", runId: "text?", variables: "object?", datasetRow: "int?", model: "text?", version: "int?", label: "text?" },
  "faro/prompt/cancel": { runId: "text" },
  "faro/prompt/history": { uri: "text?", promptId: "text?" },
  "faro/prompt/version": { promptId: "text", version: "int" },
  "faro/prompt/label": { promptId: "text", label: "text", version: "int?" },
  "faro/prompt/inputs": { uri: "text" },
  "faro/prompt/recordSave": { uri: "text" },
  "faro/providers/setKey": { provider: "text", key: "string?" },
  "faro/providers/check": { provider: "text", key: "string?", baseUrl: "string?" },
  "faro/queue/cancel": { id: "text" },
};

const WHAT: Record<Kind, string> = {
  text: "a non-empty string",
  "text?": "a non-empty string",
  "string?": "a string",
  int: "an integer",
  "int?": "an integer",
  "object?": "an object",
};

function fits(kind: Kind, v: unknown): boolean {
  if (v == null) return kind.endsWith("?");
  if (kind.startsWith("text")) return typeof v === "string" && v !== "";
  if (kind.startsWith("string")) return typeof v === "string";
  if (kind.startsWith("int")) return Number.isSafeInteger(v);
  return typeof v === "object" && !Array.isArray(v);
}

/** Throws a 400 naming the first field of `params` that `method` cannot take. */
export function checkParams(method: FaroRequestMethod, params: unknown): void {
  if (typeof params !== "object" || params === null || Array.isArray(params)) throw badRequest(`${method} takes its params as an object.`, null, "invalid_params");
  const kinds = PARAMS[method];
  if (!kinds) return;
  for (const [name, kind] of Object.entries(kinds)) {
    const v = (params as Record<string, unknown>)[name];
    if (fits(kind, v)) continue;
    const missing = v == null ? `'${name}' is required` : `'${name}' must be ${WHAT[kind]}`;
    throw badRequest(`${method}: ${missing}.`, name, v == null ? "missing_required_parameter" : "invalid_value");
  }
}
