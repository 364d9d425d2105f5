/**
 * The walk over a template's parse that fills TemplateInfo's lists (template.ts): which names
 * are input variables, helper calls or partials, given the blocks and contexts around them.
 */
import { KNOWN_HELPERS } from "./handlebars";
import type { Span } from "./lineIndex";
import type { TemplateInfo } from "./template";

/** Block helpers whose body runs with a new context (`this`), so bare names are not inputs. */
const CONTEXT_HELPERS = new Set(["each", "with"]);

export interface Scope {
  /** Context pushes since the root. */
  depth: number;
  /** Names from `as |x|` of enclosing blocks. */
  blockParams: string[];
  /** Inside an `{{#*inline}}` definition. */
  inInline: boolean;
}


export const ROOT_SCOPE: Scope = { depth: 0, blockParams: [], inInline: false };

export class Walker {
  constructor(
    private readonly info: TemplateInfo,
    private readonly spanOf: (loc: hbs.AST.SourceLocation | undefined) => Span,
  ) {}

  program(p: hbs.AST.Program | undefined, scope: Scope): void {
    if (!p) return;
    for (const s of p.body) this.statement(s, scope);
  }

  private statement(s: hbs.AST.Statement, scope: Scope): void {
    switch (s.type) {
      case "MustacheStatement":
        this.call(s as hbs.AST.MustacheStatement, scope, false);
        return;
      case "BlockStatement":
        return this.block(s as hbs.AST.BlockStatement, scope);
      case "PartialStatement":
      case "PartialBlockStatement":
        return this.partial(s as hbs.AST.PartialStatement, scope);
      case "DecoratorBlock":
        return this.decoratorBlock(s as hbs.AST.DecoratorBlock, scope);
      default:
        return; // ContentStatement, CommentStatement, other decorators
    }
  }

  /** `{{#*inline "name"}}…{{/inline}}`: a partial defined in place; its variables are the prompt's. */
  private decoratorBlock(d: hbs.AST.DecoratorBlock, scope: Scope): void {
    const name = d.params[0] as { type: string; value?: unknown; original?: unknown; loc: hbs.AST.SourceLocation } | undefined;
    if (d.path.type === "PathExpression" && (d.path as hbs.AST.PathExpression).original === "inline" && name) {
      const text = name.type === "StringLiteral" ? name.value : name.original;
      if (typeof text === "string") this.info.inlines.push({ ...this.spanOf(name.loc), name: text, body: this.spanOf(d.program.loc), whole: this.spanOf(d.loc) });
    }
    this.program(d.program, { ...scope, inInline: true });
  }

  private block(b: hbs.AST.BlockStatement, scope: Scope): void {
    const name = b.path.original;
    const span = this.spanOf(b.loc);
    const helper = this.call(b, scope, true);
    this.info.blocks.push({ ...span, name, open: this.openTag(b, span) });
    const params = b.program?.blockParams ?? [];
    // A known helper like `if` keeps the context; each/with and sections over a value push one.
    const pushes = !helper || CONTEXT_HELPERS.has(name);
    const inner: Scope = { depth: scope.depth + (pushes ? 1 : 0), blockParams: [...scope.blockParams, ...params], inInline: scope.inInline };
    this.program(b.program, inner);
    this.program(b.inverse, scope);
  }

  /** The opening tag: from `{{#` to the first `}}` (the program starts after it). */
  private openTag(b: hbs.AST.BlockStatement, whole: Span): Span {
    const programStart = b.program?.loc ? this.spanOf(b.program.loc).start : whole.end;
    return { start: whole.start, end: Math.max(whole.start, Math.min(programStart, whole.end)) };
  }

  /** Returns whether the node is a helper call (as the compiler would classify it). */
  private call(n: hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression, scope: Scope, block: boolean): boolean {
    const path = n.path;
    const hasArgs = n.params.length > 0 || (n.hash?.pairs.length ?? 0) > 0 || n.type === "SubExpression";
    let isHelper = false;
    if (path.type === "PathExpression") {
      const p = path as hbs.AST.PathExpression;
      const simple = p.parts.length === 1 && !p.data && p.depth === 0 && !/^(this|\.)\b/.test(p.original);
      const blockParam = simple && scope.blockParams.includes(p.parts[0]!);
      const name = p.parts[0] ?? p.original;
      if (!blockParam && (hasArgs || (simple && KNOWN_HELPERS.has(name)))) {
        isHelper = true;
        this.info.helpers.push({ ...this.spanOf(p.loc), name, block, known: KNOWN_HELPERS.has(name), node: n });
      } else {
        this.expression(p, scope);
      }
    }
    for (const param of n.params) this.expression(param, scope);
    for (const pair of n.hash?.pairs ?? []) this.expression(pair.value, scope);
    return isHelper;
  }

  private partial(p: hbs.AST.PartialStatement, scope: Scope): void {
    const block = p.type === ("PartialBlockStatement" as string);
    // `{{> "name"}}` gives a StringLiteral, which the types do not list.
    if (p.name.type === "PathExpression" || (p.name.type as string) === "StringLiteral") {
      const name = (p.name as hbs.AST.PathExpression).original;
      const atRoot = scope.depth === 0 && p.params.length === 0;
      this.info.partials.push({ ...this.spanOf(p.name.loc), name, atRoot, block, inInline: scope.inInline });
    } else {
      this.expression(p.name, scope);
    }
    for (const param of p.params) this.expression(param, scope);
    for (const pair of p.hash?.pairs ?? []) this.expression(pair.value, scope);
    // The fallback renders in place when the partial is missing: it is template text like any other.
    if (block) this.program((p as unknown as hbs.AST.PartialBlockStatement).program, scope);
  }

  private expression(e: hbs.AST.Expression, scope: Scope): void {
    if (e.type === "SubExpression") {
      this.call(e as hbs.AST.SubExpression, scope, false);
      return;
    }
    if (e.type !== "PathExpression") return;
    const p = e as hbs.AST.PathExpression;
    const span = this.spanOf(p.loc);
    if (p.data) {
      // `@root.x` is the input variable x; other @-variables come from the render context.
      if (p.parts[0] === "root" && p.parts[1]) this.info.variables.push({ ...span, name: p.parts[1], path: p.parts.slice(1).join(".") });
      return;
    }
    const head = p.parts[0];
    if (head === undefined) return; // `this`, `.`
    if (p.depth === 0 && scope.blockParams.includes(head)) return;
    if (p.depth >= scope.depth) this.info.variables.push({ ...span, name: head, path: p.parts.join(".") });
  }
}
