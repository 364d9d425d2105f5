/**
 * OpenAI chat requests -> Anthropic Messages bodies. System and developer messages become
 * `system`; tool results become `tool_result` blocks in a user turn, and turns of one role are
 * merged as Anthropic expects. `max_tokens` is required there (4096 when the client gives none).
 * What Anthropic cannot do (n > 1, logprobs, penalties, min_p, logit_bias, json_object) is a 400 naming the
 * parameter; `seed` is best-effort in OpenAI's own terms and is left out.
 */
import { badRequest } from "../../errors";
import type { ChatCompletionRequest } from "../../gateway/schema";
import { parseDataUrl, partsOf, stopList, textOf, toolCallsOf, type MessageContent } from "../messageParts";

export const DEFAULT_MAX_TOKENS = 4096;
const WHO = "Anthropic";

export type ImageSource = { type: "base64"; media_type: string; data: string } | { type: "url"; url: string };
export type TextBlock = { type: "text"; text: string };
export type ContentBlock =
  | TextBlock
  | { type: "image"; source: ImageSource }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> }
  | { type: "tool_result"; tool_use_id: string; content: string };

export interface AnthropicMessage {
  role: "user" | "assistant";
  content: string | ContentBlock[];
}

export type AnthropicToolChoice = ({ type: "auto" | "any" } | { type: "tool"; name: string }) & { disable_parallel_tool_use?: boolean } | { type: "none" };

export interface MessagesBody {
  model: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: string;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  stream?: true;
  tools?: Array<{ name: string; description?: string; input_schema: Record<string, unknown> }>;
  tool_choice?: AnthropicToolChoice;
  output_config?: { format: { type: "json_schema"; schema: Record<string, unknown> } };
  metadata?: { user_id: string };
}

export function toMessagesBody(req: ChatCompletionRequest, model: string): MessagesBody {
  refuseUnsupported(req);
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  req.messages.forEach((m, i) => {
    const param = `messages[${i}].content`;
    if (m.role === "system" || m.role === "developer") system.push(textOf(m.content, param, WHO));
    else if (m.role === "user") push(messages, "user", typeof m.content === "string" ? m.content : userBlocks(m.content, param));
    else if (m.role === "tool") push(messages, "user", [{ type: "tool_result", tool_use_id: m.tool_call_id, content: textOf(m.content, param, WHO) }]);
    else {
      const blocks: ContentBlock[] = [];
      const text = m.content == null ? "" : textOf(m.content, param, WHO);
      if (text !== "") blocks.push({ type: "text", text });
      for (const c of toolCallsOf(m, `messages[${i}]`)) blocks.push({ type: "tool_use", id: c.id, name: c.name, input: c.input });
      // An empty assistant turn (a chat UI's failed reply) says nothing; Anthropic refuses empty content.
      if (blocks.length === 0) return;
      push(messages, "assistant", blocks.length === 1 && blocks[0]!.type === "text" ? blocks[0]!.text : blocks);
    }
  });
  const stop = stopList(req.stop);
  const body: MessagesBody = { model, max_tokens: req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS, messages };
  if (system.length) body.system = system.join("\n\n");
  // OpenAI's range is 0-2, Anthropic's 0-1: clamped as Portkey does, so the same request works.
  if (req.temperature != null) body.temperature = Math.min(req.temperature, 1);
  if (req.top_p != null) body.top_p = req.top_p;
  // top_k 0 is llama.cpp's "no top-k"; Anthropic's starts at 1.
  if (req.top_k) body.top_k = req.top_k;
  if (stop.length) body.stop_sequences = stop;
  if (req.stream) body.stream = true;
  if (req.tools?.length) {
    body.tools = req.tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      input_schema: t.function.parameters ?? { type: "object", properties: {} },
    }));
  }
  const choice = toolChoice(req);
  if (choice) body.tool_choice = choice;
  const format = req.response_format;
  if (format?.type === "json_schema" && format.json_schema.schema) body.output_config = { format: { type: "json_schema", schema: format.json_schema.schema } };
  if (req.user) body.metadata = { user_id: req.user };
  return body;
}

function refuseUnsupported(req: ChatCompletionRequest): void {
  const refuse = (param: string, what: string) => badRequest(`${what} is not supported by Anthropic.`, param, "unsupported_parameter");
  if ((req.n ?? 1) > 1) throw refuse("n", "n > 1 (several answers per request)");
  if (req.logprobs) throw refuse("logprobs", "logprobs");
  if (req.presence_penalty) throw refuse("presence_penalty", "presence_penalty");
  if (req.frequency_penalty) throw refuse("frequency_penalty", "frequency_penalty");
  // min_p 0 is llama.cpp's "off"; Anthropic has no min-p sampling and nothing like it.
  if (req.min_p) throw refuse("min_p", "min_p");
  // Token ids are the client's model's: Anthropic takes no biases, and dropping them would change the answer unseen.
  if (req.logit_bias && Object.keys(req.logit_bias).length > 0) throw refuse("logit_bias", "logit_bias");
  const f = req.response_format;
  if (f?.type === "json_object") throw refuse("response_format", "response_format 'json_object' (give a schema with 'json_schema')");
  if (f?.type === "json_schema" && !f.json_schema.schema) {
    throw badRequest("Missing required parameter: 'response_format.json_schema.schema'.", "response_format.json_schema.schema", "missing_required_parameter");
  }
}

function userBlocks(content: Exclude<MessageContent, string>, param: string): ContentBlock[] {
  return partsOf(content, param, WHO).map((p, j): ContentBlock => {
    if (p.type === "text") return { type: "text", text: p.text };
    const data = parseDataUrl(p.url);
    if (data) return { type: "image", source: { type: "base64", media_type: data.mediaType, data: data.data } };
    if (/^https?:\/\//i.test(p.url)) return { type: "image", source: { type: "url", url: p.url } };
    throw badRequest("An image must be a data: URL (base64) or an http(s) URL.", `${param}[${j}].image_url.url`, "invalid_value");
  });
}

/** Appends a turn, merging it into the previous one when the role repeats. */
function push(messages: AnthropicMessage[], role: AnthropicMessage["role"], content: string | ContentBlock[]): void {
  const prev = messages.at(-1);
  if (prev?.role !== role) return void messages.push({ role, content });
  const blocks = (c: string | ContentBlock[]): ContentBlock[] => (typeof c === "string" ? [{ type: "text", text: c }] : c);
  prev.content = [...blocks(prev.content), ...blocks(content)];
}

function toolChoice(req: ChatCompletionRequest): AnthropicToolChoice | null {
  const choice = req.tool_choice;
  const hasTools = Boolean(req.tools?.length);
  if (!hasTools) {
    if (choice != null && choice !== "none") throw badRequest(`tool_choice needs tools.`, "tool_choice", "invalid_value");
    return null;
  }
  if (choice === "none") return { type: "none" };
  const serial = req.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  if (choice == null || choice === "auto") return choice == null && !serial.disable_parallel_tool_use ? null : { type: "auto", ...serial };
  if (choice === "required") return { type: "any", ...serial };
  const name = choice.function.name;
  if (!req.tools?.some((t) => t.function.name === name)) throw badRequest(`tool_choice names '${name}', which is not in tools.`, "tool_choice.function.name", "invalid_value");
  return { type: "tool", name, ...serial };
}
