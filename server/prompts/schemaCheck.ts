/**
 * Checks an `input.schema` / `output.schema` node the way the dotprompt library's Picoschema
 * parser reads it (same rules, same failures), with the YAML node of each problem, and
 * collects the variables an input schema declares.
 */
import { isMap, isScalar, isSeq, type Node as YamlNode, type Pair } from "yaml";
import { nodeSpan, resolved, type Frontmatter } from "./document";
import type { Problem } from "./problems";
import type { Span } from "./lineIndex";

const SCALAR_TYPES = ["any", "boolean", "integer", "null", "number", "string"];
const JSON_TYPES = [...SCALAR_TYPES.filter((t) => t !== "any"), "object", "array"];

export interface DeclaredVariable {
  name: string;
  optional: boolean;
  /** `string`, `object`, `array of string`, `enum`... */
  type: string;
  description: string | null;
  /** The values an enum allows (`name(enum): [a, b]`, or JSON Schema's `enum`). */
  enumValues?: unknown[];
  /** An object's own fields (`{{who.name}}`), when the schema declares them. */
  fields?: DeclaredVariable[];
  /** The key that declares it. */
  span: Span;
}

export interface SchemaReport {
  problems: Problem[];
  /** Top-level properties (null when the schema is not an object, e.g. `schema: string`). */
  variables: DeclaredVariable[] | null;
}

/** Dotprompt's extractDescription: the text after the first comma describes the field. */
export function splitDescription(text: string): [string, string | null] {
  const m = /^(.*?), *(.*)$/s.exec(text);
  return m ? [m[1]!, m[2]!] : [text, null];
}

/** A Picoschema field key as Dotprompt reads it: `name?(type, description)`. */
export interface PicoKey {
  name: string;
  optional: boolean;
  /** The parenthetical type (`object`, `array`, `enum`), null when the value gives the type. */
  type: string | null;
  description: string | null;
}

export function parsePicoKey(key: string): PicoKey {
  const open = key.indexOf("(");
  const head = open >= 0 ? key.slice(0, open) : key;
  const optional = head.endsWith("?");
  const name = optional ? head.slice(0, -1) : head;
  if (open < 0) return { name, optional, type: null, description: null };
  const [type, description] = splitDescription(key.slice(open + 1, key.endsWith(")") ? -1 : undefined));
  return { name, optional, type, description };
}

/** Whether a schema mapping is JSON Schema (a scalar `type` it knows, or `properties`) rather than Picoschema, as the library decides. */
export function isJsonSchema(fm: Frontmatter, node: YamlNode | null): boolean {
  const type = mapValue(fm, node, "type");
  const typeName = isScalar(type) ? type.value : undefined;
  return (typeof typeName === "string" && [...SCALAR_TYPES, "object", "array"].includes(typeName)) || isMap(mapValue(fm, node, "properties"));
}

export function checkSchema(fm: Frontmatter, written: YamlNode | null | undefined): SchemaReport {
  const problems: Problem[] = [];
  // Aliases (`*name`) are read as the node they stand for, here and below, as Dotprompt reads them.
  const node = resolved(fm, written);
  const error = (n: YamlNode | null | undefined, code: string, message: string) => {
    const span = nodeSpan(fm, n);
    if (span) problems.push({ ...span, severity: "error", code, message });
  };
  if (!node || (isScalar(node) && (node.value === null || node.value === ""))) return { problems, variables: null };

  if (isScalar(node)) {
    if (typeof node.value !== "string") error(node, "schema-invalid", "A schema is a type name (e.g. `string`) or a mapping of fields.");
    else checkTypeName(node, node.value, error);
    return { problems, variables: null };
  }
  if (isMap(node)) {
    if (isJsonSchema(fm, node)) return { problems, variables: checkJsonSchema(fm, node, error) };
    return { problems, variables: checkPicoObject(fm, node, error) };
  }
  error(node, "schema-invalid", "A schema is a type name (e.g. `string`) or a mapping of fields, not a list.");
  return { problems, variables: null };
}

type Report = (n: YamlNode | null | undefined, code: string, message: string) => void;

function checkTypeName(node: YamlNode, text: string, error: Report): string {
  const [type] = splitDescription(text);
  if (!SCALAR_TYPES.includes(type)) {
    // Named schemas need a schema resolver; Faro registers none.
    error(node, "schema-unknown-type", `Unknown Picoschema type '${type}'. Use one of: ${SCALAR_TYPES.join(", ")}; or \`name(object)\`, \`name(array)\`, \`name(enum)\` on the key.`);
  }
  return type;
}

