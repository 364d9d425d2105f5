/**
 * OpenAI chat messages -> node-llama-cpp chat history. Local models take text only for now;
 * anything else is refused with a 400 naming the exact message and part.
 */
import type { ChatHistoryItem } from "node-llama-cpp";
import { badRequest } from "../../errors";
import type { ChatMessage } from "../../gateway/schema";

export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  return messages.map((m, i): ChatHistoryItem => {
    switch (m.role) {
      case "system":
      case "developer":
        return { type: "system", text: textOf(m.content, i) };
      case "user":
        return { type: "user", text: textOf(m.content, i) };
      case "assistant":
        if (m.tool_calls?.length) {
          throw badRequest("Tool calls in the history are not supported by local models yet.", `messages[${i}].tool_calls`, "unsupported_parameter");
        }
        return { type: "model", response: [m.content == null ? "" : textOf(m.content, i)] };
      case "tool":
        throw badRequest("Tool messages are not supported by local models yet.", `messages[${i}].role`, "unsupported_parameter");
    }
  });
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
