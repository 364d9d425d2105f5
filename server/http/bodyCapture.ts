/**
 * Body logging (off by default; --log-bodies or `"log": {"bodies": true}` in config.json):
 * keeps a copy of what the client sent and what it got back for the request log. A stream is
 * logged as the answer it assembles to (one chat.completion / text_completion object), not as
 * SSE. Everything passes through the logger's secret redaction before it is stored.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { redact } from "../logger";
import type { Route } from "./router";

/** Larger bodies are cut here, with a marker saying how large they were. */
export const MAX_LOGGED_BODY = 256 * 1024;

const rawBodies = new WeakMap<IncomingMessage, Buffer>();

/** body.ts hands every request body it read here, so the log can keep it when asked to. */
export function rememberRequestBody(req: IncomingMessage, body: Buffer): void {
  rawBodies.set(req, body);
}

export function requestBodyText(req: IncomingMessage): string | null {
  const body = rawBodies.get(req);
  if (!body) return null;
  return textOf(body, String(req.headers["content-type"] ?? ""));
}

/** Tees what the response writes; call the returned function once the response is over. */
export function captureResponse(res: ServerResponse): () => string | null {
  const chunks: Buffer[] = [];
  let size = 0;
  // Routes pass headers to writeHead, which getHeader() does not see: note the content type there.
  let contentType = "";
  const typeOf = () => contentType || String(res.getHeader("content-type") ?? "");
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    const headers = args.find((a) => a !== null && typeof a === "object");
    if (headers && !Array.isArray(headers)) {
      for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === "content-type") contentType = String(v);
    }
    return writeHead(...args);
  }) as ServerResponse["writeHead"];
  const keep = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === "function") return;
    const b = Buffer.isBuffer(chunk) ? chunk : typeof chunk === "string" ? Buffer.from(chunk, (typeof encoding === "string" ? encoding : "utf8") as BufferEncoding) : Buffer.from(chunk as Uint8Array);
    // SSE needs the whole stream to assemble the answer; other bodies only up to the cap.
    if (size <= MAX_LOGGED_BODY || typeOf().startsWith("text/event-stream")) chunks.push(b);
    size += b.length;
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    keep(chunk, rest[0]);
    return write(chunk, ...rest);
  }) as ServerResponse["write"];
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    keep(chunk, rest[0]);
    return end(chunk, ...rest);
  }) as ServerResponse["end"];
  return () => {
    if (size === 0) return null;
    const type = typeOf();
    const body = Buffer.concat(chunks);
    if (type.startsWith("text/event-stream")) return cut(redact(JSON.stringify(assembleSse(body.toString("utf8")))));
    return textOf(body, type, size);
  };
}

function textOf(body: Buffer, contentType: string, bytes = body.length): string {
  if (!/json|text|x-www-form-urlencoded/.test(contentType) && contentType !== "") return `<${bytes} bytes of ${contentType.split(";")[0]}>`;
  return cut(redact(body.subarray(0, MAX_LOGGED_BODY + 1).toString("utf8")), bytes);
}

function cut(text: string, bytes = Buffer.byteLength(text)): string {
  return bytes > MAX_LOGGED_BODY ? `${text.slice(0, MAX_LOGGED_BODY)}… [cut: ${bytes} bytes]` : text;
}

interface Assembled {
  role?: string;
  content: string;
  reasoning_content?: string;
  text?: string;
  tool_calls?: Array<{ id?: string; type: string; function: { name: string; arguments: string } }>;
  finish_reason: string | null;
}

/** Folds an OpenAI SSE stream (chat or text completion chunks) into the object it stands for. */
export function assembleSse(text: string): Record<string, unknown> {
  const choices = new Map<number, Assembled>();
  let head: Record<string, unknown> = {};
  let usage: unknown = undefined;
  let error: unknown = undefined;
  let textCompletion = false;
  for (const line of text.split("\n")) {
    if (!line.startsWith("data:")) continue;
    const data = line.slice(5).trim();
    if (data === "[DONE]" || data === "") continue;
    let chunk: Record<string, unknown>;
    try {
      chunk = JSON.parse(data) as Record<string, unknown>;
    } catch {
      continue; // not JSON: nothing to assemble (the raw stream is not kept)
    }
    if (chunk.error) error = chunk.error;
    if (chunk.usage) usage = chunk.usage;
    if (chunk.object === "text_completion") textCompletion = true;
    if (chunk.id && !head.id) head = { id: chunk.id, created: chunk.created, model: chunk.model };
    for (const c of (chunk.choices as Record<string, unknown>[] | undefined) ?? []) {
      const index = Number(c.index ?? 0);
      let a = choices.get(index);
      if (!a) choices.set(index, (a = { content: "", finish_reason: null }));
      if (typeof c.text === "string") a.text = (a.text ?? "") + c.text;
      const d = (c.delta ?? {}) as Record<string, unknown>;
      if (typeof d.role === "string") a.role = d.role;
      if (typeof d.content === "string") a.content += d.content;
      if (typeof d.reasoning_content === "string") a.reasoning_content = (a.reasoning_content ?? "") + d.reasoning_content;
      for (const t of (d.tool_calls as Record<string, unknown>[] | undefined) ?? []) {
        a.tool_calls ??= [];
        const i = Number(t.index ?? 0);
        const f = (t.function ?? {}) as { name?: string; arguments?: string };
        const call = (a.tool_calls[i] ??= { type: "function", function: { name: "", arguments: "" } });
        if (typeof t.id === "string") call.id = t.id;
        if (f.name) call.function.name += f.name;
        if (f.arguments) call.function.arguments += f.arguments;
      }
      if (c.finish_reason) a.finish_reason = c.finish_reason as string;
    }
  }
  const list = [...choices.entries()].sort(([x], [y]) => x - y).map(([index, a]) =>
    textCompletion
      ? { index, text: a.text ?? "", finish_reason: a.finish_reason }
      : {
          index,
          message: { role: a.role ?? "assistant", content: a.content, ...(a.reasoning_content ? { reasoning_content: a.reasoning_content } : {}), ...(a.tool_calls ? { tool_calls: a.tool_calls } : {}) },
          finish_reason: a.finish_reason,
        },
  );
  return {
    ...head,
    object: textCompletion ? "text_completion" : "chat.completion",
    choices: list,
    ...(usage !== undefined ? { usage } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

/** Wraps routes so their request and response bodies land in the request record (body logging on). */
export function withBodyLogging(routes: readonly Route[]): Route[] {
  return routes.map((route) => ({
    ...route,
    handler: (ctx) => {
      const response = captureResponse(ctx.res);
      // The endpoint logs the record in a continuation of its own 'close' listener, so this
      // listener (run in the same emit) is in time; 'close' also comes when the client left
      // mid-stream (what was sent so far is kept). An error the endpoint writes after the
      // handler threw is captured too.
      ctx.res.once("close", () => {
        ctx.record.requestBody = requestBodyText(ctx.req);
        ctx.record.responseBody = response();
      });
      return route.handler(ctx);
    },
  }));
}
