/**
 * Reading OpenAI chat messages for the families that rewrite them into another wire format
 * (Anthropic, Gemini): content as text and image parts, data: URLs, and an assistant's tool
 * calls with parsed arguments. What cannot be read is a 400 naming the exact part.
 */
import { badRequest } from "../errors";
import type { ChatMessage } from "../gateway/schema";

export type MessageContent = string | ReadonlyArray<{ type: string; [k: string]: unknown }>;

export type Part = { type: "text"; text: string } | { type: "image"; url: string };

export interface DataUrl {
  mediaType: string;
  /** Base64, as in the URL. */
  data: string;
}

export interface ParsedToolCall {
  id: string;
  name: string;
  /** The JSON object the arguments string holds. */
  input: Record<string, unknown>;
}

/** `data:image/png;base64,AAAA` -> its media type and base64 data; null for anything else. */
export function parseDataUrl(url: string): DataUrl | null {
  const m = /^data:([\w.+-]+\/[\w.+-]+)(?:;[^,;]*)*;base64,(.*)$/s.exec(url);
  return m ? { mediaType: m[1]!, data: m[2]! } : null;
}

/** Text and image parts of a message's content; other part types are refused for `who`. */
export function partsOf(content: MessageContent, param: string, who: string): Part[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  return content.map((part, j): Part => {
    const at = `${param}[${j}]`;
    if (part.type === "text") {
      if (typeof part.text !== "string") throw badRequest(`Missing required parameter: '${at}.text'.`, `${at}.text`, "missing_required_parameter");
      return { type: "text", text: part.text };
    }
    if (part.type === "image_url") {
      const image = part.image_url;
      const url = typeof image === "string" ? image : typeof image === "object" && image !== null && "url" in image ? image.url : undefined;
      if (typeof url !== "string") throw badRequest(`Missing required parameter: '${at}.image_url.url'.`, `${at}.image_url.url`, "missing_required_parameter");
      return { type: "image", url };
    }
    throw badRequest(`Content parts of type '${part.type}' are not supported by ${who}; use 'text' or 'image_url'.`, `${at}.type`, "unsupported_content");
  });
}

/** Content that must be text only (system prompts, tool results); images are refused. */
export function textOf(content: MessageContent, param: string, who: string): string {
  return partsOf(content, param, who)
    .map((p, j) => {
      if (p.type === "text") return p.text;
      throw badRequest(`${who} takes only text here, not images.`, `${param}[${j}].type`, "unsupported_content");
    })
    .join("");
}

type AssistantMessage = Extract<ChatMessage, { role: "assistant" }>;

export function toolCallsOf(m: AssistantMessage, param: string): ParsedToolCall[] {
  return (m.tool_calls ?? []).map((call, j) => {
    const at = `${param}.tool_calls[${j}]`;
    const fn = call.function;
    const name = typeof fn === "object" && fn !== null && "name" in fn ? fn.name : undefined;
    if (call.type !== "function" || typeof name !== "string") throw badRequest("Expected a function tool call with a name.", at, "invalid_value");
    const args = typeof fn === "object" && fn !== null && "arguments" in fn ? fn.arguments : undefined;
    return { id: call.id, name, input: argumentsObject(args, `${at}.function.arguments`, call.id) };
  });
}

function argumentsObject(args: unknown, param: string, id: string): Record<string, unknown> {
  if (args === undefined || args === null || (typeof args === "string" && args.trim() === "")) return {};
  let parsed: unknown = args;
  if (typeof args === "string") {
    try {
      parsed = JSON.parse(args);
    } catch {
      throw badRequest(`The arguments of tool call '${id}' are not valid JSON.`, param, "invalid_value");
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw badRequest(`The arguments of tool call '${id}' must be a JSON object.`, param, "invalid_value");
  }
  return parsed as Record<string, unknown>;
}

/** The function name of every assistant tool call by id, for formats that answer by name. */
export function toolNamesById(messages: readonly ChatMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  messages.forEach((m, i) => {
    if (m.role === "assistant") for (const c of toolCallsOf(m, `messages[${i}]`)) names.set(c.id, c.name);
  });
  return names;
}

/** `stop` as a list without empty strings. */
export const stopList = (stop: string | string[] | null | undefined): string[] =>
  (stop == null ? [] : typeof stop === "string" ? [stop] : stop).filter((s) => s.length > 0);
