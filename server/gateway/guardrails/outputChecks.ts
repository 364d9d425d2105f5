/**
 * Output guardrails on a finished answer: JSON-Schema validation (the request's response_format
 * schema, or one from the config), regexes that must / must not match, and a deny list of
 * words. Each check yields a verdict whose detail says why it failed without quoting the answer.
 */
import { z } from "zod";
import type { ChatEvent } from "../../providers/types";
import type { GuardrailVerdict } from "../requestRecord";
import type { OutputConfig } from "./policy";

/** The text of each choice that answered in text (tool-call-only choices have nothing to check). */
export function answerTexts(events: readonly ChatEvent[]): string[] {
  const texts = new Map<number, string>();
  const tools = new Set<number>();
  for (const e of events) {
    if (e.type === "text") texts.set(e.index, (texts.get(e.index) ?? "") + e.text);
    // A refusal is not an answer to check, like a choice that only called tools.
    else if (e.type === "tool_calls" || e.type === "tool_call_delta" || e.type === "refusal") tools.add(e.index);
    else if (e.type === "choice_end" && !texts.has(e.index) && !tools.has(e.index)) texts.set(e.index, "");
  }
  return [...texts.entries()].filter(([i, t]) => t.length > 0 || !tools.has(i)).map(([, t]) => t);
}

const compiled = new WeakMap<object, z.ZodType>();

function schemaOf(json: Record<string, unknown>): z.ZodType {
  let schema = compiled.get(json);
  if (!schema) {
    schema = z.fromJSONSchema(json as Parameters<typeof z.fromJSONSchema>[0]);
    compiled.set(json, schema);
  }
  return schema;
}

/**
 * Runs the configured checks on `texts`; `requestSchema` is the request's response_format
 * json_schema, used when the config says `json_schema: true`.
 */
export function checkOutput(texts: readonly string[], config: OutputConfig, requestSchema: Record<string, unknown> | null): GuardrailVerdict[] {
  const verdicts: GuardrailVerdict[] = [];
  const verdict = (check: string, reason: string | null, extra: Record<string, unknown> = {}) =>
    verdicts.push({ check, stage: "output", verdict: reason === null ? "pass" : "failed", ...(reason === null && Object.keys(extra).length === 0 ? {} : { detail: { ...(reason ? { reason } : {}), ...extra } }) });

  const json = config.json_schema === true ? requestSchema : config.json_schema || null;
  if (config.json_schema === true && !requestSchema) verdict("json_schema", "json_schema is on but the request has no response_format json_schema and the config no schema");
  else if (json) verdict("json_schema", firstSchemaProblem(texts, json));

  if (config.must_match?.length) {
    const missing = config.must_match.map((p, i) => [i, new RegExp(p, "u")] as const).filter(([, re]) => texts.some((t) => !re.test(t)));
    verdict("regex", missing.length ? "a must_match pattern did not match" : null, missing.length ? { must_match: missing.map(([i]) => i) } : {});
  }
  if (config.must_not_match?.length) {
    const hit = config.must_not_match.map((p, i) => [i, new RegExp(p, "u")] as const).filter(([, re]) => texts.some((t) => re.test(t)));
    verdict("regex", hit.length ? "a must_not_match pattern matched" : null, hit.length ? { must_not_match: hit.map(([i]) => i) } : {});
  }
  if (config.deny_words?.length) {
    const re = wordsPattern(config.deny_words);
    const count = texts.reduce((n, t) => n + (t.match(re)?.length ?? 0), 0);
    verdict("words", count ? "the answer contains denied words" : null, count ? { matches: count } : {});
  }
  return verdicts;
}

function firstSchemaProblem(texts: readonly string[], json: Record<string, unknown>): string | null {
  let schema: z.ZodType;
  try {
    schema = schemaOf(json);
  } catch (err) {
    return `the JSON Schema cannot be used (${(err as Error).message})`;
  }
  for (const text of texts) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return "the answer is not valid JSON";
    }
    const result = schema.safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      // Zod's messages name expected types and allowed values from the schema, never the answer's values.
      return `${issue.path.length ? `at ${issue.path.join(".")}: ` : ""}${issue.code}`;
    }
  }
  return null;
}

const wordPatterns = new WeakMap<readonly string[], RegExp>();

function wordsPattern(words: readonly string[]): RegExp {
  let re = wordPatterns.get(words);
  if (!re) {
    const alternatives = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
    re = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives})(?![\\p{L}\\p{N}_])`, "giu");
    wordPatterns.set(words, re);
  }
  return re;
}
