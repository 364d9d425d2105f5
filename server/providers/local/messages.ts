/**
 * OpenAI chat messages -> node-llama-cpp chat history. An assistant's tool_calls become
 * function calls in its response, each carrying the result of the `tool` message that answers
 * it. Local models take text only for now; other content is refused naming the exact part.
 */
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse } from "node-llama-cpp";
import { badRequest } from "../../errors";
import type { ChatMessage } from "../../gateway/schema";

type ToolCallParam = { id: string; type: string; function?: { name?: unknown; arguments?: unknown } };

export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const results = toolResults(messages);
  const history: ChatHistoryItem[] = [];
  messages.forEach((m, i) => {
    switch (m.role) {
      case "system":
      case "developer":
        history.push({ type: "system", text: textOf(m.content, i) });
        return;
      case "user":
        history.push({ type: "user", text: textOf(m.content, i) });
        return;
      case "assistant": {
        const response: ChatModelResponse["response"] = [];
        if (m.content != null) response.push(textOf(m.content, i));
        for (const [j, call] of ((m.tool_calls ?? []) as ToolCallParam[]).entries()) response.push(functionCall(call, i, j, results));
        history.push({ type: "model", response });
        return;
      }
      case "tool":
        // Folded into the assistant message whose call it answers (above).
        if (!results.has(m.tool_call_id)) throw badRequest(`No assistant tool call has the id '${m.tool_call_id}'.`, `messages[${i}].tool_call_id`, "invalid_value");
        return;
    }
  });
  return history;
}

function toolResults(messages: readonly ChatMessage[]): Map<string, string> {
  const calls = new Set(messages.flatMap((m) => (m.role === "assistant" ? ((m.tool_calls ?? []) as ToolCallParam[]).map((c) => c.id) : [])));
  const results = new Map<string, string>();
  messages.forEach((m, i) => {
    if (m.role === "tool" && calls.has(m.tool_call_id)) results.set(m.tool_call_id, textOf(m.content, i));
  });
  return results;
}

function functionCall(call: ToolCallParam, i: number, j: number, results: Map<string, string>): ChatModelFunctionCall {
  const param = `messages[${i}].tool_calls[${j}]`;
  const name = call.function?.name;
  if (call.type !== "function" || typeof name !== "string") throw badRequest(`Expected a function tool call with a name.`, param, "invalid_value");
  let params: unknown = {};
  const args = call.function?.arguments;
  if (typeof args === "string" && args.trim() !== "") {
    try {
      params = JSON.parse(args);
    } catch {
      throw badRequest(`The arguments of tool call '${call.id}' are not valid JSON.`, `${param}.function.arguments`, "invalid_value");
    }
  }
  return { type: "functionCall", name, params, result: results.get(call.id) ?? "" };
}

function textOf(content: string | ReadonlyArray<{ type: string; [k: string]: unknown }>, index: number): string {
  if (typeof content === "string") return content;
  return content
    .map((part, j) => {
      const param = `messages[${index}].content[${j}]`;
      if (part.type !== "text") {
        throw badRequest(`Content parts of type '${part.type}' are not supported by local models yet; use 'text'.`, `${param}.type`, "unsupported_content");
      }
      if (typeof part.text !== "string") throw badRequest(`Missing required parameter: '${param}.text'.`, `${param}.text`, "missing_required_parameter");
      return part.text;
    })
    .join("");
}
