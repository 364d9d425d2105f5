/**
 * Cache keys: a request reduced to what changes its answer (the resolved route, the messages or
 * prompt, and the output-changing parameters with OpenAI's defaults dropped and keys sorted),
 * hashed. The last user message's text is kept apart so semantic mode can compare it by meaning
 * while everything else (earlier turns included) must match exactly.
 */
import { createHash } from "node:crypto";

export type CacheKind = "chat" | "completion" | "embedding";

/** Fields that never change the answer, or that the key carries another way. */
const IGNORED = new Set([
  "model", "messages", "prompt", "input",
  "stream", "stream_options", "user", "metadata", "priority", "keep_alive", "store", "encoding_format",
]);

/** A parameter at OpenAI's default is the same request as one without it. */
const DEFAULTS: Record<string, unknown> = {
  temperature: 1,
  top_p: 1,
  n: 1,
  presence_penalty: 0,
  frequency_penalty: 0,
  echo: false,
  best_of: 1,
  parallel_tool_calls: true,
};

export interface KeyParts {
  /** sha256 of everything but the semantic text: entries compared by meaning must share it. */
  paramsHash: string;
  /** sha256 of the whole normalized request (exact mode). */
  key: string;
  /** The last user message's text (or the prompt), whitespace-collapsed, when semantic mode can compare it. */
  text: string | null;
}

/** `route` identifies where the request goes (see route.ts), so aliases of one target share entries. */
export function keyParts(kind: CacheKind, req: Record<string, unknown>, route: string): KeyParts {
  const params = normalizeParams(kind, req);
  let body: unknown;
  let text: string | null = null;
  if (kind === "chat") {
    const messages = (Array.isArray(req.messages) ? req.messages : []).map(normalizeMessage);
    const last = messages.at(-1);
    if (last && last.role === "user" && typeof last.content === "string" && Object.keys(last).length === 2) {
      text = last.content;
      body = messages.slice(0, -1);
    } else body = messages;
  } else if (kind === "completion" && typeof req.prompt === "string") {
    text = req.prompt;
    body = null;
  } else body = kind === "completion" ? req.prompt : req.input;
  const group = canonical({ kind, route, params, body });
  const paramsHash = sha256(group);
  return { paramsHash, key: sha256(`${paramsHash}\n${text ?? ""}`), text: text === null ? null : collapse(text) };
}

/** The parameters that change the answer, defaults and empty values dropped, aliases unified. */
export function normalizeParams(kind: CacheKind, req: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(req)) {
    if (IGNORED.has(k) || v === null || v === undefined) continue;
    if (DEFAULTS[k] === v) continue;
    if (isEmpty(v)) continue;
    out[k] = v;
  }
  // max_completion_tokens replaced max_tokens; both mean the same limit.
  if (out.max_completion_tokens !== undefined) {
    out.max_tokens = out.max_completion_tokens;
    delete out.max_completion_tokens;
  }
  if (typeof out.stop === "string") out.stop = [out.stop];
  if (kind === "chat") {
    if (out.logprobs === false) delete out.logprobs;
    if (out.logprobs === undefined) delete out.top_logprobs;
    if (isRecord(out.response_format) && out.response_format.type === "text" && Object.keys(out.response_format).length === 1) delete out.response_format;
    const hasTools = Array.isArray(out.tools);
    if ((hasTools && out.tool_choice === "auto") || (!hasTools && out.tool_choice === "none")) delete out.tool_choice;
  }
  return out;
}

type Message = Record<string, unknown> & { role?: unknown; content?: unknown };

/** Text-only content arrays become the string they stand for; null fields are dropped. */
function normalizeMessage(m: unknown): Message {
  if (!isRecord(m)) return {};
  const out: Message = {};
  for (const [k, v] of Object.entries(m)) if (v !== null && v !== undefined) out[k] = v;
  if (Array.isArray(out.content) && out.content.every((p) => isRecord(p) && p.type === "text" && typeof p.text === "string")) {
    out.content = (out.content as Array<{ text: string }>).map((p) => p.text).join("");
  }
  return out;
}

/** JSON with object keys sorted at every level, undefined dropped: equal values give equal text. */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonical(v))).join(",")}]`;
  const entries = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(",")}}`;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Whitespace runs are one space for the embedder: layout is not meaning. */
export function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function isEmpty(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  return isRecord(v) && Object.keys(v).length === 0;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
