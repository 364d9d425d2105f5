/**
 * What a `.prompt` frontmatter may contain: Dotprompt's keys, the model config Faro applies,
 * and Faro's own namespaced keys. One table feeds validation, completion and hover.
 */

export type ValueKind = "string" | "string[]" | "number" | "integer" | "boolean" | "object" | "schema" | "any";

export interface KeySpec {
  kind: ValueKind;
  description: string;
  /** Allowed values (enums). */
  values?: readonly (string | number)[];
  /** `values` are the common ones, not the only ones (completion only). */
  openValues?: boolean;
  min?: number;
  max?: number;
  /** Set by Dotprompt while parsing: a value written in the file is replaced. */
  computed?: boolean;
}

/** A model config key: the OpenAI field Faro sends it as, and who takes that field. */
export interface ConfigKeySpec extends KeySpec {
  openai?: string;
  /**
   * The providers whose APIs take the field, besides Faro's own models; a run on another
   * provider's model leaves it out (which the editor says). Absent: every provider takes it.
   */
  providers?: readonly string[];
}

/** Dotprompt's reserved top-level keys (its RESERVED_METADATA_KEYWORDS). */
export const TOP_LEVEL_KEYS: Record<string, KeySpec> = {
  model: { kind: "string", description: "The model to run the prompt with: a model id from `GET /v1/models`, or `default`." },
  config: { kind: "object", description: "Generation settings for the model (temperature, maxOutputTokens, ...)." },
  input: { kind: "object", description: "The prompt's variables: `schema` declares them (Picoschema or JSON Schema), `default` gives default values." },
  output: { kind: "object", description: "The expected output: `format` (text, json, ...) and its `schema`." },
  name: { kind: "string", description: "The prompt's name (defaults to the file name)." },
  variant: { kind: "string", description: "The variant of the prompt (a file `name.variant.prompt`)." },
  version: { kind: "string", description: "A version label for the prompt." },
  description: { kind: "string", description: "What the prompt does." },
  tools: { kind: "string[]", description: "Names of the tools the model may call; Faro sends each as an OpenAI tool from its definition in `faro.tools`." },
  toolDefs: { kind: "any", description: "Tool definitions resolved by the runtime." },
  raw: { kind: "any", description: "The frontmatter as written.", computed: true },
  ext: { kind: "any", description: "Namespaced keys (`ns.key`), collected by Dotprompt.", computed: true },
};

export const INPUT_KEYS: Record<string, KeySpec> = {
  schema: { kind: "schema", description: "The variables the template uses, in Picoschema (`name: string, description`) or JSON Schema." },
  default: { kind: "object", description: "Default values of the variables, used when a run does not give them." },
};

export const OUTPUT_KEYS: Record<string, KeySpec> = {
  format: { kind: "string", description: "The output format.", values: ["text", "json", "jsonl", "array", "enum", "media"], openValues: true },
  schema: { kind: "schema", description: "The shape of the output, in Picoschema or JSON Schema." },
  constrained: { kind: "boolean", description: "Constrain generation to the schema." },
  instructions: { kind: "any", description: "Format instructions added to the prompt (true, false or text)." },
  contentType: { kind: "string", description: "MIME type of the output." },
};

/** Model config keys (Genkit's names) and how Faro maps them onto OpenAI's request. */
export const CONFIG_KEYS: Record<string, ConfigKeySpec> = {
  temperature: { kind: "number", min: 0, max: 2, openai: "temperature", description: "Sampling temperature, 0 to 2. Higher is more random; 0 is greedy." },
  maxOutputTokens: { kind: "integer", min: 1, openai: "max_tokens", description: "The most tokens to generate; at most the model's context window." },
  topP: { kind: "number", min: 0, max: 1, openai: "top_p", description: "Nucleus sampling: the probability mass to sample from, 0 to 1." },
  stopSequences: { kind: "string[]", max: 4, openai: "stop", description: "Up to 4 strings that end the generation." },
  seed: { kind: "integer", openai: "seed", description: "Random seed, for repeatable sampling." },
  presencePenalty: { kind: "number", min: -2, max: 2, openai: "presence_penalty", description: "Penalty for tokens already present, -2 to 2." },
  frequencyPenalty: { kind: "number", min: -2, max: 2, openai: "frequency_penalty", description: "Penalty by how often a token appeared, -2 to 2." },
  toolChoice: { kind: "string", values: ["auto", "required", "none"], openai: "tool_choice", description: "Whether the model must call one of the prompt's `tools` (`required`), may (`auto`, the default) or must not (`none`)." },
  // Anthropic's top_k, Gemini's topK, and llama.cpp's extra that these OpenAI-compatible servers take
  // (Ollama's OpenAI endpoint does not); OpenAI's own API refuses it.
  topK: {
    kind: "integer",
    min: 1,
    openai: "top_k",
    providers: ["anthropic", "gemini", "together", "fireworks", "openrouter", "lmstudio", "vllm", "llamacpp", "custom"],
    description: "Sample from the K most likely tokens.",
  },
};

