/**
 * OpenAI chat requests -> Gemini generateContent bodies: `contents` with roles user/model,
 * `systemInstruction`, `generationConfig`, function declarations and `toolConfig`. Schemas go
 * out as JSON Schema (`parametersJsonSchema`, `responseJsonSchema`), so OpenAI's schemas need
 * no rewriting. A tool call id may carry Gemini's thought signature (see toolCallId), which is
 * handed back on the functionCall part, as Gemini's thinking models require.
 */
import { badRequest } from "../../errors";
import type { ChatCompletionRequest } from "../../gateway/schema";
import { parseDataUrl, partsOf, stopList, textOf, toolCallsOf, toolNamesById } from "../messageParts";

const WHO = "Gemini";
/** Separates a tool call id from the thought signature it carries. */
export const SIGNATURE_MARK = "~ts~";

export type GeminiPart =
  | { text: string }
  | { inlineData: { mimeType: string; data: string } }
  | { functionCall: { name: string; args: Record<string, unknown> }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: { content: string } } };

export interface GeminiContent {
  role: "user" | "model";
  parts: GeminiPart[];
}

export interface GenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  candidateCount?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
  responseMimeType?: "application/json";
  responseJsonSchema?: Record<string, unknown>;
}

export interface GenerateContentBody {
  contents: GeminiContent[];
  systemInstruction?: { parts: Array<{ text: string }> };
  generationConfig?: GenerationConfig;
  tools?: Array<{ functionDeclarations: Array<{ name: string; description?: string; parametersJsonSchema?: Record<string, unknown> }> }>;
  toolConfig?: { functionCallingConfig: { mode: "AUTO" | "NONE" | "ANY"; allowedFunctionNames?: string[] } };
}

/** The id a tool call gets: Gemini's own when it sent one, else ours; plus its thought signature. */
export const toolCallId = (id: string, signature: string | undefined) => (signature ? `${id}${SIGNATURE_MARK}${signature}` : id);

export function toGenerateContentBody(req: ChatCompletionRequest): GenerateContentBody {
  if (req.logprobs) throw badRequest("logprobs is not supported by Gemini through Faro.", "logprobs", "unsupported_parameter");
  // min_p 0 is llama.cpp's "off"; Gemini's generationConfig has no min-p sampling.
  if (req.min_p) throw badRequest("min_p is not supported by Gemini.", "min_p", "unsupported_parameter");
  // Gemini's generationConfig takes no token biases; dropping them would change the answer unseen.
  if (req.logit_bias && Object.keys(req.logit_bias).length > 0) throw badRequest("logit_bias is not supported by Gemini.", "logit_bias", "unsupported_parameter");
  const names = toolNamesById(req.messages);
  const system: Array<{ text: string }> = [];
  const contents: GeminiContent[] = [];
  req.messages.forEach((m, i) => {
    const param = `messages[${i}].content`;
    if (m.role === "system" || m.role === "developer") system.push({ text: textOf(m.content, param, WHO) });
    else if (m.role === "user") push(contents, "user", userParts(m.content, param));
    else if (m.role === "tool") {
      const name = names.get(m.tool_call_id);
      if (!name) throw badRequest(`No assistant tool call has the id '${m.tool_call_id}'.`, `messages[${i}].tool_call_id`, "invalid_value");
      push(contents, "user", [{ functionResponse: { name, response: { content: textOf(m.content, param, WHO) } } }]);
    } else {
      const text = m.content == null ? "" : textOf(m.content, param, WHO);
      const calls = toolCallsOf(m, `messages[${i}]`).map((c): GeminiPart => {
        const signature = c.id.includes(SIGNATURE_MARK) ? c.id.slice(c.id.indexOf(SIGNATURE_MARK) + SIGNATURE_MARK.length) : undefined;
        return { functionCall: { name: c.name, args: c.input }, ...(signature ? { thoughtSignature: signature } : {}) };
      });
      push(contents, "model", [...(text ? [{ text }] : []), ...calls]);
    }
  });
  const body: GenerateContentBody = { contents };
  if (system.length) body.systemInstruction = { parts: system };
  const config = generationConfig(req);
  if (Object.keys(config).length) body.generationConfig = config;
  if (req.tools?.length) {
    const declarations = req.tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      ...(t.function.parameters ? { parametersJsonSchema: t.function.parameters } : {}),
    }));
    body.tools = [{ functionDeclarations: declarations }];
  }
  const toolConfig = functionCalling(req);
  if (toolConfig) body.toolConfig = { functionCallingConfig: toolConfig };
  return body;
}

function generationConfig(req: ChatCompletionRequest): GenerationConfig {
  const c: GenerationConfig = {};
  const stop = stopList(req.stop);
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (req.temperature != null) c.temperature = req.temperature;
  if (req.top_p != null) c.topP = req.top_p;
  // top_k 0 is llama.cpp's "no top-k"; Gemini's starts at 1.
  if (req.top_k) c.topK = req.top_k;
  if (max != null) c.maxOutputTokens = max;
  if (stop.length) c.stopSequences = stop;
  if ((req.n ?? 1) > 1) c.candidateCount = req.n!;
  if (req.presence_penalty) c.presencePenalty = req.presence_penalty;
  if (req.frequency_penalty) c.frequencyPenalty = req.frequency_penalty;
  if (req.seed != null) c.seed = req.seed;
  const f = req.response_format;
  if (f?.type === "json_object" || f?.type === "json_schema") c.responseMimeType = "application/json";
  if (f?.type === "json_schema") {
    if (!f.json_schema.schema) throw badRequest("Missing required parameter: 'response_format.json_schema.schema'.", "response_format.json_schema.schema", "missing_required_parameter");
    c.responseJsonSchema = f.json_schema.schema;
  }
  return c;
}

function userParts(content: Parameters<typeof partsOf>[0], param: string): GeminiPart[] {
  return partsOf(content, param, WHO).map((p, j): GeminiPart => {
    if (p.type === "text") return { text: p.text };
    const data = parseDataUrl(p.url);
    if (!data) throw badRequest("Gemini takes images inline: give a data: URL (base64).", `${param}[${j}].image_url.url`, "invalid_value");
    return { inlineData: { mimeType: data.mediaType, data: data.data } };
  });
}

/** Appends a turn, merging it into the previous one when the role repeats (parallel tool results). */
function push(contents: GeminiContent[], role: GeminiContent["role"], parts: GeminiPart[]): void {
  const prev = contents.at(-1);
  if (prev?.role === role) prev.parts.push(...parts);
  else contents.push({ role, parts });
}

function functionCalling(req: ChatCompletionRequest): NonNullable<GenerateContentBody["toolConfig"]>["functionCallingConfig"] | null {
  const choice = req.tool_choice;
  if (!req.tools?.length) {
    if (choice != null && choice !== "none") throw badRequest("tool_choice needs tools.", "tool_choice", "invalid_value");
    return null;
  }
  if (choice == null) return null;
  if (choice === "auto") return { mode: "AUTO" };
  if (choice === "none") return { mode: "NONE" };
  if (choice === "required") return { mode: "ANY" };
  const name = choice.function.name;
  if (!req.tools.some((t) => t.function.name === name)) throw badRequest(`tool_choice names '${name}', which is not in tools.`, "tool_choice.function.name", "invalid_value");
  return { mode: "ANY", allowedFunctionNames: [name] };
}
