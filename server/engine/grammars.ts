/**
 * Grammars that constrain local output: any JSON (`json_object`), JSON matching a schema
 * (`json_schema`), and forced tool calls (tool_choice `required` or a named function), which are
 * JSON of the tool's arguments. Built once per schema and loaded model.
 */
import type { Llama, LlamaGrammar } from "node-llama-cpp";
import { badRequest, messageOf } from "../errors";
import type { OutputFormat, ToolSpec } from "./types";

const MAX_CACHED = 32;

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