/**
 * Whether a run sends the config key to a model of `provider`: a cloud provider's id, null for
 * Faro's local models and for names Faro cannot place (an alias is routed as its config says).
 */
export function sentTo(spec: ConfigKeySpec, provider: string | null): boolean {
  return provider === null || !spec.providers || spec.providers.includes(provider);
}

/** Faro's additions, namespaced so other Dotprompt tools keep them in `ext.faro`. */
export const FARO_KEYS: Record<string, KeySpec> = {
  "faro.fallbacks": { kind: "string[]", description: "Models to try, in order, when `model` is not available." },
  "faro.priority": { kind: "integer", values: [0, 1, 2], description: "Queue priority of the prompt's runs: 0 urgent, 1 normal, 2 background (an x-faro-priority header wins)." },
  "faro.tools": { kind: "object", description: "Definitions of the tools `tools` lists: `name: {description, parameters}`, parameters in Picoschema or JSON Schema (an object). Sent as OpenAI `tools` when the prompt runs." },
  "faro.dataset": { kind: "string", description: "A JSON or JSONL file of input rows (path relative to the prompt), for runs over test inputs." },
};

/** Helpers a template may call, with what they do (completion and hover). */
export const HELPER_DOCS: Record<string, string> = {
  if: "`{{#if value}}…{{else}}…{{/if}}`: renders the block when the value is truthy.",
  unless: "`{{#unless value}}…{{/unless}}`: renders the block when the value is falsy.",
  each: "`{{#each list}}…{{/each}}`: renders the block once per item (`this`, `@index`, `@key`).",
  with: "`{{#with object}}…{{/with}}`: renders the block with the object as context.",
  lookup: "`{{lookup object key}}`: a property chosen at render time.",
  log: "`{{log value}}`: logs while rendering.",
  json: "`{{json value indent=2}}`: the value as JSON.",
  role: "`{{role \"system\"}}`: starts a message with this role (user, model, system, tool).",
  history: "`{{history}}`: inserts the conversation history here.",
  section: "`{{section \"name\"}}`: marks where a named section goes.",
  media: "`{{media url=image contentType=\"image/png\"}}`: inserts an image or other media part.",
  ifEquals: "`{{#ifEquals a b}}…{{/ifEquals}}`: renders the block when a === b.",
  unlessEquals: "`{{#unlessEquals a b}}…{{/unlessEquals}}`: renders the block when a !== b.",
};

/** Roles Dotprompt's role marker understands. */
export const ROLES = ["system", "user", "model", "tool"] as const;

/** For names the user chose (variables, partials): a third of the name's length, at least one edit. */
export const CLOSE_NAME = (length: number) => Math.max(1, Math.floor(length / 3));

/**
 * The closest candidates by edit distance (for "did you mean" and quick fixes). `within`: the
 * most edits for a candidate of that length; by default up to half of it, for short names the
 * user's own (variables, partials) a third, where 'xs' for 'to' would be a guess.
 */
export function nearest(word: string, candidates: Iterable<string>, limit = 3, within = (length: number) => Math.max(2, Math.floor(length / 2))): string[] {
  const w = word.toLowerCase();
  return [...candidates]
    .map((c) => ({ c, d: editDistance(w, c.toLowerCase()) }))
    .filter(({ c, d }) => d <= within(c.length))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, limit)
    .map(({ c }) => c);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
