/**
 * input.default against input.schema: a run with the default inputs checks them (prepare.ts) and
 * refuses a value of another type or outside an enum, so the editor says so on the value first;
 * a default for a variable the schema does not declare is most likely a misspelt name.
 * Conservative: only top-level variables with a scalar type, a list type or an enum are judged.
 */
import { isMap, isScalar, type Node as YamlNode, type Pair } from "yaml";
import { nodeSpan, resolved, type Frontmatter } from "./document";
import { CLOSE_NAME, nearest } from "./keys";
import type { DeclaredVariable } from "./schemaCheck";
import type { Problem } from "./problems";

const FITS: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number",
  integer: (v) => Number.isInteger(v),
  boolean: (v) => typeof v === "boolean",
  null: (v) => v === null,
};

/** `defaultsNode` is input.default; `declared` what input.schema declares (checked without errors). */
export function checkDefaults(fm: Frontmatter, written: YamlNode | null | undefined, declared: readonly DeclaredVariable[], out: Problem[]): void {
  const defaultsNode = resolved(fm, written);
  if (!isMap(defaultsNode)) return;
  const byName = new Map(declared.map((v) => [v.name, v]));
  for (const pair of defaultsNode.items as Pair<YamlNode, YamlNode | null>[]) {
    const name = isScalar(pair.key) ? String(pair.key.value) : null;
    const v = name === null ? undefined : byName.get(name);
    if (name !== null && !v) {
      // Most often a misspelt name, and the variable it was meant for has no default then.
      const suggestions = nearest(name, byName.keys(), 2, CLOSE_NAME);
      const key = nodeSpan(fm, pair.key);
      const hint = suggestions[0] ? ` Did you mean '${suggestions[0]}'?` : "";
      if (key) out.push({ ...key, severity: "warning", code: "default-undeclared", message: `'${name}' has a default but input.schema does not declare it.${hint}`, data: { suggestions } });
      continue;
    }
    const span = nodeSpan(fm, pair.value ?? pair.key);
    if (!v || !span) continue;
    // toJS with the document: aliases become the values they stand for.
    const value: unknown = pair.value === null ? null : pair.value.toJS(fm.yaml);
    // Dotprompt lets an optional Picoschema field be null.
    if (value === null && v.optional) continue;
    const wrong = mismatch(v, value);
    if (wrong) out.push({ ...span, severity: "error", code: "default-mismatch", message: `The default of '${v.name}' is ${describe(value)}, but input.schema ${wrong}: a run with the default inputs is refused.` });
  }
}

/** What the schema wants that the value is not; null when it fits (or Faro cannot tell). */
function mismatch(v: DeclaredVariable, value: unknown): string | null {
  if (v.enumValues) return v.enumValues.some((e) => e === value) ? null : `allows only ${v.enumValues.map((e) => JSON.stringify(e)).join(", ")}`;
  if (v.type.startsWith("array of ") || v.type === "array") return Array.isArray(value) ? null : "declares a list";
  const fits = FITS[v.type];
  if (!fits || fits(value)) return null;
  return `declares ${v.type === "integer" ? "an integer" : `a ${v.type}`}`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}
