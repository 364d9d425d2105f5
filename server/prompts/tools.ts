/**
 * Tools a prompt offers the model. Dotprompt's `tools:` lists tool names; Faro resolves each in
 * the prompt's own `faro.tools:` mapping of definitions (name -> description and parameters, in
 * Picoschema or JSON Schema, as input.schema), checks both with ranges, and turns them into
 * OpenAI's `tools` for a run. Other Dotprompt tools keep `faro.tools` in ext and still see the
 * names.
 *
 *   tools: [get_weather]
 *   faro.tools:
 *     get_weather:
 *       description: The weather now in a city
 *       parameters:
 *         city: string, the city's name
 */
import { isMap, isScalar, isSeq, type Node as YamlNode, type Pair } from "yaml";
import { picoschema } from "dotprompt";
import { badRequest } from "../errors";
import type { ChatCompletionRequest } from "../gateway/schema";
import { nodeSpan, resolved, topPair, type Frontmatter } from "./document";
import { nearest } from "./keys";
import type { Problem, Severity } from "./problems";
import { checkSchema } from "./schemaCheck";

/** OpenAI's rule for function names. */
export const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const DEFINITION_KEYS = ["description", "parameters"];

export type OpenAiTool = NonNullable<ChatCompletionRequest["tools"]>[number];

/** Problems of `tools` and `faro.tools`, pushed to `out`. */
export function checkTools(fm: Frontmatter, out: Problem[]): void {
  const push = (n: YamlNode | null | undefined, severity: Severity, code: string, message: string, extra: Partial<Problem> = {}) => {
    const span = nodeSpan(fm, n);
    if (span) out.push({ ...span, severity, code, message, ...extra });
  };
  // A YAML alias stands for its anchor's value, as Dotprompt reads it (`tools: [*t]`).
  const defs = resolved(fm, topPair(fm, "faro.tools")?.value);
  const defined = new Map<string, Pair<YamlNode, YamlNode | null>>();
  if (isMap(defs)) {
    for (const pair of defs.items as Pair<YamlNode, YamlNode | null>[]) {
      const name = isScalar(pair.key) ? String(pair.key.value) : "";
      defined.set(name, pair);
      checkDefinition(fm, name, pair, push, out);
    }
  }
  // wrong types of `tools` and `faro.tools` themselves are checkFrontmatter's wrong-type errors.
  const listed = resolved(fm, topPair(fm, "tools")?.value);
  const names = new Set<string>();
  if (isSeq(listed)) {
    for (const item of listed.items as YamlNode[]) {
      const value = resolved(fm, item);
      if (!isScalar(value) || typeof value.value !== "string") continue;
      const name = value.value;
      if (names.has(name)) push(item, "warning", "tool-repeated", `The tool '${name}' is listed twice.`);
      names.add(name);
      if (defined.has(name)) continue;
      const suggestions = nearest(name, defined.keys());
      const hint = suggestions[0] ? ` Did you mean '${suggestions[0]}'?` : "";
      push(item, "error", "tool-unknown", `The tool '${name}' has no definition in faro.tools, so Faro cannot send it to the model.${hint} Define it under 'faro.tools:' with a description and parameters.`, { data: { suggestions } });
    }
  }
  for (const [name, pair] of defined) {
    if (!names.has(name)) push(pair.key, "warning", "tool-unused", `The tool '${name}' is defined but not listed in 'tools:', so runs do not send it.`, { unnecessary: true });
  }
}

function checkDefinition(fm: Frontmatter, name: string, pair: Pair<YamlNode, YamlNode | null>, push: (n: YamlNode | null | undefined, s: Severity, code: string, m: string) => void, out: Problem[]): void {
  if (!TOOL_NAME.test(name)) push(pair.key, "error", "tool-name", `'${name}' is not a valid tool name: use 1 to 64 letters, digits, '_' or '-'.`);
  const def = resolved(fm, pair.value);
  if (!isMap(def)) {
    push(pair.value ?? pair.key, "error", "tool-invalid", `The tool '${name}' must be a mapping with 'description' and 'parameters'.`);
    return;
  }
  for (const p of def.items as Pair<YamlNode, YamlNode | null>[]) {
    const key = isScalar(p.key) ? String(p.key.value) : "";
    if (!DEFINITION_KEYS.includes(key)) push(p.key, "warning", "unknown-key", `Unknown key '${key}' in the tool '${name}'. Known: ${DEFINITION_KEYS.join(", ")}.`);
  }
  const written = findValue(def, "description");
  const description = resolved(fm, written);
  if (written !== undefined && !(isScalar(description) && typeof description.value === "string")) push(written, "error", "wrong-type", `The description of the tool '${name}' must be a string.`);
  const params = resolved(fm, findValue(def, "parameters"));
  if (params === undefined || params === null) return;
  const report = checkSchema(fm, params);
  out.push(...report.problems);
  if (report.problems.length > 0) return;
  // OpenAI takes an object schema: a bare type such as `parameters: string` cannot be sent.
  const type = isMap(params) ? findValue(params, "type") : params;
  if (isScalar(params) || (isScalar(type) && type.value !== "object")) {
    push(params, "error", "tool-parameters", `The parameters of the tool '${name}' must describe an object (named fields), not ${isScalar(type) ? `'${String(type.value)}'` : "a single value"}.`);
  }
}

function findValue(map: YamlNode, key: string): YamlNode | null | undefined {
  if (!isMap(map)) return undefined;
  const pair = (map.items as Pair<YamlNode, YamlNode | null>[]).find((p) => isScalar(p.key) && String(p.key.value) === key);
  return pair ? pair.value : undefined;
}

/**
 * OpenAI `tools` for the names the frontmatter data lists, or null when it lists none. Callers
 * refuse a prompt with errors first, so a name without a definition here is a 400 as well.
 */
export async function resolveTools(data: Record<string, unknown>, promptId: string): Promise<OpenAiTool[] | null> {
  const names = Array.isArray(data.tools) ? data.tools.filter((n): n is string => typeof n === "string") : [];
  if (names.length === 0) return null;
  const defs = (data["faro.tools"] ?? {}) as Record<string, { description?: unknown; parameters?: unknown } | null>;
  const tools: OpenAiTool[] = [];
  for (const name of [...new Set(names)]) {
    const def = defs[name];
    if (!def) throw badRequest(`The prompt '${promptId}' lists the tool '${name}', which faro.tools does not define.`, null, "invalid_prompt");
    const parameters = def.parameters == null ? { type: "object", properties: {} } : ((await picoschema(def.parameters)) as Record<string, unknown>);
    tools.push({ type: "function", function: { name, ...(typeof def.description === "string" ? { description: def.description } : {}), parameters } });
  }
  return tools;
}
