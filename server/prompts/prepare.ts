/**
 * Turns a `.prompt` plus inputs into an OpenAI chat request: refuses a prompt with syntax
 * errors or missing required variables (clear 400s), renders it with the dotprompt library
 * (frontmatter defaults under the given inputs), maps Dotprompt messages and config onto
 * OpenAI's fields, and picks the model (override, `model`, then `faro.fallbacks`).
 */
import { picoschema } from "dotprompt";
import { isMap } from "yaml";
import { z } from "zod";
import { badRequest, FaroError } from "../errors";
import { chatCompletionRequestSchema, describeIssue, parseBody, type ChatCompletionRequest, type ChatMessage } from "../gateway/schema";
import type { ModelInfo } from "../protocol";
import { findPair, parsePromptDocument, topPair } from "./document";
import { cloudProvider, localId } from "./checkFrontmatter";
import { CONFIG_KEYS, sentTo } from "./keys";
import { renderPrompt, type PartialResolver, type RenderedPrompt } from "./render";
import { checkSchema } from "./schemaCheck";
import { checkTools, resolveTools } from "./tools";
import type { Problem } from "./problems";

export interface PrepareInput {
  source: string;
  promptId: string;
  /** Values for the template; override input.default. */
  variables?: Record<string, unknown>;
  /** Model to use instead of the prompt's. */
  model?: string | null;
  partials: PartialResolver;
  /** What faro.fallbacks chooses from (Gateway.modelChoices): the local models, what `default` stands for... */
  models: readonly ModelInfo[];
  defaultModel: string | null;
  /** ...the user's aliases, and whether a cloud provider can be asked (without it, cloud ids are unusable). */
  aliases?: readonly string[];
  canAsk?: (provider: string) => boolean;
}

export interface PreparedRun {
  request: ChatCompletionRequest;
  rendered: RenderedPrompt;
  /** faro.priority, for the queue. */
  priority: 0 | 1 | 2 | null;
}

const ROLE_MAP = { user: "user", model: "assistant", system: "system" } as const;

export async function preparePromptRun(input: PrepareInput): Promise<PreparedRun> {
  const doc = parsePromptDocument(input.source);
  const first = doc.problems.find((p) => p.severity === "error");
  if (first) {
    const pos = doc.lines.positionAt(first.start);
    throw badRequest(`The prompt '${input.promptId}' has an error at line ${pos.line + 1}, column ${pos.character + 1}: ${first.message}`, null, "invalid_prompt");
  }
  const fm = doc.frontmatter;
  const data = (fm?.data ?? {}) as Record<string, unknown>;
  if (fm && fm.data !== undefined && (typeof fm.data !== "object" || fm.data === null || Array.isArray(fm.data))) {
    throw badRequest(`The prompt '${input.promptId}' has a frontmatter that is not a mapping of keys.`, null, "invalid_prompt");
  }
  const inputNode = fm ? topPair(fm, "input")?.value : null;
  const defaultsNode = findPair(inputNode, "default")?.value;
  const defaults = isMap(defaultsNode) ? (defaultsNode.toJSON() as Record<string, unknown>) : {};
  const variables = { ...defaults, ...(input.variables ?? {}) };
  if (fm) {
    const schema = checkSchema(fm, findPair(inputNode, "schema")?.value);
    const bad = schema.problems[0];
    if (bad) throw badRequest(`The prompt '${input.promptId}' has an invalid input.schema: ${bad.message}`, null, "invalid_prompt");
    const toolProblems: Problem[] = [];
    checkTools(fm, toolProblems);
    const badTool = toolProblems.find((p) => p.severity === "error");
    if (badTool) {
      const pos = doc.lines.positionAt(badTool.start);
      throw badRequest(`The prompt '${input.promptId}' has an invalid tool at line ${pos.line + 1}, column ${pos.character + 1}: ${badTool.message}`, null, "invalid_prompt");
    }
    for (const v of schema.variables ?? []) {
      if (!v.optional && variables[v.name] === undefined) {
        throw badRequest(`Missing variable '${v.name}' (${v.type}${v.description ? `: ${v.description}` : ""}), declared in the input.schema of '${input.promptId}'.`, `variables.${v.name}`, "missing_variable");
      }
    }
    const declared = (data.input as { schema?: unknown } | undefined)?.schema;
    if (declared != null) checkVariables(await picoschema(declared), variables, input.promptId);
  }

  const rendered = await renderPrompt({ source: input.source, data: { input: variables }, partialResolver: input.partials });
  const messages = rendered.messages.map((m, i) => toOpenAiMessage(m, i, input.promptId));
  if (messages.length === 0) throw badRequest(`The prompt '${input.promptId}' renders to no messages: its template is empty.`, null, "invalid_prompt");

  const request: ChatCompletionRequest = { model: pickModel(input, data), messages };
  applyConfig(request, (data.config ?? {}) as Record<string, unknown>, cloudProvider(request.model === "default" ? input.defaultModel : request.model));
  const output = data.output as { format?: unknown; schema?: unknown } | undefined;
  if (output?.format === "json") {
    const schema = rendered.output?.schema as Record<string, unknown> | undefined;
    request.response_format = schema ? { type: "json_schema", json_schema: { name: safeName(input.promptId), schema } } : { type: "json_object" };
  }
  const tools = await resolveTools(data, input.promptId);
  if (tools) request.tools = tools;
  const p = data["faro.priority"];
  return { request: validated(request, input.promptId), rendered, priority: p === 0 || p === 1 || p === 2 ? p : null };
}

