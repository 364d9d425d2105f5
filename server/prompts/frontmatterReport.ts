/**
 * The frontmatter's share of a prompt's analysis (key and config checks against the model list,
 * input and output schemas, default inputs), remembered per parsed frontmatter: a keystroke in
 * the body reuses the YAML parse (document.ts) and, here, everything checked on it.
 */
import { isMap, isScalar, type Document } from "yaml";
import type { ModelInfo } from "../protocol";
import { findPair, resolved, topPair, type Frontmatter } from "./document";
import { checkFrontmatter, type CloudLimits, type FrontmatterFacts } from "./checkFrontmatter";
import { checkDefaults } from "./defaultsCheck";
import { checkSchema, type DeclaredVariable } from "./schemaCheck";
import type { Problem } from "./problems";

/** Shared by every analysis of the same frontmatter: read-only. */
export interface FrontmatterReport {
  problems: readonly Problem[];
  facts: FrontmatterFacts;
  /** Variables input.schema declares; null when it declares none (or is not an object). */
  declared: DeclaredVariable[] | null;
  /** Whether input.schema is there at all. */
  schemaDeclared: boolean;
  /** input.default, when it is a mapping. */
  defaults: Record<string, unknown>;
}

interface Remembered {
  report: FrontmatterReport;
  /** What besides the YAML the report depends on. */
  offset: number;
  models: readonly ModelInfo[] | null;
  defaultModel: string | null;
  aliases: readonly string[];
  cloud: CloudLimits | null;
}

// Keyed by the parsed YAML, which document.ts shares between texts with the same frontmatter.
const reports = new WeakMap<Document.Parsed, Remembered>();

/** The checks of a frontmatter without YAML errors, with offsets in its document. */
export function frontmatterReport(fm: Frontmatter, models: readonly ModelInfo[] | null, defaultModel: string | null, aliases: readonly string[] = NO_ALIASES, cloud: CloudLimits | null = null): FrontmatterReport {
  const hit = reports.get(fm.yaml);
  if (hit && hit.offset === fm.span.start && hit.models === models && hit.defaultModel === defaultModel && hit.aliases === aliases && hit.cloud === cloud) return hit.report;
  const report = check(fm, models, defaultModel, aliases, cloud);
  reports.set(fm.yaml, { report, offset: fm.span.start, models, defaultModel, aliases, cloud });
  return report;
}

const NO_ALIASES: readonly string[] = [];

function check(fm: Frontmatter, models: readonly ModelInfo[] | null, defaultModel: string | null, aliases: readonly string[], cloud: CloudLimits | null): FrontmatterReport {
  const problems: Problem[] = [];
  const facts = checkFrontmatter(fm, models, defaultModel, problems, aliases, cloud);
  const input = resolved(fm, topPair(fm, "input")?.value);
  const schemaNode = resolved(fm, findPair(input, "schema")?.value);
  const schemaDeclared = Boolean(schemaNode && !(isScalar(schemaNode) && schemaNode.value === null));
  const inputSchema = checkSchema(fm, schemaNode);
  problems.push(...inputSchema.problems);
  problems.push(...checkSchema(fm, findPair(resolved(fm, topPair(fm, "output")?.value), "schema")?.value).problems);
  const def = resolved(fm, findPair(input, "default")?.value);
  const defaults = isMap(def) ? (def.toJS(fm.yaml) as Record<string, unknown>) : {};
  // Against a schema that has errors of its own, the defaults get no verdict.
  if (inputSchema.variables && inputSchema.problems.length === 0) checkDefaults(fm, def, inputSchema.variables, problems);
  return { problems, facts, declared: inputSchema.variables, schemaDeclared, defaults };
}
