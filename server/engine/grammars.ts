/**
 * Grammars that constrain local output: any JSON (`json_object`), JSON matching a schema
 * (`json_schema`), and forced tool calls (tool_choice `required` or a named function), which are
 * JSON of the tool's arguments. Built once per schema and loaded model.
 */
import type { Llama, LlamaGrammar } from "node-llama-cpp";
import { badRequest, messageOf } from "../errors";
import type { OutputFormat, ToolSpec } from "./types";

const MAX_CACHED = 32;

const JSON_TYPES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);

/** The first `type` that names no JSON Schema type, with where it is (a JSON pointer), or null. */
function unknownType(node: unknown, at: string): { type: string; at: string } | null {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const bad = unknownType(node[i], `${at}/${i}`);
      if (bad) return bad;
    }
    return null;
  }
  if (!node || typeof node !== "object") return null;
  const record = node as Record<string, unknown>;
  const type = record.type;
  for (const t of Array.isArray(type) ? type : type === undefined ? [] : [type]) {
    if (typeof t !== "string" || !JSON_TYPES.has(t)) return { type: String(t), at };
  }
  for (const [key, value] of Object.entries(record)) {
    // Under these keys are names or values, not schemas: a property may be called "type".
    if (key === "properties" || key === "$defs" || key === "definitions" || key === "patternProperties") {
      if (value && typeof value === "object") {
        for (const [name, sub] of Object.entries(value)) {
          const bad = unknownType(sub, `${at}/${key}/${name}`);
          if (bad) return bad;
        }
      }
    } else if (key !== "enum" && key !== "const" && key !== "default" && key !== "examples" && key !== "type") {
      const bad = unknownType(value, `${at}/${key}`);
      if (bad) return bad;
    }
  }
  return null;
}

export class GrammarCache {
  private readonly cache = new Map<string, Promise<LlamaGrammar>>();

  constructor(private readonly llama: Llama) {}

  forFormat(format: OutputFormat): Promise<LlamaGrammar> | null {
    if (format.type === "text") return null;
    if (format.type === "json_object") return this.get("json", () => this.llama.getGrammarFor("json"));
    return this.schema(format.schema, "response_format.json_schema.schema");
  }

  /**
   * A forced call of one tool: the output is its arguments. Of several (`required`): an object
   * naming the tool and holding its arguments.
   */
  forTools(tools: readonly ToolSpec[]): Promise<LlamaGrammar> {
    const args = (t: ToolSpec) => t.parameters ?? { type: "object", properties: {} };
    if (tools.length === 1) return this.schema(args(tools[0]!), "tools[0].function.parameters");
    const oneOf = tools.map((t) => ({
      type: "object",
      properties: { name: { const: t.name }, arguments: args(t) },
      required: ["name", "arguments"],
    }));
    return this.schema({ oneOf }, "tools");
  }

  private schema(schema: Record<string, unknown>, param: string): Promise<LlamaGrammar> {
    const bad = unknownType(schema, "");
    // node-llama-cpp makes a grammar for any type name, one that allows only null for an unknown one.
    if (bad) return Promise.reject(badRequest(`The JSON schema has type '${bad.type}'${bad.at ? ` at ${bad.at}` : ""}: JSON Schema's types are ${[...JSON_TYPES].join(", ")}.`, param, "invalid_schema"));
    return this.get(JSON.stringify(schema), async () => {
      try {
        return await this.llama.createGrammarForJsonSchema(schema as never);
      } catch (err) {
        throw badRequest(`The JSON schema cannot be used by local models: ${messageOf(err)}`, param, "unsupported_schema");
      }
    });
  }

  private get(key: string, make: () => Promise<LlamaGrammar>): Promise<LlamaGrammar> {
    let g = this.cache.get(key);
    if (!g) {
      g = make();
      // A schema that failed is not cached: the error goes to this request only.
      g.catch(() => this.cache.delete(key));
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, g);
    }
    return g;
  }
}