/**
 * Variables of the wrong type, or outside an enum, are a 400 naming the variable. The schema is
 * input.schema as dotprompt turns it into JSON Schema (picoschema, as tools.ts does); variables it does not
 * declare are let through (the template may not use them), and missing ones were reported above.
 */
function checkVariables(schema: unknown, variables: Record<string, unknown>, promptId: string): void {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return;
  const { additionalProperties: _open, required: _missing, ...declared } = schema as Record<string, unknown>;
  let check: z.ZodType;
  try {
    check = z.fromJSONSchema(declared as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (err) {
    throw badRequest(`The input.schema of '${promptId}' cannot be used to check variables: ${(err as Error).message}`, null, "invalid_prompt");
  }
  const result = check.safeParse(variables);
  if (result.success) return;
  const issue = result.error.issues[0]!;
  const name = issue.path.map(String).join(".");
  throw badRequest(`The variables do not fit the input.schema of '${promptId}': ${describeIssue(issue, variables)}`, `variables.${name}`, "invalid_variable");
}

/** The gateway's own request validation, so a bad config value is a 400 naming the field. */
function validated(request: ChatCompletionRequest, promptId: string): ChatCompletionRequest {
  try {
    return parseBody(chatCompletionRequestSchema, request);
  } catch (err) {
    if (err instanceof FaroError) throw new FaroError(`The prompt '${promptId}' makes an invalid request: ${err.message}`, { status: err.status, type: err.type, code: err.code, param: err.param });
    throw err;
  }
}

function toOpenAiMessage(m: RenderedPrompt["messages"][number], i: number, promptId: string): ChatMessage {
  const role = ROLE_MAP[m.role as keyof typeof ROLE_MAP];
  if (!role) throw badRequest(`Message ${i + 1} of '${promptId}' has role '${m.role}', which a chat request cannot carry without a tool call.`, null, "unsupported_prompt");
  let text = "";
  for (const part of m.content) {
    if ("text" in part && typeof part.text === "string") text += part.text;
    else if ("media" in part && part.media) throw badRequest(`Message ${i + 1} of '${promptId}' has a media part (${part.media.url.slice(0, 60)}); Faro's local models take text only.`, null, "unsupported_prompt");
    // Pending section markers carry no text: nothing to send.
  }
  return { role, content: text } as ChatMessage;
}

function pickModel(input: PrepareInput, data: Record<string, unknown>): string {
  if (input.model) return input.model;
  const wanted = typeof data.model === "string" ? data.model : "default";
  const fallbacks = Array.isArray(data["faro.fallbacks"]) ? (data["faro.fallbacks"] as unknown[]).filter((x): x is string => typeof x === "string") : [];
  if (fallbacks.length === 0) return wanted;
  const available = new Set(input.models.map((m) => m.id));
  const aliases = new Set(input.aliases ?? []);
  const usable = (id: string) => {
    if (id === "default") return input.defaultModel !== null;
    const provider = cloudProvider(id);
    if (provider) return input.canAsk?.(provider) ?? false;
    return available.has(localId(id)) || aliases.has(id);
  };
  const chosen = [wanted, ...fallbacks].find(usable);
  if (!chosen) {
    throw new FaroError(`None of the prompt's models is available: ${[wanted, ...fallbacks].join(", ")}. GET /v1/models lists the models Faro serves.`, { status: 404, type: "invalid_request_error", code: "model_not_found", param: "model" });
  }
  return chosen;
}

/** Config onto OpenAI's fields; a field the model's provider does not take is left out (the editor says so). */
function applyConfig(request: ChatCompletionRequest, config: Record<string, unknown>, provider: string | null): void {
  for (const [key, value] of Object.entries(config)) {
    const spec = CONFIG_KEYS[key];
    if (spec?.openai && sentTo(spec, provider) && value !== null && value !== undefined) (request as Record<string, unknown>)[spec.openai] = value;
  }
}

/** OpenAI's json_schema name: letters, digits, '_' and '-', at most 64. */
function safeName(promptId: string): string {
  return promptId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64) || "output";
}
