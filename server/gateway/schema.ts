/**
 * Validation of OpenAI chat completion requests at the edge. Unknown fields pass through (SDKs
 * add new ones often); known ones must have the right type and range, and the first problem
 * becomes a 400 naming the offending `param`.
 */
import { z } from "zod";
import { FaroError, badRequest } from "../errors";

const contentPart = z.looseObject({ type: z.string() });
const content = z.union([z.string(), z.array(contentPart)]);

const message = z.discriminatedUnion("role", [
  z.looseObject({ role: z.literal("system"), content, name: z.string().optional() }),
  z.looseObject({ role: z.literal("developer"), content, name: z.string().optional() }),
  z.looseObject({ role: z.literal("user"), content, name: z.string().optional() }),
  z.looseObject({
    role: z.literal("assistant"),
    content: content.nullish(),
    name: z.string().optional(),
    tool_calls: z.array(z.looseObject({ id: z.string(), type: z.string() })).optional(),
  }),
  z.looseObject({ role: z.literal("tool"), content, tool_call_id: z.string() }),
]);

const tool = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "a function name is 1-64 letters, digits, _ or -"),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

const nullableNumber = (min: number, max: number) => z.number().min(min).max(max).nullish();
const positiveInt = z.number().int().min(1).nullish();

/** Fields every generation request shares (chat and legacy completions). */
export const samplingFields = {
  model: z.string().min(1),
  temperature: nullableNumber(0, 2),
  top_p: nullableNumber(0, 1),
  max_tokens: positiveInt,
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  seed: z.number().int().nullish(),
  presence_penalty: nullableNumber(-2, 2),
  frequency_penalty: nullableNumber(-2, 2),
  // llama.cpp-style extras (its server, Ollama and many clients send them): local models apply
  // them; Anthropic and Gemini take top_k and refuse min_p (no equivalent); others get them as sent.
  top_k: z.number().int().min(0).nullish(),
  min_p: nullableNumber(0, 1),
  logit_bias: z.record(z.string().regex(/^\d+$/, "keys are token ids"), z.number().min(-100).max(100)).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  priority: z.literal([0, 1, 2]).nullish(),
  keep_alive: z.union([z.number(), z.string()]).nullish(),
  user: z.string().optional(),
};

export const chatCompletionRequestSchema = z.looseObject({
  ...samplingFields,
  messages: z.array(message).min(1),
  max_completion_tokens: positiveInt,
  // OpenAI's limits: 16 pairs, keys up to 64 characters, string values up to 512.
  metadata: z
    .record(z.string().max(64), z.string().max(512))
    .refine((m) => Object.keys(m).length <= 16, "at most 16 key-value pairs")
    .nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  response_format: z
    .discriminatedUnion("type", [
      z.looseObject({ type: z.literal("text") }),
      z.looseObject({ type: z.literal("json_object") }),
      z.looseObject({
        type: z.literal("json_schema"),
        json_schema: z.looseObject({ name: z.string(), schema: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().nullish() }),
      }),
    ])
    .nullish(),
  tools: z.array(tool).nullish(),
  tool_choice: z
    .union([z.enum(["none", "auto", "required"]), z.looseObject({ type: z.literal("function"), function: z.looseObject({ name: z.string() }) })])
    .nullish(),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

const tokenIds = z.array(z.number().int().min(0)).min(1);

export const completionRequestSchema = z.looseObject({
  ...samplingFields,
  // Text, or token ids (one list or a list of lists), as OpenAI takes them.
  prompt: z.union([z.string(), z.array(z.string()).min(1), tokenIds, z.array(tokenIds).min(1)]),
  echo: z.boolean().nullish(),
  logprobs: z.number().int().min(0).max(5).nullish(),
  suffix: z.string().nullish(),
  best_of: z.number().int().min(1).nullish(),
});
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

export const embeddingRequestSchema = z.looseObject({
  model: z.string().min(1),
  // An empty text has no tokens, so no vector (llama.cpp gives an empty one); OpenAI refuses it too.
  input: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(2048)]),
  encoding_format: z.enum(["float", "base64"]).nullish(),
  dimensions: z.number().int().min(1).nullish(),
  priority: z.literal([0, 1, 2]).nullish(),
  keep_alive: z.union([z.number(), z.string()]).nullish(),
  user: z.string().optional(),
});
export type EmbeddingRequest = z.infer<typeof embeddingRequestSchema>;

/**
 * The body as clients send it: text, or token ids (one list or a list of lists), which
 * LangChain's OpenAIEmbeddings sends by default. gateway/tokenInput.ts turns ids into text.
 */
export const embeddingBodySchema = embeddingRequestSchema.extend({
  input: z.union([embeddingRequestSchema.shape.input, tokenIds, z.array(tokenIds).min(1).max(2048)]),
});
export type EmbeddingBody = z.infer<typeof embeddingBodySchema>;
export type ChatMessage = ChatCompletionRequest["messages"][number];

/** `messages[0].role` style path, as OpenAI reports `param`. */
export function formatParam(path: readonly PropertyKey[]): string {
  return path
    .map((seg, i) => (typeof seg === "number" ? `[${seg}]` : i === 0 ? String(seg) : `.${String(seg)}`))
    .join("");
}

export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const param = formatParam(issue.path);
  if (valueAt(input, issue.path) === undefined) return `Missing required parameter: '${param}'.`;
  if (issue.code === "invalid_union" && issue.path.at(-1) === "role") {
    return `Invalid value for '${param}': expected one of 'system', 'developer', 'user', 'assistant', 'tool'.`;
  }
  if (issue.code === "invalid_union") {
    // Report the branch that got furthest: `stop: ["a", 5]` is wrong at 'stop[1]', not for not
    // being a string; at the same depth a range error beats "expected string".
    const inner = issue.errors.flat().reduce<z.core.$ZodIssue | undefined>((best, i) => (best === undefined || further(i, best) ? i : best), undefined);
    if (inner) return describeIssue({ ...inner, path: [...issue.path, ...inner.path] }, input);
  }
  return `Invalid value for '${param}': ${issue.message.replace(/^Invalid input: /, "")}.`;
}

const further = (a: z.core.$ZodIssue, b: z.core.$ZodIssue): boolean =>
  a.path.length > b.path.length || (a.path.length === b.path.length && a.code !== "invalid_type" && b.code === "invalid_type");

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/** Parses with `schema` or throws a 400 FaroError naming the first offending param. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw badRequest("The request body must be a JSON object.", null, "invalid_body");
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw badRequest("Invalid request body.");
  throw new FaroError(describeIssue(issue, body), {
    status: 400,
    type: "invalid_request_error",
    param: formatParam(issue.path) || null,
    code: valueAt(body, issue.path) === undefined ? "missing_required_parameter" : "invalid_value",
  });
}