function checkPicoObject(fm: Frontmatter, node: YamlNode, error: Report): DeclaredVariable[] {
  const vars: DeclaredVariable[] = [];
  if (!isMap(node)) {
    error(node, "schema-invalid", "Picoschema consists only of mappings and type strings.");
    return vars;
  }
  for (const pair of node.items as Pair<YamlNode, YamlNode | null>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    const value = resolved(fm, pair.value);
    if (key === "(*)") {
      checkPicoValue(fm, value, error, pair.key);
      continue;
    }
    const { name, optional, type: t, description: d } = parsePicoKey(key);
    let type = "object";
    let description: string | null = null;
    let enumValues: unknown[] | undefined;
    let fields: DeclaredVariable[] | null = null;
    if (t !== null) {
      if (!key.endsWith(")")) error(pair.key, "schema-invalid", `'${key}': a parenthetical type must end with ')'.`);
      description = d;
      if (t === "array") {
        type = `array of ${describeValue(value)}`;
        checkPicoValue(fm, value, error, pair.key);
      } else if (t === "object") {
        fields = checkPicoValue(fm, value, error, pair.key);
      } else if (t === "enum") {
        type = "enum";
        if (!isSeq(value)) error(value ?? pair.key, "schema-invalid", `'${name}(enum)' needs a list of values, e.g. [a, b, c].`);
        else enumValues = value.toJS(fm.yaml) as unknown[];
      } else {
        error(pair.key, "schema-invalid", `Parenthetical types must be 'object', 'array' or 'enum', not '${t}'.`);
      }
    } else {
      type = describeValue(value);
      if (isScalar(value) && typeof value.value === "string") description = splitDescription(value.value)[1];
      fields = checkPicoValue(fm, value, error, pair.key);
    }
    const span = nodeSpan(fm, pair.key);
    if (span && name) vars.push({ name, optional, type, description, span, ...(enumValues ? { enumValues } : {}), ...(fields?.length ? { fields } : {}) });
  }
  return vars;
}

/** Checks a field's value; an object's fields when it is one (a mapping), else null. */
function checkPicoValue(fm: Frontmatter, value: YamlNode | null, error: Report, keyNode: unknown): DeclaredVariable[] | null {
  if (value === null || (isScalar(value) && value.value === null)) return null; // an empty object, as the library reads it
  if (isScalar(value)) {
    if (typeof value.value === "string") checkTypeName(value, value.value, error);
    else error(value, "schema-invalid", `Picoschema consists only of mappings and type strings; got ${JSON.stringify(value.value)}.`);
    return null;
  }
  if (isMap(value)) return checkPicoObject(fm, value, error);
  error(value, "schema-invalid", `A list is not a Picoschema type: write '${isScalar(keyNode) ? String(keyNode.value) : "name"}(array): type' instead.`);
  return null;
}

export function describeValue(value: YamlNode | null): string {
  if (isScalar(value) && typeof value.value === "string") return splitDescription(value.value)[0];
  return "object";
}

function checkJsonSchema(fm: Frontmatter, node: YamlNode, error: Report): DeclaredVariable[] | null {
  if (!isMap(node)) return null;
  const type = mapValue(fm, node, "type");
  const types = isSeq(type) ? (type.items as YamlNode[]).map((t) => resolved(fm, t)) : type ? [type] : [];
  for (const t of types) {
    if (!isScalar(t) || !JSON_TYPES.includes(String(t.value))) error(t as YamlNode, "schema-invalid", `JSON Schema 'type' must be one of ${JSON_TYPES.join(", ")}.`);
  }
  const props = mapValue(fm, node, "properties");
  if (props && !isMap(props)) error(props, "schema-invalid", "JSON Schema 'properties' must be a mapping of field names to schemas.");
  const names = isMap(props) ? props.items.map((p) => (isScalar(p.key) ? String(p.key.value) : "")) : [];
  const required = mapValue(fm, node, "required");
  if (required && !isSeq(required)) error(required, "schema-invalid", "JSON Schema 'required' must be a list of field names.");
  const requiredNames = new Set<string>();
  if (isSeq(required)) {
    for (const written of required.items as YamlNode[]) {
      const r = resolved(fm, written);
      const n = isScalar(r) ? String(r.value) : "";
      requiredNames.add(n);
      if (isMap(props) && !names.includes(n)) error(r as YamlNode, "schema-invalid", `'required' names '${n}', which is not in 'properties'.`);
    }
  }
  // Nested schemas: each property's (a mapping, or true/false), and an array's items.
  const nested = new Map<unknown, DeclaredVariable[]>();
  if (isMap(props)) {
    for (const p of props.items as Pair<YamlNode, YamlNode | null>[]) {
      const value = resolved(fm, p.value);
      if (isMap(value)) {
        const fields = checkJsonSchema(fm, value, error);
        if (fields?.length) nested.set(p, fields);
      }
      else if (!(isScalar(value) && typeof value.value === "boolean")) {
        error(p.value ?? p.key, "schema-invalid", `JSON Schema property '${isScalar(p.key) ? String(p.key.value) : "?"}' must be a schema mapping (e.g. {type: string}), not ${isScalar(value) ? JSON.stringify(value.value) : "a list"}.`);
      }
    }
  }
  const items = mapValue(fm, node, "items");
  if (isMap(items)) checkJsonSchema(fm, items, error);
  if (!isMap(props)) return null;
  return (props.items as Pair<YamlNode, YamlNode | null>[]).flatMap((p) => {
    const span = nodeSpan(fm, p.key);
    if (!span || !isScalar(p.key)) return [];
    const t = mapValue(fm, p.value, "type");
    const d = mapValue(fm, p.value, "description");
    const e = mapValue(fm, p.value, "enum");
    return [{
      name: String(p.key.value),
      optional: !requiredNames.has(String(p.key.value)),
      type: isScalar(t) ? String(t.value) : "any",
      description: isScalar(d) ? String(d.value) : null,
      ...(isSeq(e) ? { enumValues: e.toJS(fm.yaml) as unknown[] } : {}),
      ...(nested.has(p) ? { fields: nested.get(p)! } : {}),
      span,
    }];
  });
}

function mapValue(fm: Frontmatter, written: YamlNode | null, key: string): YamlNode | null {
  const node = resolved(fm, written);
  if (!isMap(node)) return null;
  const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
  return resolved(fm, pair?.value as YamlNode | null | undefined);
}
