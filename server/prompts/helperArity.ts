/**
 * How many arguments each known helper takes and whether it must (or must not) open a block.
 * Handlebars parses `{{#each}}` or `{{#if a b}}` happily and fails only when rendering, and
 * Dotprompt's helpers read their options from a fixed position, so a call with the wrong count
 * fails (`{{json}}`), renders a wrong part (`{{section}}`) or drops an argument (`{{history "x"}}`).
 */
import type { LineIndex } from "./lineIndex";
import type { Problem } from "./problems";
import type { HelperUse } from "./template";

interface Arity {
  /** Positional arguments accepted. */
  min: number;
  max: number;
  /** true: only as `{{#name}}…{{/name}}`; false: never as a block. */
  block?: boolean;
  usage: string;
  /** What the arguments are, for the message. */
  takes: string;
  /** Arguments beyond `max` are ignored rather than breaking the render (a warning, not an error). */
  extraIgnored?: boolean;
}

const ARITY: Record<string, Arity> = {
  if: { min: 1, max: 1, block: true, usage: "{{#if condition}}…{{/if}}", takes: "exactly one condition" },
  unless: { min: 1, max: 1, block: true, usage: "{{#unless condition}}…{{/unless}}", takes: "exactly one condition" },
  with: { min: 1, max: 1, block: true, usage: "{{#with value}}…{{/with}}", takes: "exactly one value" },
  each: { min: 1, max: 1, block: true, usage: "{{#each items}}…{{/each}}", takes: "exactly one list or object to repeat over" },
  ifEquals: { min: 2, max: 2, block: true, usage: "{{#ifEquals a b}}…{{/ifEquals}}", takes: "exactly two values to compare" },
  unlessEquals: { min: 2, max: 2, block: true, usage: "{{#unlessEquals a b}}…{{/unlessEquals}}", takes: "exactly two values to compare" },
  lookup: { min: 2, max: 2, usage: "{{lookup object key}}", takes: "an object and a key" },
  json: { min: 1, max: 1, block: false, usage: "{{json value}} (indent=2 to indent)", takes: "one value" },
  section: { min: 1, max: 1, block: false, usage: '{{section "name"}}', takes: "one section name", extraIgnored: true },
  history: { min: 0, max: 0, block: false, usage: "{{history}}", takes: "no arguments", extraIgnored: true },
  media: { min: 0, max: 0, block: false, usage: "{{media url=imageUrl}}", takes: "no positional arguments, only url= and contentType=" },
};

/** The problem with how `h` (a known helper) is called, or null when the call is well formed. */
export function arityProblem(h: HelperUse, lines: LineIndex): Problem | null {
  const a = ARITY[h.name];
  if (!a) return null;
  const n = h.node;
  const name = { start: h.start, end: h.end };
  if (a.block === true && !h.block) {
    return { ...name, severity: "error", code: "helper-misused", message: `'${h.name}' is a block helper: write ${a.usage}.` };
  }
  if (a.block === false && h.block) {
    return { ...name, severity: "error", code: "helper-misused", message: `'${h.name}' is not a block helper: write ${a.usage}.` };
  }
  const count = n.params.length;
  if (count < a.min) {
    return { ...name, severity: "error", code: "helper-misused", message: `'${h.name}' takes ${a.takes}: write ${a.usage}.` };
  }
  if (count > a.max) {
    const first = n.params[a.max]!.loc;
    const last = n.params[count - 1]!.loc;
    const extra = { start: offsetOf(h, first.start, lines), end: offsetOf(h, last.end, lines) };
    return a.extraIgnored
      ? { ...extra, severity: "warning", code: "helper-misused", message: `'${h.name}' takes ${a.takes}: Dotprompt ignores ${count - a.max === 1 ? "this argument" : "these arguments"}. Write ${a.usage}.` }
      : { ...extra, severity: "error", code: "helper-misused", message: `'${h.name}' takes ${a.takes}: write ${a.usage}.` };
  }
  return null;
}

/**
 * The document offset of a position of the helper's node. Node locations count from wherever
 * the parse started (the body or one of its pieces), the helper's name is placed in the
 * document: the position is found relative to the name, by lines and then columns.
 */
function offsetOf(h: HelperUse, p: hbs.AST.Position, lines: LineIndex): number {
  const from = h.node.path.loc.start;
  if (p.line === from.line) return h.start + (p.column - from.column);
  const line = lines.positionAt(h.start).line + (p.line - from.line);
  return Math.min((lines.starts[line] ?? lines.text.length) + p.column, lines.text.length);
}
