/**
 * Finds the user text in a request body, whatever the route: chat messages (string content and
 * text parts, assistant tool-call arguments, tool results), legacy `prompt`, embeddings and
 * speech `input`, image `prompt`. Returns a rewritten copy; the caller's body is never changed,
 * because a fallback to another target may need the original.
 */

/** Rewrites one piece of text (redact, or scan and return it unchanged). */
export type TextMap = (text: string) => string;

interface Part {
  type?: unknown;
  text?: unknown;
}

export function mapBodyText<B extends object>(body: B, map: TextMap): B {
  const src = body as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  const set = (key: string, value: unknown) => {
    if (value === src[key]) return;
    out ??= { ...src };
    out[key] = value;
  };
  if (Array.isArray(src.messages)) set("messages", mapArray(src.messages, (m) => mapMessage(m, map)));
  for (const key of ["prompt", "input"]) {
    const v = src[key];
    if (typeof v === "string") set(key, map(v));
    else if (Array.isArray(v)) set(key, mapArray(v, (x) => (typeof x === "string" ? map(x) : x)));
  }
  return (out ?? body) as B;
}

/** Whether a legacy completion's prompt is token ids, which no text check can read. */
export function hasTokenPrompt(body: object): boolean {
  const prompt = (body as { prompt?: unknown }).prompt;
  return Array.isArray(prompt) && prompt.some((p) => typeof p === "number" || Array.isArray(p));
}

function mapMessage(message: unknown, map: TextMap): unknown {
  if (message === null || typeof message !== "object") return message;
  const m = message as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  const content = mapContent(m.content, map);
  if (content !== m.content) out = { ...m, content };
  if (Array.isArray(m.tool_calls)) {
    const calls = mapArray(m.tool_calls, (c) => mapToolCall(c, map));
    if (calls !== m.tool_calls) out = { ...(out ?? m), tool_calls: calls };
  }
  return out ?? message;
}

function mapContent(content: unknown, map: TextMap): unknown {
  if (typeof content === "string") return map(content);
  if (!Array.isArray(content)) return content;
  return mapArray(content, (p) => {
    const part = p as Part;
    if (part && typeof part === "object" && part.type === "text" && typeof part.text === "string") {
      const text = map(part.text);
      return text === part.text ? p : { ...part, text };
    }
    return p;
  });
}

function mapToolCall(call: unknown, map: TextMap): unknown {
  const c = call as { function?: { arguments?: unknown } } | null;
  const args = c?.function?.arguments;
  if (typeof args !== "string") return call;
  const mapped = mapJsonText(args, map);
  return mapped === args ? call : { ...c, function: { ...c!.function, arguments: mapped } };
}

/** Arguments are JSON text: rewrite its string values so the result stays valid JSON. */
export function mapJsonText(json: string, map: TextMap): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return map(json); // not JSON (a model's broken call): treat it as plain text
  }
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      const m = map(v);
      if (m !== v) changed = true;
      return m;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const out = walk(parsed);
  return changed ? JSON.stringify(out) : json;
}

/** Maps items, returning the same array when nothing changed. */
function mapArray<T>(items: readonly T[], fn: (item: T) => T): T[] {
  let out: T[] | null = null;
  for (let i = 0; i < items.length; i++) {
    const v = fn(items[i]!);
    if (v !== items[i]) {
      out ??= items.slice();
      out[i] = v;
    }
  }
  return out ?? (items as T[]);
}
